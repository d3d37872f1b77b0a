import { ulid } from 'ulid';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import type { Run } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { NOT_ADVANCED } from '../../shared/runtime/toolbox/checkpoint.ts';
import { processRunMessage, RetryableRunError } from '../../shared/runtime/worker.ts';
import type { Checkpoint } from '../../shared/sdk/index.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun, webhookEvent } from '../helpers/runs.ts';

beforeAll(async () => {
  // ingest loads the decision path on its first decision: loaded first, as runtime-decide.test.ts does.
  await import('../../shared/runtime/decide.ts');
});
afterEach(() => {
  vi.restoreAllMocks();
});

interface ProbeEvent {
  cursor?: string;
  /** Throw a PermanentError (recorded failed at once). */
  fail?: boolean;
  /** Throw an ordinary error (retried while attempts remain). */
  transient?: boolean;
  /** Rewind the checkpoint while the run is under way. */
  rewind?: boolean;
}

let deps: MemoryDeps;
let clock: FakeClock;
const seen: Readonly<Checkpoint>[] = [];
const probe = defineIntegration({
  id: 'checkpoint-probe',
  name: 'Checkpoint probe',
  version: '1.0.0',
  description: 'Returns the cursor its event names; fails or rewinds when told to.',
  parameters: {},
  run: async (ctx) => {
    seen.push(ctx.checkpoint);
    const e = ctx.event.payload as ProbeEvent;
    if (e.rewind === true) {
      clock.advance(30_000);
      await deps.checkpoints.rewind(ctx.jobId, {
        cursor: 'rewound',
        by: 'ops',
        at: clock.now().toISOString(),
      });
    }
    if (e.fail === true) throw new PermanentError('told to fail');
    if (e.transient === true) throw new Error('target unavailable');
    return e.cursor === undefined ? { message: 'no cursor' } : { message: 'cursor', cursor: e.cursor };
  },
});

const START = '2026-11-22T10:00:00.000Z';
let runs = 0;

/** Creates a queued run of job `j1` with `payload` and hands its message to the worker. */
const runWith = async (payload: ProbeEvent, receiveCount = 1): Promise<Run | undefined> => {
  const id = ulid(Date.parse(START) + ++runs);
  await deps.runs.create(
    queuedWebhookRun({
      id,
      attempt: receiveCount - 1,
      createdAt: START,
      event: webhookEvent({ deliveryId: `D${runs}`, receivedAt: START, payload }),
    }),
  );
  await processRunMessage(deps, {
    body: JSON.stringify({ runId: id, jobId: 'j1' }),
    receiveCount,
    receiptHandle: `rh-${id}`,
  });
  return deps.runs.get(id);
};

const setup = async () => {
  seen.length = 0;
  clock = new FakeClock();
  deps = memoryDeps({ integrations: [probe], clock });
  await deps.jobs.put(
    JobSchema.parse({ id: 'j1', name: 'J', integration: 'checkpoint-probe', auth: { secret: 'demo' } }),
  );
};

/** A success recorded for job j1, started `at`. */
const recorded = (at: string, cursor: string) =>
  deps.checkpoints.recordRun('j1', {
    runId: ulid(Date.parse(at)),
    startedAt: at,
    succeeded: true,
    cursor,
    at,
  });

describe('ctx.checkpoint', () => {
  it('is empty and frozen for a job that never finished a run', async () => {
    await setup();
    await runWith({});
    expect(seen).toEqual([{}]);
    expect(Object.isFrozen(seen[0])).toBe(true);
  });

  it('hands the run the stored times as Dates, and the cursor, frozen', async () => {
    await setup();
    await recorded('2026-11-22T09:00:00.000Z', 'page-7');
    await runWith({});
    const [checkpoint] = seen;
    expect(checkpoint?.lastRunAt).toBeInstanceOf(Date);
    expect(checkpoint).toEqual({
      lastRunAt: new Date('2026-11-22T09:00:00.000Z'),
      lastSuccessfulRunAt: new Date('2026-11-22T09:00:00.000Z'),
      cursor: 'page-7',
    });
    expect(Object.isFrozen(checkpoint)).toBe(true);
  });

  it('is read once per run, before the run: one read, and one write after it', async () => {
    await setup();
    await runWith({ cursor: 'c1' });
    expect({ reads: deps.checkpoints.reads, writes: deps.checkpoints.writes }).toEqual({
      reads: 1,
      writes: 1,
    });
  });
});

