import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { LOCAL_NAMES } from '../../cli/local/start.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

/**
 * The whole pipeline as `npm start` runs it (emulators, API Gateway-shaped
 * server, poller, worker), driven over HTTP on loopback.
 */
describe('local stack end to end', () => {
  let stack: InProcessStack;
  let url: string;
  let deps: Deps;
  let secret: string;
  let failures = 0;
  const alwaysFails = defineIntegration({
    id: 'always-fails',
    name: 'Always fails',
    version: '1.0.0',
    description: 'Throws, as an integration does when its target answers 503.',
    parameters: {},
    run: () => {
      failures++;
      throw new Error('target answered 503');
    },
  });

  beforeAll(async () => {
    process.env.TRIGGERHUB_RETRY_BASE_SECONDS = '0';
    stack = await startInProcessStack({ integrations: [alwaysFails] });
    ({ url, deps } = stack);
    secret = await stack.secret('demo');
  });

  afterAll(() => stack.stop());

  const post = (jobId: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/hooks/${jobId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shared-secret': secret, ...headers },
      body,
    });

  const waitForRun = (runId: string, until: (status: string) => boolean) => stack.waitForRun(runId, until);

  it('prints a ready line with a curl example that does not contain the secret', () => {
    const text = stack.lines.join('\n');
    expect(text).toContain(`triggerhub is ready on ${url}`);
    expect(text).toMatch(/curl -sS -X POST .*\/hooks\/demo/);
    expect(text).not.toContain(secret);
  });

  it('accepts a webhook with 202 and runs it to succeeded with its log', async () => {
    const res = await post('demo', JSON.stringify({ hello: 'world', n: 1 }));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { runId: string; deliveryId: string; status: string };
    expect(body.status).toBe('queued');
    const run = await waitForRun(body.runId, (s) => s === 'succeeded');
    expect(run.jobId).toBe('demo');
    expect(run.attempt).toBe(1);
    expect(run.logs.map((l) => l.message).join('\n')).toContain('"hello":"world"');
    expect(JSON.stringify(run)).not.toContain(secret);
    const listed = (await (await fetch(`${url}/admin/jobs/demo/runs`)).json()) as { items: { id: string }[] };
    expect(listed.items[0]?.id).toBe(body.runId);
  });

  it('answers a repeated delivery with the first run and enqueues nothing', async () => {
    const payload = JSON.stringify({ alert: 'repeat-me' });
    const first = (await (await post('demo', payload)).json()) as { runId: string };
    const again = await post('demo', payload);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ runId: first.runId, duplicate: true });
  });

  it.each([
    ['wrong secret', 'demo', '{"a":1}', { 'x-shared-secret': 'wrong' }, 401, 'unauthorized'],
    ['missing secret', 'demo', '{"a":1}', { 'x-shared-secret': '' }, 401, 'unauthorized'],
    ['unknown job', 'nope', '{"a":1}', {}, 404, 'not_found'],
    ['malformed JSON', 'demo', '{"a":', {}, 400, 'invalid_request'],
    [
      'not JSON',
      'demo',
      'a=1',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'unsupported_media_type',
    ],
    [
      '2 MiB body',
      'demo',
      JSON.stringify({ big: 'x'.repeat(2 * 1024 * 1024) }),
      {},
      413,
      'payload_too_large',
    ],
  ])('refuses %s and stores nothing', async (_name, jobId, body, headers, status, code) => {
    const before = await deps.runs.listByJob('demo', { limit: 100 });
    const res = await post(jobId, body, headers);
    expect(res.status).toBe(status);
    const error = (await res.json()) as { error: string; message: string };
    expect(error.error).toBe(code);
    expect(JSON.stringify(error)).not.toContain(secret);
    expect(JSON.stringify(error)).not.toMatch(/at \w+ \(|node_modules/);
    const after = await deps.runs.listByJob('demo', { limit: 100 });
    expect(after.items.map((r) => r.id)).toEqual(before.items.map((r) => r.id));
  });

  it('serves the admin API: jobs and integrations', async () => {
    const jobs = (await (await fetch(`${url}/admin/jobs`)).json()) as { items: { id: string }[] };
    expect(jobs.items.map((j) => j.id)).toContain('demo');
    const integrations = (await (await fetch(`${url}/admin/integrations`)).json()) as {
      items: { id: string }[];
    };
    expect(integrations.items.map((i) => i.id)).toContain('log-event');
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('retries a throwing integration, records it failed, and moves its message to the DLQ', async () => {
    // The worker must report the last attempt as a failure, so the queue keeps the
    // message and its redrive policy moves it to the DLQ; a worker that returned
    // instead would have it deleted (the DLQ could still see it by a race with the
    // second poller, so deletes are watched too). Every receive and delete the local
    // poller makes on this client is recorded while the test runs.
    const received = new Map<string, string>(); // receipt handle → body
    const deleted: string[] = []; // receipt handles
    const WATCH = 'e2e-watch-queue-calls';
    stack.sqs.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Entries?: { ReceiptHandle?: string }[]; ReceiptHandle?: string };
        if (context.commandName === 'DeleteMessageBatchCommand') {
          deleted.push(...(input.Entries ?? []).map((e) => e.ReceiptHandle ?? ''));
        } else if (context.commandName === 'DeleteMessageCommand') {
          deleted.push(input.ReceiptHandle ?? '');
        }
        const result = await next(args);
        if (context.commandName === 'ReceiveMessageCommand') {
          const output = result.output as { Messages?: { ReceiptHandle?: string; Body?: string }[] };
          for (const m of output.Messages ?? []) received.set(m.ReceiptHandle ?? '', m.Body ?? '');
        }
        return result;
      },
      { step: 'initialize', name: WATCH },
    );
    try {
      const put = await fetch(`${url}/admin/jobs/flaky`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Flaky', integration: 'always-fails', auth: { secret: 'demo' } }),
      });
      expect(put.status).toBe(201);
      const res = await post('flaky', JSON.stringify({ try: 'me' }));
      expect(res.status).toBe(202);
      const { runId } = (await res.json()) as { runId: string };
      const run = await waitForRun(runId, (s) => s === 'failed');
      expect(run.attempt).toBe(3);
      expect(failures).toBe(3);
      expect(run.error).toContain('target answered 503');
      expect(run.logs.filter((l) => l.message.includes('target answered 503'))).toHaveLength(3);
      const isThisRun = (body: string): boolean => body.includes(runId);

      // Bounded wait (≤ 50 × (receive + 100 ms)) for the message to arrive in the DLQ.
      let dead: string[] = [];
      for (let i = 0; i < 50 && !dead.some(isThisRun); i++) {
        const got = await stack.sqs.send(
          new ReceiveMessageCommand({ QueueUrl: stack.dlqUrl, WaitTimeSeconds: 0 }),
        );
        dead = (got.Messages ?? []).map((m) => m.Body ?? '');
        if (!dead.some(isThisRun)) await new Promise((r) => setTimeout(r, 100));
      }
      expect(dead.map((b) => JSON.parse(b) as unknown)).toContainEqual({ runId, jobId: 'flaky' });

      // The main queue received it three times (one per attempt) and never deleted it.
      const receipts = [...received].filter(([, body]) => isThisRun(body)).map(([handle]) => handle);
      expect(receipts.length).toBeGreaterThanOrEqual(3);
      expect(deleted.filter((handle) => receipts.includes(handle))).toEqual([]);
      // Nothing of it is left on the main queue, visible or in flight.
      const { QueueUrl } = await stack.sqs.send(new GetQueueUrlCommand({ QueueName: LOCAL_NAMES.queue }));
      const left = await stack.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      expect(left.Attributes).toMatchObject({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
      });
    } finally {
      stack.sqs.middlewareStack.remove(WATCH);
    }
  });
});
