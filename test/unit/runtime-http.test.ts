import ky from 'ky';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Job, Run } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { executeIntegration } from '../../shared/runtime/execute.ts';
import { emptyToolbox } from '../../shared/runtime/toolbox/index.ts';
import { processRunMessage, RetryableRunError } from '../../shared/runtime/worker.ts';
import type { AnyIntegration, RunContext } from '../../shared/sdk/index.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { Loopback, LoopbackHandler } from '../helpers/loopback-http.ts';
import { json, startForwardProxy, startLoopback } from '../helpers/loopback-http.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun, webhookEvent } from '../helpers/runs.ts';

const open: Loopback[] = [];
const extra: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all([...open.splice(0), ...extra.splice(0)].map((o) => o.close()));
});
const serve = async (handler: LoopbackHandler): Promise<Loopback> => {
  const server = await startLoopback(handler);
  open.push(server);
  return server;
};

const event = webhookEvent();

/** An integration that GETs params.url through ctx.http (and may do more with the context). */
const caller = (after?: (ctx: RunContext<{ url: string }>, body: unknown) => unknown): AnyIntegration =>
  defineIntegration({
    id: 'caller',
    name: 'Caller',
    version: '2.3.4',
    description: 'calls params.url',
    parameters: { url: { type: 'text', mandatory: true } },
    async run(ctx) {
      const body = await ctx.http.get(ctx.params.url).json();
      return (after?.(ctx, body) as undefined) ?? { message: 'called' };
    },
  });

const jobFor = (url: string, over: Record<string, unknown> = {}): Job =>
  JobSchema.parse({
    id: 'j1',
    name: 'J',
    integration: 'caller',
    auth: { secret: 'demo' },
    params: { url },
    ...over,
  });

const setup = async (
  integration: AnyIntegration,
  url: string,
  jobOver: Record<string, unknown> = {},
  runOver: Partial<Run> = {},
) => {
  const deps = memoryDeps({ integrations: [integration] });
  await deps.jobs.put(jobFor(url, jobOver));
  await deps.runs.create(queuedWebhookRun({ event, ...runOver }));
  return deps;
};
const message = (receiveCount: number) => ({
  body: JSON.stringify({ runId: 'R1', jobId: 'j1' }),
  receiveCount,
  receiptHandle: `rh-${receiveCount}`,
});
const execute = (
  integration: AnyIntegration,
  job: Job,
  over: Partial<Parameters<typeof executeIntegration>[0]> = {},
) =>
  executeIntegration({
    integration,
    job,
    runId: 'R1',
    event,
    entry: 'run',
    secrets: memoryDeps().secrets,
    clock: { now: () => new Date() },
    ...over,
  });

