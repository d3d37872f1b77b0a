import { afterEach, describe, expect, it, vi } from 'vitest';
import { hmacHeaders } from '../../shared/auth/hmac.ts';
import { ConflictError } from '../../shared/errors.ts';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import type { JobInput } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { IngestAnswer } from '../../shared/runtime/ingest.ts';
import { ingest, replayWindowSeconds } from '../../shared/runtime/ingest.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';

const SECRET = 's3cr3t-value';
const auth = {
  type: 'hmac' as const,
  secret: 'demo',
  signatureHeader: 'X-Signature',
  timestampHeader: 'X-Timestamp',
  toleranceSeconds: 300,
};
const BODY = '{"alert":"disk full","host":"db-1"}';

const setup = async (input: Partial<JobInput>) => {
  const clock = new FakeClock();
  const deps = memoryDeps({ clock });
  await deps.jobs.put(
    JobSchema.parse({ id: 'alerts', name: 'Alerts', integration: 'log-event', auth, ...input }),
  );
  return { deps, clock };
};

/** The sender's request: signed now, as a monitoring tool signs every alert it sends. */
const signed = (clock: FakeClock, body = BODY) => ({
  'content-type': 'application/json',
  ...hmacHeaders(auth, SECRET, body, clock.now()),
});

const send = (deps: MemoryDeps, headers: Record<string, string>, body = BODY) =>
  ingest(deps, { jobId: 'alerts', body, headers, query: {} });

/** Conditional writes of ingest: delivery keys and runs created (the queue send is counted apart). */
const writes = (deps: MemoryDeps) => deps.deliveries.writes + deps.runs.writes;

type Mutation = [string, (h: Record<string, string>) => Record<string, string>];
/** A captured signed request replayed as it was, or dressed up in ways the signature does not cover. */
const REPLAYS: Mutation[] = [
  ['verbatim', (h: Record<string, string>) => h],
  ['with a new Idempotency-Key', (h: Record<string, string>) => ({ ...h, 'idempotency-key': 'fresh-1' })],
  [
    'with sha256= stripped',
    (h: Record<string, string>) => ({ ...h, 'x-signature': h['x-signature']!.replace('sha256=', '') }),
  ],
  [
    'with the signature upper-cased',
    (h: Record<string, string>) => ({ ...h, 'x-signature': h['x-signature']!.toUpperCase() }),
  ],
];

