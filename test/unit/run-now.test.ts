import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { JobInput } from '../../shared/model/index.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';

// Run now (issue 9): `POST /admin/jobs/{id}/runs` with optional `{ "params": { … } }`
// overrides, validated like the job's own params, kept on the run as `paramOverrides`
// and merged over the job's params by the worker.

/** What the integration was run with, run by run. */
const seen: Record<string, unknown>[] = [];
const probe = defineIntegration({
  id: 'param-probe',
  name: 'Param probe',
  version: '1.0.0',
  description: 'test',
  parameters: {
    greeting: { type: 'text', label: 'Greeting', mandatory: true },
    count: { type: 'number', label: 'Count', default: 1 },
    token: { type: 'password', label: 'Token' },
  },
  run: (ctx) => {
    seen.push({ ...ctx.params });
    return Promise.resolve({ message: 'ok' });
  },
});

const job = (over: Partial<JobInput> = {}) =>
  JobSchema.parse({
    id: 'j1',
    name: 'J',
    integration: 'param-probe',
    auth: { secret: 'demo' },
    params: { greeting: 'hello', count: 2 },
    ...over,
  });

const setup = async (over: Partial<JobInput> = {}) => {
  const deps = memoryDeps({ integrations: [probe], secrets: { demo: ['x'], 'api-token': ['t0ken-value'] } });
  await deps.jobs.put(job(over));
  const app = createAdminApp(deps);
  const post = (path: string, body?: string) =>
    app.request(path, { method: 'POST', ...(body === undefined ? {} : { body }) });
  return { deps, post };
};

/** Processes every message the queue holds, as the worker would. */
const drain = async (deps: MemoryDeps): Promise<void> => {
  for (const message of deps.queue.sent.splice(0)) {
    await processRunMessage(deps, { body: JSON.stringify(message), receiveCount: 1, receiptHandle: 'h' });
  }
};

