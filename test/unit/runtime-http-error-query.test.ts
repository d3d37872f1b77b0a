import { afterEach, describe, expect, it } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { Loopback } from '../helpers/loopback-http.ts';
import { json, startLoopback } from '../helpers/loopback-http.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun } from '../helpers/runs.ts';

const open: Loopback[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

const caller = defineIntegration({
  id: 'caller',
  name: 'Caller',
  version: '2.3.4',
  description: 'GETs params.url',
  parameters: { url: { type: 'text', mandatory: true } },
  async run(ctx) {
    await ctx.http.get(ctx.params.url).json();
    return { message: 'called' };
  },
});

describe('a run failed by an HTTPError', () => {
  it('records and notifies the URL with the query’s names only, never its values', async () => {
    // Prepare: the last attempt (maxReceiveCount 1) of a run whose target answers 500
    const api = await startLoopback((_req, res) => json(res, 500, { error: 'boom' }));
    open.push(api);
    const deps = memoryDeps({ integrations: [caller], settings: { maxReceiveCount: 1 } });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'j1',
        name: 'J',
        integration: 'caller',
        auth: { secret: 'demo' },
        params: { url: `${api.origin}/v1/items?token=SECRET-ish&page=2` },
      }),
    );
    await deps.runs.create(queuedWebhookRun());

    // Act: the last attempt records the run failed, then throws so that the message reaches the DLQ
    const thrown = await processRunMessage(deps, {
      body: JSON.stringify({ runId: 'R1', jobId: 'j1' }),
      receiveCount: 1,
      receiptHandle: 'rh-1',
    }).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assess
    const run = deps.runs.items.get('R1');
    expect(run?.status).toBe('failed');
    expect(run?.error).toContain(`GET ${api.origin}/v1/items?token=…&page=…`);
    const failed = deps.notifications.items.filter((n) => n.kind === 'run_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toContain('?token=…&page=…');
    expect(JSON.stringify(run)).not.toContain('SECRET-ish');
    expect(JSON.stringify(deps.notifications.items)).not.toContain('SECRET-ish');
    expect(String(thrown)).not.toContain('SECRET-ish');
  });
});