describe('ctx.http in a run', () => {
  it('is built only when the run touches it: a run that does not never calls ky.create', async () => {
    // Prepare
    const spy = vi.spyOn(ky, 'create');
    try {
      const quiet = defineIntegration({
        id: 'quiet',
        name: 'Quiet',
        version: '1.0.0',
        description: 'spreads and holds ctx, never calls http',
        parameters: {},
        run: (ctx) => ({ message: Object.keys({ ...ctx }).includes('http') ? 'has http' : 'no http' }),
      });
      const api = await serve((_req, res) => json(res, 200, {}));

      // Act
      const untouched = await execute(quiet, jobFor('http://unused', { integration: 'quiet', params: {} }));
      const callsBefore = spy.mock.calls.length;
      const touched = await execute(caller(), jobFor(api.origin));

      // Assess
      expect(untouched).toMatchObject({ status: 'succeeded', message: 'has http' });
      expect(callsBefore).toBe(0);
      expect(touched.status).toBe('succeeded');
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('sends triggerhub’s and the integration’s versions as the user agent', async () => {
    const api = await serve((_req, res) => json(res, 200, {}));
    await execute(caller(), jobFor(api.origin));
    expect(api.received[0]?.headers['user-agent']).toMatch(/^triggerhub\/\d+\.\d+\.\d+\S* caller\/2\.3\.4$/);
  });

  it('fails permanently on a 404, retryably on a 503 storm', async () => {
    const missing = await serve((_req, res) => json(res, 404, {}));
    const storm = await serve((_req, res) => json(res, 503, {}));
    const notFound = await execute(caller(), jobFor(missing.origin));
    const unavailable = await execute(caller(), jobFor(storm.origin, { timeoutSeconds: 2 }));
    expect(notFound).toMatchObject({ status: 'failed', retryable: false });
    expect(unavailable).toMatchObject({ status: 'failed', retryable: true });
  });

  it('enforces the job’s egress.allowedHosts', async () => {
    const api = await serve((_req, res) => json(res, 200, {}));
    const outcome = await execute(
      caller(),
      jobFor(api.origin, { egress: { allowedHosts: ['api.example.com'] } }),
    );
    expect(outcome).toMatchObject({ status: 'failed', retryable: false });
    expect(outcome.error).toContain("127.0.0.1 is not in the job's egress.allowedHosts (api.example.com)");
    expect(api.received).toHaveLength(0);
  });

  it('warns on every run of a job with tlsVerify: false', async () => {
    const api = await serve((_req, res) => json(res, 200, {}));
    const job = jobFor(api.origin, { tlsVerify: false });
    for (const attempt of [1, 2]) {
      const outcome = await execute(caller(), job, { attempt });
      expect(
        outcome.logs.filter((l) => l.level === 'WARN' && l.message.includes('tlsVerify: false')),
      ).toHaveLength(1);
    }
    const quiet = await execute(caller(), jobFor(api.origin));
    expect(quiet.logs.some((l) => l.message.includes('tlsVerify'))).toBe(false);
  });

  it('routes through the global `proxy` when the job names none, and through the job’s over it', async () => {
    // Prepare: two forward proxies, one named by the global, one by the job
    const api = await serve((_req, res) => json(res, 200, {}));
    const viaGlobal = await startForwardProxy();
    const viaJob = await startForwardProxy();
    extra.push(viaGlobal, viaJob);
    const toolbox = {
      ...emptyToolbox(),
      globals: Object.freeze({ proxy: `http://127.0.0.1:${viaGlobal.port}` }),
    };

    // Act
    const first = await execute(caller(), jobFor(api.origin), { toolbox });
    const second = await execute(caller(), jobFor(api.origin, { proxy: `http://127.0.0.1:${viaJob.port}` }), {
      toolbox,
    });

    // Assess
    expect([first.status, second.status]).toEqual(['succeeded', 'succeeded']);
    expect(api.received).toHaveLength(2);
    expect([viaGlobal.seen.length, viaJob.seen.length]).toEqual([1, 1]);
  });

  it('a run that ignores the deadline cut still ends timed_out by the run signal', async () => {
    const api = await serve(() => undefined);
    const stubborn = caller();
    const integration = defineIntegration({
      ...stubborn.manifest,
      parameters: { url: { type: 'text', mandatory: true } },
      async run(ctx) {
        try {
          await ctx.http.get(ctx.params.url);
        } catch {
          // ignores the TimeoutError and keeps going
          await new Promise((r) => setTimeout(r, 30_000).unref());
        }
        return { message: 'never' };
      },
    });
    const outcome = await execute(integration, jobFor(api.origin, { timeoutSeconds: 2 }));
    expect(outcome.status).toBe('timed_out');
  });

  it('in a decision, a 429 that asks for more than the deadline fails at once, without deferral', async () => {
    const api = await serve((_req, res) => json(res, 429, {}, { 'retry-after': '120' }));
    const outcome = await execute(caller(), jobFor(api.origin, { timeoutSeconds: 5 }), { decision: true });
    expect(outcome).toMatchObject({ status: 'failed', retryable: true });
    expect(outcome.deferMs).toBeUndefined();
    expect(api.received).toHaveLength(1);
  });
});

describe('the worker and the egress lists', () => {
  it('refuses a password parameter sent outside its allowedHosts: failed permanently, one error notification', async () => {
    // Prepare: the job pins the secret to api.example.com; the integration sends it to the loopback API
    const api = await serve((_req, res) => json(res, 200, {}));
    const leaky = defineIntegration({
      id: 'caller',
      name: 'Caller',
      version: '2.3.4',
      description: 'sends its token',
      parameters: { url: { type: 'text', mandatory: true }, token: { type: 'password', mandatory: true } },
      async run(ctx) {
        await ctx.http.get(ctx.params.url, { headers: { 'x-api-key': ctx.params.token } });
        return { message: 'sent' };
      },
    });
    const deps = await setup(leaky, api.origin);
    await deps.jobs.put(
      jobFor(api.origin, {
        params: { url: api.origin, token: { secret: 'demo', allowedHosts: ['api.example.com'] } },
      }),
    );

    // Act
    await processRunMessage(deps, message(1));

    // Assess
    const run = deps.runs.items.get('R1');
    expect(run).toMatchObject({ status: 'failed', attempt: 1 });
    expect(run?.error).toContain(
      'carries password parameter "token", which may only be sent to api.example.com',
    );
    expect(api.received).toHaveLength(0);
    expect(deps.queue.delays).toEqual([]);
    // One egress refusal (beside the run_failed every permanent failure raises).
    const refusals = deps.notifications.items.filter((n) => n.kind === 'egress_refused');
    expect(refusals).toEqual([
      expect.objectContaining({ jobId: 'j1', runId: 'R1', kind: 'egress_refused', severity: 'error' }),
    ]);
    expect(refusals[0]?.message).toContain('request to 127.0.0.1 refused');
    expect(deps.notifications.items.map((n) => n.kind).sort()).toEqual(['egress_refused', 'run_failed']);
    expect(JSON.stringify(run)).not.toContain('s3cr3t-value');
  });
});

describe('the worker and a rate-limited run', () => {
  const limited =
    (seconds: string): LoopbackHandler =>
    (_req, res) =>
      json(res, 429, { error: 'rate limited' }, { 'retry-after': seconds });

  it('defers a wait past the deadline: acks the message, sends one delayed message, keeps the attempt', async () => {
    // Prepare: 5 s deadline, the API asks for 120 s
    const api = await serve(limited('120'));
    const deps = await setup(caller(), api.origin, { timeoutSeconds: 5 });

    // Act: returns normally — the message is deleted
    await processRunMessage(deps, message(1));

    // Assess
    expect(deps.queue.later).toEqual([{ message: { runId: 'R1', jobId: 'j1' }, delaySeconds: 120 }]);
    expect(deps.queue.delays).toEqual([]);
    const run = deps.runs.items.get('R1');
    expect(run).toMatchObject({ status: 'queued', attempt: 0, deferrals: 1, rateLimited: true });
    expect(run?.error).toMatch(/^rate limited by 127\.0\.0\.1:\d+: retrying in 120 s$/);
    expect(deps.notifications.items).toEqual([
      expect.objectContaining({ jobId: 'j1', runId: 'R1', kind: 'rate_limited', severity: 'warn' }),
    ]);
    expect(
      run?.logs.some(
        (l) => l.level === 'WARN' && l.message === 'run deferred: rate limited: retrying in 120 s',
      ),
    ).toBe(true);
    expect(run?.logs.some((l) => l.level === 'ERROR')).toBe(false);
  });

  it('still defers when the integration swallows the RunDeferredError and returns', async () => {
    const api = await serve(limited('120'));
    const swallow = defineIntegration({
      id: 'caller',
      name: 'Caller',
      version: '2.3.4',
      description: 'swallows',
      parameters: { url: { type: 'text', mandatory: true } },
      async run(ctx) {
        await ctx.http.get(ctx.params.url).catch(() => undefined);
        return { message: 'all good, honest' };
      },
    });
    const deps = await setup(swallow, api.origin, { timeoutSeconds: 5 });
    await processRunMessage(deps, message(1));
    expect(deps.queue.later).toHaveLength(1);
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'queued', deferrals: 1 });
  });

  it('falls back to the message’s own visibility when the delayed send fails, and throws', async () => {
    const api = await serve(limited('120'));
    const deps = await setup(caller(), api.origin, { timeoutSeconds: 5 });
    deps.queue.failSendLater = true;
    await expect(processRunMessage(deps, message(1))).rejects.toBeInstanceOf(RetryableRunError);
    expect(deps.queue.delays).toEqual([{ receiptHandle: 'rh-1', seconds: 120 }]);
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'queued', attempt: 0, deferrals: 1 });
  });

  it('after 24 deferrals retries as an ordinary failure (spends the attempt)', async () => {
    const api = await serve(limited('120'));
    const deps = await setup(caller(), api.origin, { timeoutSeconds: 5 }, { deferrals: 24 });
    await expect(processRunMessage(deps, message(1))).rejects.toBeInstanceOf(RetryableRunError);
    expect(deps.queue.later).toEqual([]);
    expect(deps.queue.delays).toEqual([{ receiptHandle: 'rh-1', seconds: 10 }]);
    expect(deps.runs.items.get('R1')).toMatchObject({
      status: 'queued',
      attempt: 1,
      deferrals: 24,
      rateLimited: true,
    });
  });

  it('raises no second rate-limit notice on an attempt after one that raised it', async () => {
    // Prepare: an earlier attempt marked the run; this one meets a 429 it can wait out
    const api = await serve((_req, res, i) => (i === 0 ? limited('1')(_req, res, i) : json(res, 200, {})));
    const deps = await setup(caller(), api.origin, {}, { rateLimited: true });

    // Act
    await processRunMessage(deps, message(1));

    // Assess
    const run = deps.runs.items.get('R1');
    expect(run?.status).toBe('succeeded');
    expect(api.received).toHaveLength(2);
    expect(deps.notifications.items).toEqual([]);
  });

  it('raises one rate-limit notice for a run that waits out a 429 in-process', async () => {
    const api = await serve((_req, res, i) => (i < 2 ? limited('1')(_req, res, i) : json(res, 200, {})));
    const deps = await setup(caller(), api.origin);
    await processRunMessage(deps, message(1));
    const run = deps.runs.items.get('R1');
    expect(run?.status).toBe('succeeded');
    expect(deps.notifications.items).toEqual([
      expect.objectContaining({ jobId: 'j1', runId: 'R1', kind: 'rate_limited', severity: 'warn' }),
    ]);
  });
});
