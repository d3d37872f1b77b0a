import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { describe, expect, inject, it } from 'vitest';
import { createSchedulerHandler } from '../../functions/scheduler/app.ts';
import { loadConfig } from '../../shared/config.ts';
import { parseRunMessage } from '../../shared/model/index.ts';
import type { RunSummary } from '../../shared/model/index.ts';
import { SqsQueue } from '../../shared/queue/sqs-queue.ts';
import { admin } from '../../shared/runtime/admin.ts';
import { DEFAULT_SETTINGS } from '../../shared/runtime/deps.ts';
import type { SchedulerDeps } from '../../shared/runtime/scheduler.ts';
import { checkOverdueSchedules, runScheduler } from '../../shared/runtime/scheduler.ts';
import { createRegistry } from '../../shared/sdk/index.ts';
import { integrationFolders } from '../../integrations/registry.generated.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { DynamoLeaseStore } from '../../shared/store/dynamo-lease-store.ts';
import { DynamoNotificationStore } from '../../shared/store/dynamo-notification-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import { DynamoScheduleStore } from '../../shared/store/dynamo-schedule-store.ts';
import { MemoryScriptStore } from '../../shared/testing/memory-script-store.ts';
import type { TestResources } from '../helpers/aws.ts';
import { TEST_REGION, freshResources, testClients } from '../helpers/aws.ts';
import { FakeClock, MemoryPayloads } from '../helpers/memory-deps.ts';

// Fencing against the emulators: however many scheduler invocations look at the same minute —
// concurrent ones, a retried one, one of another region on the same (global) table — each
// occurrence gets one run, and one message.

const MIN = 60_000;
/** Half past a whole minute: a job applied then is first due at the next whole minute. */
const T0 = Date.parse('2026-12-01T10:00:30.000Z');
const minute = (m: number): string =>
  new Date(Date.parse('2026-12-01T10:00:00.000Z') + m * MIN).toISOString();
const atMinute = (m: number, seconds = 2): Date => new Date(Date.parse(minute(m)) + seconds * 1000);

/** A scheduler's ports on the test table and queue, on SDK clients of its own (one process, one region). */
const schedulerDeps = (res: TestResources, clock: FakeClock): SchedulerDeps => {
  const clients = testClients();
  const table = { client: clients.ddb, tableName: res.tableName, retentionDays: 30 };
  return {
    jobs: new DynamoJobStore(table),
    runs: new DynamoRunStore(table),
    schedules: new DynamoScheduleStore(table),
    leases: new DynamoLeaseStore(table),
    queue: new SqsQueue({ client: clients.sqs, queueUrl: res.queueUrl }),
    payloads: new MemoryPayloads(),
    clock,
    settings: DEFAULT_SETTINGS,
    notifications: new DynamoNotificationStore(table),
  };
};

const setup = async (schedule: Record<string, unknown>) => {
  const res = await freshResources('scheduler');
  const clock = new FakeClock(new Date(T0));
  const deps = schedulerDeps(res, clock);
  const registry = createRegistry(integrationFolders);
  const scripts = new MemoryScriptStore({ payloads: new MemoryPayloads() });
  await admin.putJob({ ...deps, registry, scripts }, 'sync', {
    name: 'Sync',
    integration: 'log-event',
    webhook: false,
    schedule,
  });
  return { res, clock, deps };
};

/** Every run of the job, oldest occurrence first. */
const runsOf = async (deps: SchedulerDeps): Promise<RunSummary[]> => {
  const all: RunSummary[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await deps.runs.listByJob('sync', { limit: 100, cursor });
    all.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === undefined) break;
  }
  return all.sort((a, b) => (a.scheduledFor ?? '').localeCompare(b.scheduledFor ?? ''));
};

/** Receives until the queue answers empty. */
const drain = async (res: TestResources): Promise<string[]> => {
  const runIds: string[] = [];
  for (let i = 0; i < 50; i++) {
    const { Messages = [] } = await res.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: res.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return runIds;
    runIds.push(...Messages.map((m) => parseRunMessage(m.Body ?? '').runId));
  }
  throw new Error('the queue never ran empty');
};