describe('HMAC jobs: replay protection on (timestamp, signature), body dedupe by the job window', () => {
  it('accepts the same alert re-signed minutes later when the window is 0', async () => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: 0 });
    const first = await send(deps, signed(clock));
    clock.advance(120_000);
    const again = await send(deps, signed(clock));
    expect(first.kind).toBe('queued');
    expect(again.kind).toBe('queued');
    expect(again.runId).not.toBe(first.runId);
    expect(deps.queue.sent).toHaveLength(2);
  });

  it.each<Mutation>([
    ...REPLAYS,
    [
      'with padding around the headers',
      (h: Record<string, string>) => ({
        ...h,
        'x-signature': ` ${h['x-signature']!} `,
        'x-timestamp': ` ${h['x-timestamp']!}`,
      }),
    ],
  ])('answers a captured request replayed %s as a duplicate, even with window 0', async (_name, mutate) => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: 0 });
    const captured = signed(clock);
    const first = await send(deps, captured);
    clock.advance(290_000);
    const replay = await send(deps, mutate(captured));
    expect(replay).toMatchObject({ kind: 'duplicate', runId: first.runId });
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('keeps ingest at 2 writes and 1 send per delivery with window 0 (replay key + run)', async () => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: 0 });
    await send(deps, signed(clock));
    expect(writes(deps)).toBe(2);
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('uses the body key alone when the window covers the replay window: 2 writes', async () => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: replayWindowSeconds(auth) });
    const captured = signed(clock);
    const first = await send(deps, captured);
    expect(writes(deps)).toBe(2);
    expect(deps.deliveries.items.size).toBe(1);
    // A replay and a re-signed repeat are both the body's duplicate.
    clock.advance(10_000);
    await expect(send(deps, captured)).resolves.toMatchObject({ kind: 'duplicate', runId: first.runId });
    await expect(send(deps, signed(clock))).resolves.toMatchObject({ kind: 'duplicate', runId: first.runId });
  });

  it('claims a replay key and a body key when the window is shorter than the replay window: 3 writes', async () => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: 60 });
    const first = await send(deps, signed(clock));
    expect(writes(deps)).toBe(3);
    // Re-signed within the body window: a duplicate of the body.
    clock.advance(30_000);
    const resent = signed(clock);
    await expect(send(deps, resent)).resolves.toMatchObject({ kind: 'duplicate', runId: first.runId });
    // Once the body window passed, replaying that duplicate request is still the same run's duplicate.
    clock.advance(100_000);
    await expect(send(deps, resent)).resolves.toMatchObject({ kind: 'duplicate', runId: first.runId });
    // While a fresh re-signed repeat is a new delivery.
    await expect(send(deps, signed(clock))).resolves.toMatchObject({ kind: 'queued' });
    expect(deps.queue.sent).toHaveLength(2);
  });

  it('frees both keys when the delivery cannot be queued, so that the same request is accepted on retry', async () => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: 60 });
    const request = signed(clock);
    deps.queue.failSend = true;
    await expect(send(deps, request)).rejects.toMatchObject({ status: 503 });
    expect(deps.deliveries.items.size).toBe(0);
    deps.queue.failSend = false;
    await expect(send(deps, request)).resolves.toMatchObject({ kind: 'queued' });
  });

  it('never trusts an Idempotency-Key for HMAC jobs: a new key does not make the same body new', async () => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: 600 });
    const first = await send(deps, { ...signed(clock), 'idempotency-key': 'a' });
    clock.advance(5_000);
    await expect(send(deps, { ...signed(clock), 'idempotency-key': 'b' })).resolves.toMatchObject({
      kind: 'duplicate',
      runId: first.runId,
    });
  });
});

