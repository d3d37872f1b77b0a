import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import type { JobInput, Run } from '../../shared/model/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { sweepStaleRuns, sweepSettings } from '../../shared/runtime/recovery.ts';
import { replayLoadedRun } from '../../shared/runtime/replay.ts';
import { TURN_ENTER_GRACE_MS, turnWaitSeconds, ulidTime } from '../../shared/runtime/turns.ts';
import { MAX_DEFERRALS, processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun, RUN_AT } from '../helpers/runs.ts';
import { makeJob, seedTicketInfoXml } from '../helpers/samples.ts';
import { MAX_ORDER_KEY_LENGTH, orderKeyOf } from '../../shared/tickets/order-key.ts';
import { webhookEvent } from '../helpers/runs.ts';
import { FakeTarget } from '../helpers/fake-ticket-plugin.ts';

const deferred = () => {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

/** An integration whose runs wait for the test to let them go (by run id); it records the order runs start in. */
const gated = () => {
  const started = new Map<string, ReturnType<typeof deferred>>();
  const gates = new Map<string, ReturnType<typeof deferred>>();
  const startedOf = (id: string) => started.get(id) ?? started.set(id, deferred()).get(id)!;
  const gateOf = (id: string) => gates.get(id) ?? gates.set(id, deferred()).get(id)!;
  const order: string[] = [];
  const integration = defineIntegration({
    id: 'gated',
    name: 'Gated',
    version: '1.0.0',
    description: 'waits for its gate',
    parameters: {},
    run: async ({ runId }) => {
      order.push(runId);
      startedOf(runId).resolve();
      await gateOf(runId).promise;
      return { message: 'done' };
    },
  });
  return { integration, order, started: startedOf, open: (id: string) => gateOf(id).resolve() };
};

const setup = async (job: Partial<JobInput> = {}) => {
  const g = gated();
  const clock = new FakeClock();
  const deps = memoryDeps({ integrations: [g.integration], clock, settings: { heartbeatMs: 5 } });
  await deps.jobs.put(
    JobSchema.parse({ id: 'j1', name: 'J', integration: 'gated', auth: { secret: 'demo' }, ...job }),
  );
  return { deps, clock, ...g };
};

/** Run ids are ULIDs made at RUN_AT + n ms: they sort as they were made. */
const idAt = (n: number): string => ulid(Date.parse(RUN_AT) + n);
const [A, B, C] = [idAt(1), idAt(2), idAt(3)];

/** A queued run of job j1 with `orderKey`, in its key's line, as ingest leaves it. */
const keyed = async (deps: MemoryDeps, id: string, orderKey: string | undefined, over: Partial<Run> = {}) => {
  await deps.runs.create(queuedWebhookRun({ id, ...(orderKey === undefined ? {} : { orderKey }), ...over }));
  if (orderKey !== undefined) await deps.turns.enter('j1', orderKey, id, '2026-11-23T10:00:00.000Z');
};
const message = (runId: string, receiveCount = 1) => ({
  body: JSON.stringify({ runId, jobId: 'j1' }),
  receiveCount,
  receiptHandle: `rh-${runId}-${receiveCount}`,
});
const line = (deps: MemoryDeps, key: string) => deps.turns.head('j1', key, 10);
const statusOf = (deps: MemoryDeps, id: string) => deps.runs.items.get(id)?.status;

describe('events of one ticket run in order (the worker’s turn gate)', () => {
  it('three runs of one key: the 2nd and 3rd wait (queued, attempt not spent) until the one ahead ends', async () => {
    // Prepare
    const { deps, order, started, open } = await setup();
    await keyed(deps, A, '1234');
    await keyed(deps, B, '1234');
    await keyed(deps, C, '1234');

    // Act: A runs; B and C come while it does
    const first = processRunMessage(deps, message(A));
    await started(A).promise;
    await processRunMessage(deps, message(B));
    await processRunMessage(deps, message(C));
    const whileA = { b: structuredClone(deps.runs.items.get(B)), c: structuredClone(deps.runs.items.get(C)) };
    open(A);
    await first;
    // B's delayed message comes back: its turn; C's comes while B runs: it waits again, longer.
    const second = processRunMessage(deps, message(B));
    await started(B).promise;
    await processRunMessage(deps, message(C));
    open(B);
    await second;
    open(C);
    await processRunMessage(deps, message(C));

    // Assess
    expect(order).toEqual([A, B, C]);
    for (const waiting of [whileA.b, whileA.c]) {
      expect(waiting).toMatchObject({ status: 'queued', attempt: 0 });
      // A turn's wait is no deferral: the budget rate limits need is untouched.
      expect(waiting?.deferrals).toBeUndefined();
      expect(waiting?.error).toBe(`waiting for its turn: run ${A} of the same order key has not ended`);
    }
    // The wait grows with the place in line: B (1 ahead) 2 s, C (2 ahead) 4 s, then C (1 ahead) 2 s.
    expect(deps.queue.later).toEqual([
      { message: { runId: B, jobId: 'j1' }, delaySeconds: 2 },
      { message: { runId: C, jobId: 'j1' }, delaySeconds: 4 },
      { message: { runId: C, jobId: 'j1' }, delaySeconds: 2 },
    ]);
    expect([A, B, C].map((id) => statusOf(deps, id))).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(deps.runs.items.get(C)).toMatchObject({ attempt: 1 });
    expect(deps.runs.items.get(C)?.deferrals).toBeUndefined();
    // Each left its line when it ended.
    expect(await line(deps, '1234')).toEqual([]);
  });

  it('a run far back in a storm waits by its place: one look, the head read once, the runs ahead not each read', async () => {
    // Prepare: 40 runs of one key, the first running (not finished), the last comes to a worker
    const { deps, open } = await setup();
    const ids = Array.from({ length: 40 }, (_, i) => idAt(10 + i));
    for (const id of ids) await keyed(deps, id, 'storm');
    const first = processRunMessage(deps, message(ids[0] ?? ''));
    const control = deps.runs.control.bind(deps.runs);
    let controls = 0;
    deps.runs.control = (id) => {
      controls++;
      return control(id);
    };

    // Act
    await processRunMessage(deps, message(ids[39] ?? ''));
    open(ids[0] ?? '');
    await first;

    // Assess: 39 ahead → 78 s; only the head's run was read
    expect(deps.queue.later).toEqual([{ message: { runId: ids[39], jobId: 'j1' }, delaySeconds: 78 }]);
    expect(controls).toBe(1);
  });

  it('behind a run that has been running for minutes, the next in line looks every 30 s, not every 2 s', async () => {
    const { deps, clock, open } = await setup();
    await keyed(deps, A, '88');
    await keyed(deps, B, '88');
    const first = processRunMessage(deps, message(A));
    clock.advance(20_000);
    await processRunMessage(deps, message(B));
    clock.advance(180_000);
    await processRunMessage(deps, message(B));
    open(A);
    open(B);
    await first;
    expect(deps.queue.later.map((l) => l.delaySeconds)).toEqual([5, 30]);
  });

  it('waiting its turn more often than MAX_DEFERRALS never fails the run nor spends its deferrals', async () => {
    // Prepare: A runs; B comes back 30 times while it does
    const { deps, open } = await setup();
    await keyed(deps, A, '77');
    await keyed(deps, B, '77');
    const first = processRunMessage(deps, message(A));

    // Act
    for (let i = 0; i < MAX_DEFERRALS + 6; i++) await processRunMessage(deps, message(B, 1 + (i % 3)));
    const waiting = structuredClone(deps.runs.items.get(B));
    open(A);
    open(B);
    await first;
    await processRunMessage(deps, message(B));

    // Assess
    expect(waiting).toMatchObject({ status: 'queued', attempt: 0 });
    expect(waiting?.deferrals).toBeUndefined();
    expect(deps.runs.items.get(B)).toMatchObject({ status: 'succeeded', attempt: 1 });
  });

  it('a crashed head (its run failed for good, its turn left behind) does not block: it is taken out of line', async () => {
    // Prepare
    const { deps, order, open } = await setup();
    await keyed(deps, A, '1234', { status: 'failed', attempt: 3, endedAt: RUN_AT });
    await keyed(deps, B, '1234');
    open(B);

    // Act
    await processRunMessage(deps, message(B));

    // Assess
    expect(order).toEqual([B]);
    expect(statusOf(deps, B)).toBe('succeeded');
    expect(deps.queue.later).toEqual([]);
    expect(await line(deps, '1234')).toEqual([]);
  });

  it('a turn whose run is not recorded yet blocks while young (its ingest is on its way), not once old', async () => {
    // Prepare: a turn entered at RUN_AT − 1 ms with no run (ingest between its two writes)
    const { deps, clock, order, open } = await setup();
    const ghost = idAt(-1);
    await deps.turns.enter('j1', '1234', ghost, '2026-11-23T10:00:00.000Z');
    await keyed(deps, B, '1234');
    open(B);

    // Act
    await processRunMessage(deps, message(B));
    const young = statusOf(deps, B);
    clock.advance(TURN_ENTER_GRACE_MS);
    await processRunMessage(deps, message(B));

    // Assess
    expect(young).toBe('queued');
    expect(order).toEqual([B]);
    expect(statusOf(deps, B)).toBe('succeeded');
    expect(await line(deps, '1234')).toEqual([]);
  });

  it('different keys interleave: a run of another ticket, and one without a key, run while the first is running', async () => {
    // Prepare
    const { deps, order, started, open } = await setup();
    await keyed(deps, A, '1234');
    await keyed(deps, B, '5678');
    await keyed(deps, C, undefined);
    open(B);
    open(C);

    // Act
    const first = processRunMessage(deps, message(A));
    await started(A).promise;
    await processRunMessage(deps, message(B));
    await processRunMessage(deps, message(C));
    open(A);
    await first;

    // Assess
    expect(order).toEqual([A, B, C]);
    expect(statusOf(deps, B)).toBe('succeeded');
    expect(statusOf(deps, C)).toBe('succeeded');
    expect(deps.queue.later).toEqual([]);
    expect(await line(deps, '1234')).toEqual([]);
    expect(await line(deps, '5678')).toEqual([]);
  });

  it('a run without a key costs the line nothing: no read, no write', async () => {
    // Prepare
    const { deps, open } = await setup();
    await keyed(deps, A, undefined);
    open(A);

    // Act
    await processRunMessage(deps, message(A));

    // Assess
    expect(statusOf(deps, A)).toBe('succeeded');
    expect(deps.turns.reads + deps.turns.writes).toBe(0);
  });

  it('a queued run stopped while it waited leaves its line: the run behind it waits only for the one running', async () => {
    // Prepare
    const { deps, order, started, open } = await setup();
    await keyed(deps, A, '1234');
    await keyed(deps, B, '1234', { stopRequest: { by: 'ops', at: RUN_AT } });
    await keyed(deps, C, '1234');
    open(C);

    // Act
    const first = processRunMessage(deps, message(A));
    await started(A).promise;
    await processRunMessage(deps, message(B));
    const afterStop = await line(deps, '1234');
    open(A);
    await first;
    await processRunMessage(deps, message(C));

    // Assess
    expect(statusOf(deps, B)).toBe('stopped');
    expect(afterStop).toEqual([A, C]);
    expect(order).toEqual([A, C]);
    expect(statusOf(deps, C)).toBe('succeeded');
    expect(await line(deps, '1234')).toEqual([]);
  });

  it('a run that fails for good (its integration is not installed) leaves its line', async () => {
    // Prepare: an integration that is not installed fails the run for good
    const { deps } = await setup();
    await deps.jobs.put(
      JobSchema.parse({ id: 'j1', name: 'J', integration: 'missing', auth: { secret: 'demo' } }),
    );
    await keyed(deps, A, '1234');

    // Act
    await processRunMessage(deps, message(A));

    // Assess
    expect(statusOf(deps, A)).toBe('failed');
    expect(await line(deps, '1234')).toEqual([]);
  });

  it('the sweeper’s finishes leave the line too', async () => {
    // Prepare: A queued with no message moving it, requeued three times already
    const { deps, clock } = await setup();
    await keyed(deps, A, '1234');
    await deps.runs.markRequeued(A, RUN_AT);
    await deps.runs.markRequeued(A, RUN_AT);
    await deps.runs.markRequeued(A, RUN_AT);
    clock.advance(24 * 3_600_000);

    // Act
    const swept = await sweepStaleRuns(deps, sweepSettings(30, 300));

    // Assess
    expect(swept.failed).toBe(1);
    expect(statusOf(deps, A)).toBe('failed');
    expect(await line(deps, '1234')).toEqual([]);
  });

  it('waits min(900, max(1, place × 2, min(30, running ahead / 4))) s between looks', () => {
    expect([0, 1, 2, 5, 50, 100, 1_000].map((place) => turnWaitSeconds(place))).toEqual([
      1, 2, 4, 10, 100, 200, 900,
    ]);
    // The next in line behind a slow run looks less often the longer it runs: every 30 s at most.
    expect([0, 10, 20, 60, 240, 86_400].map((running) => turnWaitSeconds(1, running))).toEqual([
      2, 3, 5, 15, 30, 30,
    ]);
    expect(turnWaitSeconds(100, 86_400)).toBe(200);
    expect(ulidTime(A)).toBe(Date.parse(RUN_AT) + 1);
    expect(ulidTime('not-an-id!')).toBeNaN();
  });
});

describe('the order key where runs are made', () => {
  it('is the SecureChange ticket id of an async job’s event, bounded; a decision job never has one', () => {
    // Prepare
    const ticket = (id: string) =>
      webhookEvent({ source: 'securechange', trigger: 'ADVANCE', ticket: { id } });
    const async = makeJob({ source: 'securechange' });
    const decision = makeJob({ source: 'securechange', mode: 'decision', event: 'PRE_ASSIGNMENT_SCRIPT' });

    // Act
    const keys = [
      orderKeyOf(async, ticket('64')),
      orderKeyOf(decision, ticket('64')),
      orderKeyOf(async, webhookEvent()),
      orderKeyOf(async, ticket('')),
      orderKeyOf(async, ticket('x'.repeat(MAX_ORDER_KEY_LENGTH + 10))),
    ];

    // Assess
    expect(keys.slice(0, 4)).toEqual(['64', undefined, undefined, undefined]);
    expect(Buffer.byteLength(keys[4] ?? '', 'utf8')).toBeLessThanOrEqual(MAX_ORDER_KEY_LENGTH);
    expect(keys[4]?.startsWith('x'.repeat(400))).toBe(true);
  });

  const SECRET = 's3cr3t-value';
  const scRequest = (body: string, event: string) => ({
    jobId: 'sc',
    body,
    headers: { 'content-type': 'application/xml', 'x-shared-secret': SECRET },
    query: { event },
  });

  it('ingest gives a SecureChange ticket’s run its ticket id as order key and puts it in line; a generic run gets none', async () => {
    // Prepare
    const deps = memoryDeps();
    await deps.jobs.put(
      JobSchema.parse({
        id: 'sc',
        name: 'SC',
        integration: 'log-event',
        source: 'securechange',
        auth: { secret: 'demo' },
      }),
    );
    await deps.jobs.put(
      JobSchema.parse({ id: 'gen', name: 'Gen', integration: 'log-event', auth: { secret: 'demo' } }),
    );
    const xml = seedTicketInfoXml();

    // Act
    const advance = await ingest(deps, scRequest(xml, 'ADVANCE'));
    const resolve = await ingest(deps, scRequest(xml, 'RESOLVE'));
    const turnWrites = deps.turns.writes;
    const generic = await ingest(deps, {
      jobId: 'gen',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET },
      query: {},
    });

    // Assess
    expect(deps.runs.items.get(advance.runId)?.orderKey).toBe('64');
    expect(deps.runs.items.get(resolve.runId)?.orderKey).toBe('64');
    expect(await deps.turns.head('sc', '64', 5)).toEqual([advance.runId, resolve.runId]);
    expect(deps.runs.items.get(generic.runId)?.orderKey).toBeUndefined();
    expect(deps.turns.writes).toBe(turnWrites);
  });

  it('on a ticket job, a target webhook is ordered by its first task, an alert by its dedupe key', async () => {
    // Prepare: a ticket job whose integration recognizes Jira-like webhooks ({ webhookEvent, issue: { key } })
    const target = new FakeTarget();
    const deps = memoryDeps({ integrations: [target.integration()] });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'tk',
        name: 'Tickets',
        integration: 'fake-tickets',
        auth: { secret: 'demo' },
        params: { url: 'http://127.0.0.1:9' },
        tickets: { queue: 'Q', dedupe: { key: '$alertName:$user', action: 'comment' } },
      }),
    );
    const post = (body: unknown) =>
      ingest(deps, {
        jobId: 'tk',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET },
        query: {},
      });

    // Act
    const runs = [
      await post({ id: 'a1', alertName: 'DLP', user: 'bob' }),
      await post({ webhookEvent: 'jira:issue_updated', issue: { key: 'T-1' } }),
      await post({ webhookEvent: 'jira:issue_updated', issue: { key: 'T-2' } }),
      await post({ webhookEvent: 'jira:issue_deleted' }),
    ];

    // Assess
    expect(runs.map((r) => deps.runs.items.get(r.runId)?.orderKey)).toEqual([
      'DLP:bob',
      'task:T-1',
      'task:T-2',
      undefined,
    ]);
    // Without the integration (as before): a webhook body has no alert attributes
    const job = await deps.jobs.get('tk');
    expect(
      job &&
        orderKeyOf(
          job,
          webhookEvent({ payload: { webhookEvent: 'jira:issue_updated', issue: { key: 'T-1' } } }),
        ),
    ).toBe('value_unavailable:value_unavailable');
  });

  it('a refused enqueue takes the run out of line again (its caller’s retry is a new run)', async () => {
    // Prepare
    const deps = memoryDeps();
    await deps.jobs.put(
      JobSchema.parse({
        id: 'sc',
        name: 'SC',
        integration: 'log-event',
        source: 'securechange',
        auth: { secret: 'demo' },
      }),
    );
    deps.queue.send = () => Promise.reject(new Error('queue down'));

    // Act
    const error = await ingest(deps, scRequest(seedTicketInfoXml(), 'ADVANCE')).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ status: 503 });
    expect(await deps.turns.head('sc', '64', 5)).toEqual([]);
  });

  it('a replay keeps its original run’s order key and takes a new place at the end of the line', async () => {
    // Prepare
    const { deps, clock } = await setup();
    // The replay is made after B arrived (ids are ULIDs of the clock: not the same millisecond,
    // whatever ids this process made before).
    clock.advance(1_000);
    const original = queuedWebhookRun({
      id: A,
      orderKey: '1234',
      status: 'succeeded',
      attempt: 1,
      endedAt: RUN_AT,
    });
    await deps.runs.create(original);
    await keyed(deps, B, '1234');

    // Act
    const replay = await replayLoadedRun(deps, original);

    // Assess
    expect(replay.orderKey).toBe('1234');
    expect(replay.replayOf).toBe(A);
    expect(await line(deps, '1234')).toEqual([B, replay.id]);
  });
});