describe('the run’s cursor', () => {
  it('moves the cursor and both times to the attempt’s start when the run succeeds', async () => {
    await setup();
    await recorded('2026-11-22T09:00:00.000Z', 'page-7');
    const run = await runWith({ cursor: 'page-8' });
    expect(run?.status).toBe('succeeded');
    expect(await deps.checkpoints.get('j1')).toMatchObject({
      cursor: 'page-8',
      lastRunAt: START,
      lastSuccessfulRunAt: START,
    });
  });

  it('keeps the old cursor when a success returns none', async () => {
    await setup();
    await recorded('2026-11-22T09:00:00.000Z', 'page-7');
    await runWith({});
    expect(await deps.checkpoints.get('j1')).toMatchObject({ cursor: 'page-7', lastSuccessfulRunAt: START });
  });

  it('moves only lastRunAt when the run fails', async () => {
    await setup();
    await recorded('2026-11-22T09:00:00.000Z', 'page-7');
    const run = await runWith({ cursor: 'page-8', fail: true });
    expect(run?.status).toBe('failed');
    expect(await deps.checkpoints.get('j1')).toMatchObject({
      cursor: 'page-7',
      lastRunAt: START,
      lastSuccessfulRunAt: '2026-11-22T09:00:00.000Z',
    });
  });

  it('moves nothing while a failed run is released for another attempt', async () => {
    await setup();
    await recorded('2026-11-22T09:00:00.000Z', 'page-7');
    const before = await deps.checkpoints.get('j1');
    await expect(runWith({ transient: true })).rejects.toBeInstanceOf(RetryableRunError);
    expect(await deps.checkpoints.get('j1')).toEqual(before);
  });

  it('refuses a late, older success with a warning, and the run still succeeds', async () => {
    // Prepare: a run that started after this one has recorded its success already
    await setup();
    await recorded('2026-11-22T10:00:05.000Z', 'newer');
    const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);

    // Act
    const run = await runWith({ cursor: 'older' });

    // Assess
    expect(run?.status).toBe('succeeded');
    expect(await deps.checkpoints.get('j1')).toMatchObject({
      cursor: 'newer',
      lastRunAt: '2026-11-22T10:00:05.000Z',
    });
    expect(warn).toHaveBeenCalledWith(NOT_ADVANCED, expect.objectContaining({ jobId: 'j1' }));
  });

  it('cannot undo a rewind made while it ran', async () => {
    await setup();
    await recorded('2026-11-22T09:00:00.000Z', 'page-7');
    vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const run = await runWith({ cursor: 'page-8', rewind: true });
    expect(run?.status).toBe('succeeded');
    expect(await deps.checkpoints.get('j1')).toMatchObject({
      cursor: 'rewound',
      lastRunAt: START,
      rewoundBy: 'ops',
    });
  });

  it('fails the run permanently for a cursor over 8192 characters, which moves only lastRunAt', async () => {
    await setup();
    await recorded('2026-11-22T09:00:00.000Z', 'page-7');
    const run = await runWith({ cursor: 'c'.repeat(8193) });
    expect(run?.status).toBe('failed');
    expect(await deps.checkpoints.get('j1')).toMatchObject({ cursor: 'page-7', lastRunAt: START });
    const fits = await runWith({ cursor: 'c'.repeat(8192) });
    expect(fits?.status).toBe('succeeded');
  });

  it('does not start a run whose checkpoint cannot be read: released for another attempt', async () => {
    await setup();
    deps.checkpoints.fail = true;
    await expect(runWith({ cursor: 'c1' })).rejects.toBeInstanceOf(RetryableRunError);
    expect(seen).toEqual([]);
  });

  it('keeps a run succeeded whose checkpoint cannot be written, with an error line', async () => {
    await setup();
    deps.checkpoints.recordRun = () => Promise.reject(new Error('checkpoint store unavailable'));
    const error = vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    const run = await runWith({ cursor: 'c1' });
    expect(run?.status).toBe('succeeded');
    expect(error).toHaveBeenCalledWith(
      expect.stringContaining('checkpoint not recorded'),
      expect.objectContaining({ runId: run?.id }),
    );
  });
});

describe('a decision’s cursor', () => {
  it('is recorded beside the verdict, and the next decision sees it', async () => {
    // Prepare
    const seenByDecide: Readonly<Checkpoint>[] = [];
    const gate = defineIntegration({
      id: 'checkpoint-gate',
      name: 'Checkpoint gate',
      version: '1.0.0',
      description: 'Allows, and counts its decisions in the cursor.',
      parameters: {},
      decide: (ctx) => {
        seenByDecide.push(ctx.checkpoint);
        return { allow: true, message: 'ok', cursor: String(Number(ctx.checkpoint.cursor ?? '0') + 1) };
      },
    });
    deps = memoryDeps({ integrations: [gate] });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'g1',
        name: 'G',
        integration: 'checkpoint-gate',
        mode: 'decision',
        auth: { secret: 'demo' },
      }),
    );
    let n = 0;
    const decideOnce = () =>
      ingest(deps, {
        jobId: 'g1',
        body: JSON.stringify({ n: ++n }),
        headers: { 'content-type': 'application/json', 'x-shared-secret': 's3cr3t-value' },
        query: {},
      });

    // Act
    const first = await decideOnce();
    const second = await decideOnce();

    // Assess
    expect([first.kind, second.kind]).toEqual(['verdict', 'verdict']);
    expect(seenByDecide.map((c) => c.cursor)).toEqual([undefined, '1']);
    expect((await deps.checkpoints.get('g1'))?.cursor).toBe('2');
  });
});
