import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import type { Job, Run, TriggerEvent } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { createPlatformRun } from '../../shared/runtime/new-run.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { CREATE_SETTLE_MS, LAST_SYNC_KEY, createEffectKey } from '../../shared/tickets/orchestrate.ts';
import { FakeTarget } from '../helpers/fake-ticket-plugin.ts';
import type { Loopback } from '../helpers/loopback-http.ts';
import { json, startLoopback } from '../helpers/loopback-http.ts';
import type { FakeClock, MemoryDeps } from '../helpers/memory-deps.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun, webhookEvent } from '../helpers/runs.ts';

const TOKEN = 'tok-SECRET-9f8e7d6c5b4a';
const JOB = 'alerts';

const open: Loopback[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

const ticketJob = (tickets: Record<string, unknown> = {}, over: Record<string, unknown> = {}): Job =>
  JobSchema.parse({
    id: JOB,
    name: 'Alerts to tickets',
    integration: 'fake-tickets',
    auth: { secret: 'demo' },
    params: { url: 'http://127.0.0.1:9', token: { secret: 'target-token' } },
    tickets: {
      queue: 'Q',
      rule: { severity: { $in: ['high', 'critical'] } },
      mappings: [
        { field: 'summary', value: 'Netskope $appCategory alert: $alertName' },
        { field: 'description', value: 'Alert ID: $id\nUser: $user\nOwner: $owner.email' },
        { field: 'points', value: '$score' },
        { field: 'labels', value: '$tags' },
      ],
      dedupe: { key: '$alertName:$user', action: 'comment' },
      ...tickets,
    },
    ...over,
  });

interface World {
  deps: MemoryDeps;
  target: FakeTarget;
  job: Job;
  /** Posts an alert body as a webhook run and works it; answers the run. */
  send(payload: unknown, over?: Partial<TriggerEvent>): Promise<Run>;
  /** Works run `id` once more (a retry of the queue). */
  work(id: string, receiveCount?: number): Promise<Run>;
  /** A scheduled run for the occurrence `scheduledFor`, worked. */
  tick(scheduledFor: string): Promise<Run>;
}

const world = async (
  tickets: Record<string, unknown> = {},
  over: Record<string, unknown> = {},
  target = new FakeTarget(),
): Promise<World> => {
  const deps = memoryDeps({
    integrations: [target.integration()],
    secrets: { demo: ['s3cr3t-value'], 'target-token': [TOKEN] },
  });
  const job = ticketJob(tickets, over);
  await deps.jobs.put(job);
  let seq = 0;
  const work = async (id: string, receiveCount = 1): Promise<Run> => {
    await processRunMessage(deps, {
      body: JSON.stringify({ runId: id, jobId: JOB }),
      receiveCount,
      receiptHandle: `rh-${id}-${receiveCount}`,
    }).catch(() => undefined);
    const run = deps.runs.items.get(id);
    if (run === undefined) throw new Error(`no run ${id}`);
    return run;
  };
  return {
    deps,
    target,
    job,
    work,
    send: async (payload, eventOver = {}) => {
      const id = `R${++seq}`;
      await deps.runs.create(
        queuedWebhookRun({
          id,
          jobId: JOB,
          event: webhookEvent({ deliveryId: `D${seq}`, payload, ...eventOver }),
        }),
      );
      return work(id);
    },
    tick: async (scheduledFor) => {
      const run = await createPlatformRun(deps, job, { firedBy: 'schedule', scheduledFor });
      return work(run.id);
    },
  };
};

const alert = (over: Record<string, unknown> = {}) => ({
  id: 'a1',
  alertName: 'DLP upload',
  alertType: 'DLP',
  app: 'Dropbox',
  appCategory: 'Cloud Storage',
  user: 'bob@acme.com',
  type: 'nspolicy',
  timestamp: 1_700_000_000,
  severity: 'high',
  score: '7',
  tags: 'dlp, upload ,',
  owner: { email: 'sec@acme.com' },
  ...over,
});

describe('ticketIntegration: an alert becomes a task', () => {
  it('creates one task with the mapped, shaped fields, stores it, and outputs { task, action }', async () => {
    // Prepare
    const w = await world();

    // Act
    const run = await w.send(alert());

    // Assess
    expect(run).toMatchObject({
      status: 'succeeded',
      message: 'created T-1 (https://target.test/browse/T-1)',
      output: {
        task: { id: 'T-1', status: 'new', link: 'https://target.test/browse/T-1' },
        action: 'created',
      },
    });
    expect(w.target.created).toHaveLength(1);
    expect(w.target.created[0]).toMatchObject({
      queue: 'Q',
      marker: 'triggerhub-alerts.a1',
      fields: {
        summary: 'Netskope Cloud Storage alert: DLP upload',
        description: 'Alert ID: a1\nUser: bob@acme.com\nOwner: sec@acme.com',
        points: 7,
        labels: ['dlp', 'upload'],
      },
    });
    expect(await w.deps.tasks.get(JOB, 'T-1')).toMatchObject({
      id: 'T-1',
      status: 'new',
      dedupeKey: 'DLP upload:bob@acme.com',
      dedupeCount: 1,
      alertIds: ['a1'],
      queue: 'Q',
    });
    expect((await w.deps.tasks.openFor(JOB, 'DLP upload:bob@acme.com'))?.id).toBe('T-1');
  });

  it('uses the integration’s default mappings when the job has none, and the delivery id for an alert without id', async () => {
    const w = await world({ mappings: undefined, rule: undefined, dedupe: undefined });
    const run = await w.send({ alertName: 'Malware' });
    expect(run.status).toBe('succeeded');
    expect(w.target.calls.getDefaultMappings).toBe(1);
    expect(w.target.created[0]?.fields).toEqual({ summary: 'Alert: Malware', description: 'Alert ID: D1' });
    expect(w.target.created[0]?.marker).toBe('triggerhub-alerts.D1');
    expect((await w.deps.tasks.get(JOB, 'T-1'))?.dedupeKey).toBeUndefined();
  });

  it('reads the queue’s fields once an hour (ctx.state), not once per alert', async () => {
    const w = await world({ dedupe: undefined });
    await w.send(alert({ id: 'a1' }));
    await w.send(alert({ id: 'a2' }));
    expect(w.target.calls.createTask).toBe(2);
    expect(w.target.calls.getAvailableFields).toBe(1);
  });

  it('ends a run the rule rejects succeeded, "filtered out by rule", with nothing sent', async () => {
    const w = await world();
    const run = await w.send(alert({ severity: 'low' }));
    expect(run).toMatchObject({ status: 'succeeded', output: { action: 'filtered' } });
    expect(run.message).toContain('filtered out by rule');
    expect(w.target.calls.createTask).toBe(0);
    expect(w.target.calls.getAvailableFields).toBe(0);
  });

  it('lets the main attributes win over the body in the rule', async () => {
    // `alertName` is read from a configured path; a top-level `alertName` in the body loses to it
    const w = await world({
      rule: { alertName: 'Real name' },
      attributes: { alertName: 'alert.name' },
      dedupe: undefined,
    });
    const run = await w.send({ id: 'a1', alertName: 'Decoy', alert: { name: 'Real name' } });
    expect(run.output).toMatchObject({ action: 'created' });
  });

  it('refuses a number field whose text is no number: failed permanently, naming the field', async () => {
    const w = await world({ dedupe: undefined });
    const run = await w.send(alert({ score: 'lots' }));
    expect(run).toMatchObject({ status: 'failed', attempt: 1 });
    expect(run.error).toContain('mapping "points": "lots" is not a number');
    expect(w.target.calls.createTask).toBe(0);
    expect(w.deps.queue.delays).toEqual([]);
  });
});

describe('ticketIntegration: a task’s human key (ServiceNow’s incident number)', () => {
  it('names the task by its key in run messages, keeps the key, and a sync fills it in', async () => {
    // Prepare
    const w = await world({ sync: { every: 15 } });
    w.target.humanKeys = true;

    // Act
    const created = await w.send(alert({ id: 'a1' }));
    const commented = await w.send(alert({ id: 'a2' }));
    const replayed = await w.send(alert({ id: 'a1' }));
    // A task stored without its key (before keys were kept): the next sync answers it.
    await w.deps.tasks.put(JOB, {
      id: 'T-1',
      status: 'new',
      link: 'https://target.test/browse/T-1',
      dedupeCount: 2,
      alertIds: ['a1', 'a2'],
      queue: '10000:Task',
      createdAt: '2026-11-22T08:00:00.000Z',
      updatedAt: '2026-11-22T08:00:00.000Z',
    });
    const tick = await w.tick('2026-11-22T12:00:00.000Z');

    // Assess
    expect(created).toMatchObject({
      status: 'succeeded',
      message: 'created KEY-1 (https://target.test/browse/T-1)',
      output: { task: { id: 'T-1', key: 'KEY-1' }, action: 'created' },
    });
    expect(commented.message).toBe('commented on KEY-1 (dedupe count 2)');
    expect(replayed.message).toBe('already created KEY-1 for this alert');
    expect(tick.message).toBe('pulled no alerts; synced 1 task (0 closed, 0 deleted) in 1 call');
    expect(await w.deps.tasks.get(JOB, 'T-1')).toMatchObject({ id: 'T-1', key: 'KEY-1' });
  });
});

describe('ticketIntegration: dedupe', () => {
  it('comments on the open task for the same key: dedupeCount 2, the comment carries our own-change note', async () => {
    const w = await world();
    await w.send(alert({ id: 'a1' }));
    const run = await w.send(alert({ id: 'a2', timestamp: '2026-11-22T10:05:00Z' }));
    expect(run).toMatchObject({
      status: 'succeeded',
      message: 'commented on T-1 (dedupe count 2)',
      output: { task: { id: 'T-1', status: 'new' }, action: 'commented' },
    });
    expect(w.target.calls.createTask).toBe(1);
    expect(w.target.tasks.get('T-1')?.comments).toEqual([
      'New alert received at 2026-11-22T10:05:00Z: DLP upload (id a2).\nThis task now stands for 2 alerts.\n[triggerhub:triggerhub-alerts.a2]',
    ]);
    expect(w.target.updates[0]?.marker).toBe('triggerhub-alerts.a2');
    expect(await w.deps.tasks.get(JOB, 'T-1')).toMatchObject({ dedupeCount: 2, alertIds: ['a1', 'a2'] });
  });

  it('with action ignore adds nothing to the target: "ignored: duplicate of <task>", counted', async () => {
    const w = await world({ dedupe: { key: '$alertName:$user', action: 'ignore' } });
    await w.send(alert({ id: 'a1' }));
    const run = await w.send(alert({ id: 'a2' }));
    expect(run).toMatchObject({
      status: 'succeeded',
      message: 'ignored: duplicate of T-1',
      output: { task: { id: 'T-1' }, action: 'ignored' },
    });
    expect(w.target.calls.updateTask).toBe(0);
    expect(w.target.calls.createTask).toBe(1);
    expect(await w.deps.tasks.get(JOB, 'T-1')).toMatchObject({ dedupeCount: 2, alertIds: ['a1', 'a2'] });
  });

  it('opens a new task once the task for the key is closed', async () => {
    const w = await world();
    await w.send(alert({ id: 'a1' }));
    await w.deps.tasks.update(JOB, 'T-1', { status: 'closed', updatedAt: '2026-11-22T11:00:00.000Z' });
    const run = await w.send(alert({ id: 'a2' }));
    expect(run.output).toMatchObject({ task: { id: 'T-2' }, action: 'created' });
    expect(w.target.calls.createTask).toBe(2);
    expect((await w.deps.tasks.openFor(JOB, 'DLP upload:bob@acme.com'))?.id).toBe('T-2');
  });

  it('a comment the target answers `deleted` marks the task deleted, frees its key, and the alert opens a new task', async () => {
    const w = await world();
    await w.send(alert({ id: 'a1' }));
    w.target.remove('T-1');
    const run = await w.send(alert({ id: 'a2' }));
    expect(run).toMatchObject({ status: 'succeeded', output: { task: { id: 'T-2' }, action: 'created' } });
    expect(w.target.calls.updateTask).toBe(1);
    expect((await w.deps.tasks.get(JOB, 'T-1'))?.status).toBe('deleted');
    expect(await w.deps.tasks.get(JOB, 'T-2')).toMatchObject({ alertIds: ['a2'], dedupeCount: 1 });
    expect((await w.deps.tasks.openFor(JOB, 'DLP upload:bob@acme.com'))?.id).toBe('T-2');
  });
});

describe('ticketIntegration: exactly once', () => {
  it('a replay of the alert opens no second task and adds no comment', async () => {
    const w = await world();
    await w.send(alert({ id: 'a1' }));
    await w.send(alert({ id: 'a2' }));
    // Act: both alerts again (a replay keeps the event, so the same alert ids)
    const again1 = await w.send(alert({ id: 'a1' }));
    const again2 = await w.send(alert({ id: 'a2' }));
    // Assess
    expect(again1.output).toMatchObject({ task: { id: 'T-1' }, action: 'created' });
    expect(again2.output).toMatchObject({ task: { id: 'T-1' }, action: 'commented' });
    expect(w.target.calls.createTask).toBe(1);
    expect(w.target.calls.updateTask).toBe(1);
    expect(await w.deps.tasks.get(JOB, 'T-1')).toMatchObject({ dedupeCount: 2, alertIds: ['a1', 'a2'] });
  });

  it('a replay after the task closed answers the recorded task (the effect), opening none', async () => {
    const w = await world();
    await w.send(alert({ id: 'a1' }));
    await w.deps.tasks.update(JOB, 'T-1', { status: 'closed', updatedAt: '2026-11-22T11:00:00.000Z' });
    const again = await w.send(alert({ id: 'a1' }));
    expect(again).toMatchObject({
      status: 'succeeded',
      message: 'already created T-1 for this alert',
      output: { task: { id: 'T-1', status: 'closed' }, action: 'created' },
    });
    expect(w.target.calls.createTask).toBe(1);
    expect((await w.deps.tasks.get(JOB, 'T-1'))?.status).toBe('closed');
  });

  it('a crash between createTask’s answer and the effect’s record: the retry reconciles by marker, one createTask', async () => {
    // Prepare: the ledger fails to record the create's end once (the attempt dies there)
    const w = await world();
    const complete = w.deps.effects.complete.bind(w.deps.effects);
    let failures = 0;
    w.deps.effects.complete = (jobId, key, holder, done) => {
      if (key === createEffectKey('a1') && failures++ === 0)
        return Promise.reject(new Error('connection reset'));
      return complete(jobId, key, holder, done);
    };

    // Act
    const first = await w.send(alert({ id: 'a1' }));
    const retried = await w.work('R1', 2);

    // Assess
    expect(first.status).toBe('queued');
    expect(retried).toMatchObject({ status: 'succeeded', attempt: 2, output: { task: { id: 'T-1' } } });
    expect(w.target.calls.createTask).toBe(1);
    expect(w.target.calls.findTask).toBe(1);
    expect(w.target.tasks.size).toBe(1);
    expect(await w.deps.tasks.get(JOB, 'T-1')).toMatchObject({ alertIds: ['a1'], dedupeCount: 1 });
    expect(
      retried.logs.some((l) => l.message.includes('found the task an earlier attempt created: T-1')),
    ).toBe(true);
  });

  it('an answer lost after the target created the task: the retry finds it by marker, one task', async () => {
    const w = await world();
    let lose = true;
    w.target.afterCreate = () => {
      if (lose) {
        lose = false;
        throw new Error('socket hang up');
      }
    };
    await w.send(alert({ id: 'a1' }));
    const retried = await w.work('R1', 2);
    expect(retried).toMatchObject({
      status: 'succeeded',
      output: { task: { id: 'T-1' }, action: 'created' },
    });
    expect(w.target.calls.createTask).toBe(1);
    expect(w.target.tasks.size).toBe(1);
  });

  it('a failure before createTask (the fields’ read) leaves no key pending: the retry creates the task', async () => {
    const w = await world();
    w.target.fieldsFailure = new Error('503 from the target');
    const first = await w.send(alert({ id: 'a1' }));
    const retried = await w.work('R1', 2);
    expect(first).toMatchObject({ status: 'queued', error: '503 from the target' });
    expect(retried).toMatchObject({
      status: 'succeeded',
      output: { task: { id: 'T-1' }, action: 'created' },
    });
    expect(w.target.calls.findTask).toBe(0);
    expect(w.target.calls.createTask).toBe(1);
  });

  it('a create answered 502 by a target that did nothing: no task on the immediate retry, one once the claim is older than the settle time', async () => {
    // Prepare: the target's API answers the create's POST 502 once, having done nothing
    let posts = 0;
    const api = await startLoopback((_req, res) => {
      posts++;
      json(res, posts === 1 ? 502 : 201, posts === 1 ? { error: 'bad gateway' } : {});
    });
    open.push(api);
    const w = await world({}, { params: { url: api.origin, token: { secret: 'target-token' } } });
    w.target.beforeCreate = async (ctx) => {
      await ctx.http.post(`${ctx.params.url}/rest/api/3/issue`, { json: {} });
    };
    const clock = w.deps.clock as FakeClock;

    // Act: the first attempt (502), an immediate retry, then one past the settle time
    const first = await w.send(alert({ id: 'a1' }));
    const soon = await w.work('R1', 2);
    const tasksAfterSoon = w.target.tasks.size;
    clock.advance(CREATE_SETTLE_MS);
    const settled = await w.work('R1', 2);
    const replay = await w.work('R1', 3);

    // Assess
    expect(first).toMatchObject({ status: 'queued', attempt: 1 });
    expect(soon).toMatchObject({ status: 'queued', attempt: 1, deferrals: 1 });
    expect(soon.error).toContain('the target has none with marker triggerhub-alerts.a1 yet');
    expect(w.deps.queue.later).toEqual([{ message: { runId: 'R1', jobId: JOB }, delaySeconds: 60 }]);
    expect(tasksAfterSoon).toBe(0);
    expect(settled).toMatchObject({
      status: 'succeeded',
      output: { action: 'created', task: { id: 'T-1' } },
    });
    expect(replay.status).toBe('succeeded');
    expect(w.target.tasks.size).toBe(1);
    expect(w.target.calls.findTask).toBe(2);
    expect(posts).toBe(2);
    expect(await w.deps.tasks.get(JOB, 'T-1')).toMatchObject({ alertIds: ['a1'], dedupeCount: 1 });
  });

  it('a create that did happen behind a 502 is found by marker after the settle time: no second task', async () => {
    const w = await world();
    let lose = true;
    w.target.afterCreate = () => {
      if (lose) {
        lose = false;
        throw new Error('502 Bad Gateway');
      }
    };
    await w.send(alert({ id: 'a1' }));
    (w.deps.clock as FakeClock).advance(CREATE_SETTLE_MS * 2);
    const retried = await w.work('R1', 2);
    expect(retried).toMatchObject({
      status: 'succeeded',
      output: { action: 'created', task: { id: 'T-1' } },
    });
    expect(w.target.calls.createTask).toBe(1);
    expect(w.target.tasks.size).toBe(1);
  });
});

describe('ticketIntegration: webhooks from the target', () => {
  it('ignores a webhook about our own change', async () => {
    const w = await world();
    await w.send(alert({ id: 'a1' }));
    await w.send(alert({ id: 'a2' }));
    const comment = w.target.tasks.get('T-1')?.comments[0] ?? '';
    const run = await w.send({
      webhookEvent: 'comment_created',
      issue: { key: 'T-1' },
      comment: { body: comment },
    });
    expect(run).toMatchObject({
      status: 'succeeded',
      message: 'ignored: our own change',
      output: { action: 'ignored' },
    });
    expect(w.target.calls.syncStates).toBe(0);
    expect(w.target.calls.createTask).toBe(1);
  });

  it('syncs the tasks a webhook from the target names, now', async () => {
    const w = await world();
    await w.send(alert({ id: 'a1' }));
    w.target.setStatus('T-1', 'closed');
    const run = await w.send({ webhookEvent: 'jira:issue_updated', issue: { key: 'T-1' } });
    expect(run).toMatchObject({
      status: 'succeeded',
      message: "synced 1 task (1 closed, 0 deleted) in 1 call on the target's webhook",
      output: { action: 'synced' },
    });
    expect(w.target.synced).toEqual([['T-1']]);
    expect((await w.deps.tasks.get(JOB, 'T-1'))?.status).toBe('closed');
    expect(await w.deps.tasks.openFor(JOB, 'DLP upload:bob@acme.com')).toBeUndefined();
  });

  it('ignores a webhook about no task of the job', async () => {
    const w = await world();
    const run = await w.send({ webhookEvent: 'jira:issue_updated', issue: { key: 'OTHER-1' } });
    expect(run.message).toBe('ignored: the webhook is about no task of this job');
    expect(w.target.calls.syncStates).toBe(0);
  });
});

describe('ticketIntegration: scheduled runs', () => {
  it('a job without its own schedule syncs on every scheduled run (jobSchedule is the sync)', async () => {
    const w = await world({ sync: { every: 15 } });
    await w.send(alert({ id: 'a1' }));
    w.target.setStatus('T-1', 'closed');
    const run = await w.tick('2026-11-22T10:15:00.000Z');
    expect(run).toMatchObject({
      status: 'succeeded',
      message: 'pulled no alerts; synced 1 task (1 closed, 0 deleted) in 1 call',
      output: { sync: { synced: 1, calls: 1, closed: 1, deleted: 0 } },
    });
    expect((await w.deps.tasks.get(JOB, 'T-1'))?.status).toBe('closed');
    // The next matching alert opens a new task
    const next = await w.send(alert({ id: 'a2' }));
    expect(next.output).toMatchObject({ task: { id: 'T-2' }, action: 'created' });
  });

  it('a job with a schedule of its own syncs when sync.every has passed since the last sync', async () => {
    const w = await world({ sync: { every: 15 } }, { schedule: { frequency: 'minute', every: 5 } });
    await w.send(alert({ id: 'a1' }));
    const first = await w.tick('2026-11-22T10:00:00.000Z');
    const early = await w.tick('2026-11-22T10:10:00.000Z');
    w.target.remove('T-1');
    const due = await w.tick('2026-11-22T10:15:00.000Z');
    expect(first.message).toBe('pulled no alerts; synced 1 task (0 closed, 0 deleted) in 1 call');
    expect(early.message).toBe(
      'pulled no alerts; no sync due (every 15 min; next at 2026-11-22T10:15:00.000Z)',
    );
    expect(due.message).toBe('pulled no alerts; synced 1 task (0 closed, 1 deleted) in 1 call');
    expect(w.target.calls.syncStates).toBe(2);
    expect(await w.deps.state.get(JOB, LAST_SYNC_KEY, new Date('2026-11-22T10:20:00Z'))).toMatchObject({
      value: '2026-11-22T10:15:00.000Z',
    });
    expect((await w.deps.tasks.get(JOB, 'T-1'))?.status).toBe('deleted');
  });

  it('a manual run (run now) syncs at once, whatever sync.every says', async () => {
    const w = await world({ sync: { every: 60 } }, { schedule: { frequency: 'minute', every: 5 } });
    await w.send(alert({ id: 'a1' }));
    await w.tick('2026-11-22T10:00:00.000Z');
    w.target.setStatus('T-1', 'on_hold');
    const manual = await createPlatformRun(w.deps, w.job, { firedBy: 'manual' });
    const run = await w.work(manual.id);
    expect(run.message).toBe('pulled no alerts; synced 1 task (0 closed, 0 deleted) in 1 call');
    expect((await w.deps.tasks.get(JOB, 'T-1'))?.status).toBe('on_hold');
  });

  it('pulls alerts with the checkpoint’s cursor when the integration can, and keeps the new cursor', async () => {
    const w = await world({ sync: { every: 15 }, dedupe: undefined });
    w.target.pull = {
      alerts: [
        { id: 'p1', alertName: 'Pulled', rawAlert: { severity: 'critical' } },
        { id: 'p2', alertName: 'Pulled', rawAlert: { severity: 'low' } },
      ],
      cursor: 'page-2',
    };
    const run = await w.tick('2026-11-22T10:15:00.000Z');
    expect(run).toMatchObject({
      status: 'succeeded',
      message:
        'pulled 2 alerts (1 created, 0 commented, 0 ignored, 1 filtered); synced 1 task (0 closed, 0 deleted) in 1 call',
    });
    expect(w.target.created.map((c) => c.alert.id)).toEqual(['p1']);
    expect((await w.deps.checkpoints.get(JOB))?.cursor).toBe('page-2');
  });
});

describe('ticketIntegration: a sync the target answers with none of its tasks', () => {
  it('marks none deleted, raises one warn notification and says it in the run message', async () => {
    // Prepare: 12 open tasks (distinct dedupe keys); the account then loses sight of all of them
    const w = await world({ sync: { every: 15 } });
    for (let i = 1; i <= 12; i++) await w.send(alert({ id: `a${i}`, user: `u${i}@acme.com` }));
    for (const id of [...w.target.tasks.keys()]) w.target.remove(id);

    // Act
    const run = await w.tick('2026-11-22T10:15:00.000Z');

    // Assess
    const text =
      "the target returned none of 12 open tasks: check the account's permissions; nothing was marked deleted";
    expect(run.status).toBe('succeeded');
    expect(run.message).toBe(`pulled no alerts; synced 12 tasks (0 closed, 0 deleted) in 1 call; ${text}`);
    expect(w.deps.notifications.items.filter((n) => n.severity === 'warn').map((n) => n.message)).toEqual([
      text,
    ]);
    expect((await w.deps.tasks.get(JOB, 'T-1'))?.status).toBe('new');
  });
});

describe('ticketIntegration: failures', () => {
  it('a target’s permanent refusal fails the run with its message, never the token', async () => {
    const w = await world();
    w.target.beforeCreate = (ctx) => {
      throw new PermanentError(`target answered 401: token ${ctx.params.token ?? ''} is not valid`);
    };
    const run = await w.send(alert());
    expect(run).toMatchObject({ status: 'failed', attempt: 1 });
    expect(run.error).toContain('target answered 401: token *** is not valid');
    expect(JSON.stringify(run)).not.toContain(TOKEN);
    expect(w.deps.queue.delays).toEqual([]);
  });

  it('hands a rate-limit deferral (ctx.http, 429 past the deadline) back untouched: deferred, then one task', async () => {
    // Prepare: the target's API answers 429 Retry-After 120 once; the job's deadline is 5 s
    let limited = true;
    const api = await startLoopback((_req, res) => {
      if (limited) json(res, 429, { error: 'rate limited' }, { 'retry-after': '120' });
      else json(res, 200, {});
    });
    open.push(api);
    const w = await world(
      {},
      { timeoutSeconds: 5, params: { url: api.origin, token: { secret: 'target-token' } } },
    );
    w.target.beforeCreate = async (ctx) => {
      await ctx.http.get(`${ctx.params.url}/rest/api/3/myself`);
    };

    // Act
    const deferred = await w.send(alert());
    limited = false;
    const later = await w.work('R1');

    // Assess
    expect(deferred).toMatchObject({ status: 'queued', attempt: 0, deferrals: 1, rateLimited: true });
    expect(w.deps.queue.later).toEqual([{ message: { runId: 'R1', jobId: JOB }, delaySeconds: 120 }]);
    expect(later).toMatchObject({ status: 'succeeded', output: { action: 'created', task: { id: 'T-1' } } });
    expect(w.target.tasks.size).toBe(1);
  });

  it('a saved rule that is no valid rule fails the run permanently, naming why', async () => {
    const w = await world({ rule: { $where: 'this.severity == "high"' } });
    const run = await w.send(alert());
    expect(run).toMatchObject({ status: 'failed', attempt: 1 });
    expect(run.error).toContain('tickets.rule: $where: $where (JavaScript) is not allowed');
    expect(w.target.calls.createTask).toBe(0);
  });

  it('a job whose integration has no tickets fails permanently, saying so', async () => {
    const plain = defineIntegration({
      id: 'fake-tickets',
      name: 'Not tickets',
      version: '1.0.0',
      description: 'no tickets entry point',
      parameters: { url: { type: 'text' }, token: { type: 'password' } },
      run: () => ({ message: 'ran' }),
    });
    const deps = memoryDeps({
      integrations: [plain],
      secrets: { demo: ['s3cr3t-value'], 'target-token': [TOKEN] },
    });
    await deps.jobs.put(ticketJob());
    await deps.runs.create(
      queuedWebhookRun({ id: 'R1', jobId: JOB, event: webhookEvent({ payload: alert() }) }),
    );
    await processRunMessage(deps, {
      body: JSON.stringify({ runId: 'R1', jobId: JOB }),
      receiveCount: 1,
      receiptHandle: 'rh',
    });
    const run = deps.runs.items.get('R1');
    expect(run).toMatchObject({ status: 'failed', attempt: 1 });
    expect(run?.error).toContain('integration fake-tickets is no ticket integration');
  });
});
