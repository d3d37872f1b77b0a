import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { Loopback } from '../helpers/loopback-http.ts';
import { json, startLoopback } from '../helpers/loopback-http.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

/**
 * Issue 8, "Done when" 2: a job whose integration calls a loopback API that
 * answers 429 with `Retry-After: 2` twice and then 200 succeeds, its log shows
 * the waits, and a notification says it was rate-limited. And a wait longer
 * than the run's deadline hands the run back to the queue, delayed, without
 * spending an attempt or losing the event.
 */
describe('ctx.http rate limits through the local stack', () => {
  let stack: InProcessStack;
  let secret: string;
  /** Each test's API: answers from a script, then 200. */
  let script: { status: number; retryAfter: string }[] = [];
  let api: Loopback;
  const callApi = defineIntegration({
    id: 'call-api',
    name: 'Call an API',
    version: '1.0.0',
    description: 'GETs params.url through ctx.http.',
    parameters: { url: { type: 'text', mandatory: true } },
    async run({ params, http }) {
      const body = await http.get(params.url).json();
      return { message: 'called', output: body };
    },
  });

  beforeAll(async () => {
    api = await startLoopback((_req, res, i) => {
      const step = script[i];
      if (step === undefined) json(res, 200, { ok: true });
      else json(res, step.status, { error: 'rate limited' }, { 'retry-after': step.retryAfter });
    });
    stack = await startInProcessStack({ integrations: [callApi] });
    secret = await stack.secret('demo');
  });

  afterAll(async () => {
    await stack.stop();
    await api.close();
  });

  const putJob = (id: string, extra: Record<string, unknown>) =>
    stack.putJob(id, {
      name: id,
      integration: 'call-api',
      auth: { secret: 'demo' },
      params: { url: `${api.origin}/rest/api/3/myself` },
      ...extra,
    });
  const send = (jobId: string) => stack.sendWebhook(jobId, secret);
  const waitFor = (runId: string) => stack.waitForFinishedRun(runId);

  it('waits out 429 Retry-After: 2 twice, succeeds, logs the waits, raises one rate-limit notice', async () => {
    // Prepare
    api.received.length = 0;
    script = [
      { status: 429, retryAfter: '2' },
      { status: 429, retryAfter: '2' },
    ];
    await putJob('rate-limited', { timeoutSeconds: 30 });

    // Act
    const runId = await send('rate-limited');
    const run = await waitFor(runId);

    // Assess
    expect(run.status).toBe('succeeded');
    expect(run.attempt).toBe(1);
    expect(api.received).toHaveLength(3);
    const log = run.logs.map((l) => l.message);
    expect(
      log.filter((m) =>
        /^http 429 from 127\.0\.0\.1:\d+: waiting 2 s before retry \d of 5 \(Retry-After\)$/.test(m),
      ),
    ).toHaveLength(2);
    const notes = await fetch(`${stack.url}/admin/notifications?jobId=rate-limited`);
    expect(notes.status).toBe(200);
    const page = (await notes.json()) as { items: { kind: string; severity: string; runId?: string }[] };
    expect(page.items).toEqual([expect.objectContaining({ kind: 'rate_limited', severity: 'warn', runId })]);
  });

  it('defers a wait past the deadline to a delayed message: same attempt, nothing in the DLQ', async () => {
    // Prepare: a 2 s run deadline, an API that asks for 3 s once
    api.received.length = 0;
    script = [{ status: 429, retryAfter: '3' }];
    await putJob('rate-deferred', { timeoutSeconds: 2 });

    // Act
    const runId = await send('rate-deferred');
    const run = await waitFor(runId);

    // Assess: succeeded on the delayed message, its one attempt not spent by the wait
    expect(run.status).toBe('succeeded');
    expect(run.attempt).toBe(1);
    expect(run.deferrals).toBe(1);
    expect(run.rateLimited).toBe(true);
    expect(api.received).toHaveLength(2);
    const log = run.logs.map((l) => l.message);
    expect(log.some((m) => m.includes("would pass the run's deadline; the run will be retried in 3 s"))).toBe(
      true,
    );
    const { Messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: stack.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    expect(Messages).toEqual([]);
    // One rate-limit notice for the run, though it ran twice (the deferral, then the delayed message).
    const notes = await fetch(`${stack.url}/admin/notifications?jobId=rate-deferred`);
    expect(notes.status).toBe(200);
    const page = (await notes.json()) as { items: { kind: string; severity: string; runId?: string }[] };
    expect(page.items).toEqual([expect.objectContaining({ kind: 'rate_limited', severity: 'warn', runId })]);
  });
});