describe('HMAC decision jobs: a replayed signed request is refused, never decided again', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  let decided = 0;
  /** Allows everything, counting how often it was asked. */
  const gate = defineIntegration({
    id: 'counting-gate',
    name: 'Counting gate',
    version: '1.0.0',
    description: 'Allows everything and counts the calls.',
    parameters: {},
    decide: () => {
      decided++;
      return { allow: true, message: `allowed #${decided}` };
    },
  });

  const setupDecision = async (input: Partial<JobInput> = {}) => {
    decided = 0;
    const clock = new FakeClock();
    const deps = memoryDeps({ clock, integrations: [gate] });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'alerts',
        name: 'Alerts',
        integration: 'counting-gate',
        mode: 'decision',
        auth,
        ...input,
      }),
    );
    return { deps, clock };
  };

  const verdictOf = (answer: IngestAnswer): { allow: boolean; message: string; runId: string } => {
    if (answer.kind !== 'verdict') throw new Error(`expected a verdict, got ${answer.kind}`);
    return JSON.parse(answer.response.body) as { allow: boolean; message: string; runId: string };
  };

  it.each(REPLAYS)(
    'refuses a captured request replayed %s with 409 replayed: no integration call, no run written',
    async (_name, mutate) => {
      const { deps, clock } = await setupDecision({ dedupeWindowSeconds: 0 });
      const captured = signed(clock);
      const first = await send(deps, captured);
      expect(verdictOf(first)).toMatchObject({ allow: true, message: 'allowed #1' });
      const runWrites = deps.runs.writes;
      clock.advance(290_000);

      const replay = send(deps, mutate(captured));

      await expect(replay).rejects.toBeInstanceOf(ConflictError);
      await expect(replay).rejects.toMatchObject({
        status: 409,
        code: 'replayed',
        message: expect.stringContaining(`already answered (run ${first.runId})`) as unknown,
      });
      expect(decided).toBe(1);
      expect(deps.runs.writes).toBe(runWrites);
      expect(deps.runs.items.size).toBe(1);
    },
  );

  it('decides the same alert signed again (fresh timestamp and signature) afresh: no body dedupe for decisions', async () => {
    // The default dedupe window (600 s) would make the same body of an async job a duplicate.
    const { deps, clock } = await setupDecision();
    const first = await send(deps, signed(clock));
    clock.advance(5_000);
    const again = await send(deps, signed(clock));
    expect(verdictOf(first).message).toBe('allowed #1');
    expect(verdictOf(again).message).toBe('allowed #2');
    expect(again.runId).not.toBe(first.runId);
  });

  it('claims the replay key with one conditional write: 3 writes per decision (claim, run created, run finished)', async () => {
    const { deps, clock } = await setupDecision();
    await send(deps, signed(clock));
    expect(deps.deliveries.writes).toBe(1);
    expect(deps.runs.writes).toBe(2);
    expect(deps.deliveries.items.size).toBe(1);
    const [claim] = deps.deliveries.items.values();
    expect(Date.parse(claim!.dedupeUntil) - clock.now().getTime()).toBe(replayWindowSeconds(auth) * 1000);
  });

  it('keeps shared-secret decision jobs free of any delivery write', async () => {
    const { deps, clock } = await setupDecision({
      auth: { type: 'shared-secret', secret: 'demo', header: 'X-Shared-Secret' },
    });
    const headers = { 'content-type': 'application/json', 'x-shared-secret': SECRET };
    verdictOf(await send(deps, headers));
    clock.advance(1_000);
    verdictOf(await send(deps, headers));
    expect(decided).toBe(2);
    expect(deps.deliveries.writes).toBe(0);
  });

  it.each([
    ['deny', false],
    ['allow', true],
  ] as const)(
    'answers onError=%s, without deciding or writing a run, when the replay claim fails',
    async (onError, allow) => {
      const { deps, clock } = await setupDecision({ onError });
      deps.deliveries.create = () => Promise.reject(new Error('ThrottlingException: slow down'));
      const logged = vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
      const answer = await send(deps, signed(clock));
      expect(verdictOf(answer)).toMatchObject({
        allow,
        message: `the request could not be checked for a replay; onError=${onError}: ${allow ? 'allowed' : 'denied'}`,
      });
      if (answer.kind === 'verdict') expect(answer.response.status).toBe(200);
      expect(decided).toBe(0);
      expect(deps.runs.items.size).toBe(0);
      expect(logged).toHaveBeenCalledWith(
        'decision verdict not recorded',
        expect.objectContaining({ jobId: 'alerts', stage: 'claim', answered: onError }),
      );
    },
  );

  it('answers onError within the deadline when the replay claim hangs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const { deps, clock } = await setupDecision({ timeoutSeconds: 2 });
    deps.deliveries.create = () => new Promise(() => undefined);
    vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    let answer: IngestAnswer | undefined;
    void send(deps, signed(clock)).then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(2000);
    expect(answer && verdictOf(answer)).toMatchObject({
      allow: false,
      message: 'the request could not be checked for a replay; onError=deny: denied',
    });
    expect(decided).toBe(0);
  });

  it('answers a replay over HTTP as 409 {"error":"replayed"} with one refusal line', async () => {
    const { deps, clock } = await setupDecision();
    const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    vi.spyOn(platformLogger, 'info').mockImplementation(() => undefined);
    const app = createIngestApp(deps);
    const captured = signed(clock);
    const post = () => app.request('/hooks/alerts', { method: 'POST', headers: captured, body: BODY });

    const first = await post();
    expect(first.status).toBe(200);
    const runId = ((await first.json()) as { runId: string }).runId;
    const replay = await post();

    expect(replay.status).toBe(409);
    expect(await replay.json()).toEqual({
      error: 'replayed',
      message: `this signed request was already answered (run ${runId}); to ask again, sign it again with a fresh timestamp`,
    });
    expect(warn).toHaveBeenCalledWith(
      'webhook refused',
      expect.objectContaining({ jobId: 'alerts', status: 409, reason: 'replayed' }),
    );
    expect(decided).toBe(1);
  });
});