describe('POST /admin/jobs/{id}/runs', () => {
  it('without a body: 202 with the queued run, fired by manual, and its message sent', async () => {
    // Prepare
    const { deps, post } = await setup();

    // Act
    const res = await post('/admin/jobs/j1/runs');

    // Assess
    expect(res.status).toBe(202);
    const body = (await res.json()) as { runId: string; status: string };
    expect(body).toEqual({ runId: expect.any(String), status: 'queued' });
    const run = await deps.runs.get(body.runId);
    expect(run).toMatchObject({ jobId: 'j1', status: 'queued', firedBy: 'manual', trigger: 'manual' });
    expect(run?.paramOverrides).toBeUndefined();
    expect(deps.queue.sent).toEqual([{ runId: body.runId, jobId: 'j1' }]);
  });

  it('keeps valid overrides on the run, and the worker runs the integration with them over the job params', async () => {
    // Prepare
    const { deps, post } = await setup();
    seen.length = 0;

    // Act
    const res = await post(
      '/admin/jobs/j1/runs',
      JSON.stringify({ params: { greeting: 'bonjour', token: { secret: 'api-token' } } }),
    );
    const { runId } = (await res.json()) as { runId: string };
    await drain(deps);

    // Assess
    expect(res.status).toBe(202);
    expect((await deps.runs.get(runId))?.paramOverrides).toEqual({
      greeting: 'bonjour',
      token: { secret: 'api-token' },
    });
    expect((await deps.runs.get(runId))?.status).toBe('succeeded');
    // The override wins, the job's own `count` stays, the secret is resolved for the run.
    expect(seen).toEqual([{ greeting: 'bonjour', count: 2, token: 't0ken-value' }]);
    // The job itself is unchanged.
    expect((await deps.jobs.get('j1'))?.params).toEqual({ greeting: 'hello', count: 2 });
  });

  it('a run without overrides gets the job params', async () => {
    // Prepare
    const { deps, post } = await setup();
    seen.length = 0;

    // Act
    await post('/admin/jobs/j1/runs', '{}');
    await drain(deps);

    // Assess
    expect(seen).toEqual([{ greeting: 'hello', count: 2 }]);
  });

  it.each([
    ['an unknown parameter', { nope: 1 }, 'parameter "nope" is unknown'],
    ['a value of the wrong type', { count: 'many' }, 'parameter "count": must be a number'],
    ['a password given as a value', { token: 'plain-secret' }, 'give { "secret": "<name>" }'],
    ['a mandatory parameter cleared', { greeting: '' }, 'parameter "greeting" is mandatory'],
  ])('refuses %s with 400 invalid_params, creating no run', async (_name, params, message) => {
    // Prepare
    const { deps, post } = await setup();

    // Act
    const res = await post('/admin/jobs/j1/runs', JSON.stringify({ params }));

    // Assess
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('invalid_params');
    expect(body.message).toContain(message);
    expect(body.message).not.toContain('plain-secret');
    expect(deps.runs.items.size).toBe(0);
    expect(deps.queue.sent).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"params":'],
    ['a body that is not an object', '[1]'],
    ['a field beside params', '{"params":{},"runId":"x"}'],
    ['params that are not an object', '{"params":"greeting=hi"}'],
  ])('refuses %s with 400', async (_name, text) => {
    // Prepare
    const { deps, post } = await setup();

    // Act
    const res = await post('/admin/jobs/j1/runs', text);

    // Assess
    expect(res.status).toBe(400);
    expect(deps.runs.items.size).toBe(0);
  });

  it('answers 404 for an unknown job and 409 job_disabled for a disabled one', async () => {
    // Prepare
    const { deps, post } = await setup({ enabled: false });

    // Act
    const unknown = await post('/admin/jobs/nope/runs');
    const disabled = await post('/admin/jobs/j1/runs');

    // Assess
    expect(unknown.status).toBe(404);
    expect(disabled.status).toBe(409);
    expect(((await disabled.json()) as { error: string }).error).toBe('job_disabled');
    expect(deps.runs.items.size).toBe(0);
  });

  it('refuses a decision job: it runs when its caller asks for a verdict (409 decision_job)', async () => {
    // Prepare
    const { deps, post } = await setup({ mode: 'decision' });

    // Act
    const res = await post('/admin/jobs/j1/runs');

    // Assess
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe('decision_job');
    expect(deps.runs.items.size).toBe(0);
  });

  it('takes free-form overrides for a script job: text, numbers, booleans and secret references', async () => {
    // Prepare
    const deps = memoryDeps();
    await deps.jobs.put(
      JobSchema.parse({ id: 's1', name: 'S', script: { id: 'sync' }, webhook: false, params: { a: 1 } }),
    );
    const app = createAdminApp(deps);
    const post = (params: unknown) =>
      app.request('/admin/jobs/s1/runs', { method: 'POST', body: JSON.stringify({ params }) });

    // Act
    const ok = await post({ Project: 'x', limit: 5, dryRun: true, apiKey: { secret: 'plutora' } });
    const nested = await post({ filter: { status: 'open' } });

    // Assess
    expect(ok.status).toBe(202);
    const { runId } = (await ok.json()) as { runId: string };
    expect((await deps.runs.get(runId))?.paramOverrides).toEqual({
      Project: 'x',
      limit: 5,
      dryRun: true,
      apiKey: { secret: 'plutora' },
    });
    expect(nested.status).toBe(400);
    expect(((await nested.json()) as { error: string }).error).toBe('invalid_params');
  });

  it('refuses overrides larger than 16 KiB of JSON', async () => {
    // Prepare
    const { deps, post } = await setup();

    // Act
    const res = await post(
      '/admin/jobs/j1/runs',
      JSON.stringify({ params: { greeting: 'x'.repeat(17_000) } }),
    );

    // Assess
    expect(res.status).toBe(400);
    expect(deps.runs.items.size).toBe(0);
  });
});