describe('scheduler fencing on DynamoDB', () => {
  it('five concurrent invocations for the same minute make one run per occurrence, and one message per run', async () => {
    // Prepare: three minutes missed, then five schedulers at once (catch-up latest: 1 run, 3 skipped)
    const { res, deps } = await setup({ frequency: 'minute', every: 1 });
    const now = atMinute(4);

    // Act
    const results = await Promise.all(Array.from({ length: 5 }, () => runScheduler(deps, { now })));

    // Assess
    const runs = await runsOf(deps);
    expect(runs.map((r) => [r.scheduledFor, r.status])).toEqual([
      [minute(1), 'skipped'],
      [minute(2), 'skipped'],
      [minute(3), 'skipped'],
      [minute(4), 'queued'],
    ]);
    expect(results.reduce((n, r) => n + r.fired, 0)).toBe(1);
    expect(results.reduce((n, r) => n + r.skipped, 0)).toBe(3);
    const sent = await drain(res);
    expect(sent).toEqual([runs[3]?.id]);
    expect(await deps.schedules.get('sync')).toMatchObject({ through: minute(4), nextRunAt: minute(5) });
  });

  it('a second region on the same table (other clients, the same minute, at once) adds no run', async () => {
    // Prepare
    const { res, clock, deps } = await setup({ frequency: 'minute', every: 1, catchUp: 'all' });
    const otherRegion = schedulerDeps(res, clock);
    const now = atMinute(3);

    // Act
    await Promise.all([
      runScheduler(deps, { now }),
      runScheduler(otherRegion, { now: new Date(now.getTime() + 700) }),
      runScheduler(deps, { now }),
      runScheduler(otherRegion, { now }),
    ]);

    // Assess
    const runs = await runsOf(deps);
    expect(runs.map((r) => [r.scheduledFor, r.status])).toEqual([
      [minute(1), 'queued'],
      [minute(2), 'queued'],
      [minute(3), 'queued'],
    ]);
    expect((await drain(res)).sort()).toEqual(runs.map((r) => r.id).sort());
  });

  it('an EventBridge retry of the deployed scheduler function fires nothing twice', async () => {
    // Prepare: the function as deployed (its own deps), on the emulators
    const { res, deps } = await setup({ frequency: 'minute', every: 1 });
    const config = loadConfig({
      AWS_REGION: TEST_REGION,
      TRIGGERHUB_TABLE: res.tableName,
      TRIGGERHUB_QUEUE_URL: res.queueUrl,
      TRIGGERHUB_PAYLOAD_BUCKET: res.bucketName,
      TRIGGERHUB_DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
      TRIGGERHUB_SQS_ENDPOINT: inject('sqsEndpoint'),
    });
    const handler = createSchedulerHandler(config, {
      clients: { ddb: res.clients.ddb, sqs: res.clients.sqs },
    });
    const event = { time: minute(1) } as ScheduledEvent;
    const context = { functionName: 'scheduler', awsRequestId: 'r-1' } as Context;
    // The function reads the real clock: move the job's schedule to the minute that just passed.
    const now = new Date();
    const wholeMinute = new Date(Math.floor(now.getTime() / MIN) * MIN);
    await deps.schedules.arm('sync', {
      through: new Date(wholeMinute.getTime() - 30_000).toISOString(),
      nextRunAt: wholeMinute.toISOString(),
      scheduleHash: (await deps.schedules.get('sync'))?.scheduleHash ?? '',
      at: now.toISOString(),
    });

    // Act: the invocation and its retry
    const first = await handler(event, context);
    const retry = await handler(event, context);

    // Assess
    expect(first).toMatchObject({ fired: 1 });
    expect(retry.fired + retry.skipped).toBeLessThanOrEqual(1); // 1 only if a new minute began in between
    const runs = await runsOf(deps);
    const forThatMinute = runs.filter((r) => r.scheduledFor === wholeMinute.toISOString());
    expect(forThatMinute).toHaveLength(1);
    expect(forThatMinute[0]).toMatchObject({ status: 'queued', firedBy: 'schedule' });
    expect(await drain(res)).toContain(forThatMinute[0]?.id);
  });

  it("the sweeper's overdue check raises one error per unclaimed late occurrence, and none once it is claimed", async () => {
    // Prepare: due at 10:01, the scheduler never came
    const { clock, deps } = await setup({ frequency: 'minute', every: 1 });
    clock.current = atMinute(4);

    // Act
    const first = await checkOverdueSchedules(deps);
    const again = await checkOverdueSchedules(deps);
    await runScheduler(deps, { now: atMinute(4) });
    clock.current = atMinute(5, 30);
    const afterCatchUp = await checkOverdueSchedules(deps);

    // Assess
    expect([first, again, afterCatchUp]).toEqual([1, 0, 0]);
    const notes = (await deps.notifications.list({ jobId: 'sync' })).items;
    // The scheduler's own late start adds no second notice for the same occurrence.
    expect(notes.map((n) => [n.kind, n.severity])).toEqual([['schedule_overdue', 'error']]);
    expect(notes[0]?.message).toContain(minute(1));
  });
});
