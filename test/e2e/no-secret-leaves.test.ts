import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetLogFormat, useLocalLogFormat } from '../../shared/runtime/platform-logger.ts';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.ts';
import canary, { encodings } from '../fixtures/integrations/canary/index.ts';
import { leaksIn } from '../helpers/leak-forms.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

/**
 * "No secret leaves in any form" (issue 8 §3), end to end on the in-process
 * stack with `--log-format json` captured: the canary integration pushes each
 * canary secret through every sink in every encoding, and none of the forms
 * this test computes itself (test/helpers/leak-forms.ts, not the redactor's
 * code) is anywhere a run's text goes.
 *
 * Built to grow by lists:
 * - CANARIES: a secret source (a password parameter, the job's auth secret,
 *   a masked global), each with the `setup` that makes it reachable;
 * - SINKS: the canary's sinks its jobs use (`log`, `notifier`, `http`, plus
 *   the result's message, output, verdict and error, which every run has);
 * - HAYSTACKS: where the test looks (runs, run lists, jobs, stdout, DLQ bodies,
 *   HTTP answers, notifications, globals).
 */

const tag = randomBytes(6).toString('hex');

interface Canary {
  /** What the secret is, in failure messages. */
  name: string;
  value: string;
  /** Makes the secret reachable by the canary integration (once, before the runs). */
  setup: (stack: InProcessStack) => Promise<void>;
}

const secretFile =
  (name: string, value: string) =>
  async (stack: InProcessStack): Promise<void> => {
    await new LocalSecretStore({ dataDir: stack.dataDir, env: {} }).setSecret(name, value);
  };

const PARAM_SECRET = 'canary-param';
const AUTH_SECRET = 'canary-auth';
const paramValue = `c4n4ry "\\/+&=é…${tag}`;
/** Sent in a header too: Latin-1 only (fetch refuses other header characters). */
const authValue = `c4n4ry-4uth "\\/+&=${tag}`;

const GLOBAL_NAME = 'canary';
const globalValue = `c4n4ry-gl0bal "\\/+&=é…${tag}`;

/** A masked global, set through the admin API as an operator would; the canary reads it from ctx.globals. */
const maskedGlobal =
  (name: string, value: string) =>
  async (stack: InProcessStack): Promise<void> => {
    const res = await fetch(`${stack.url}/admin/globals/${name}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value, masked: true }),
    });
    const body = await res.text();
    expect(res.status, body).toBe(201);
    answersOfSetup.push(body);
  };
/** What the setup's own requests were answered (an answer is a haystack too). */
const answersOfSetup: string[] = [];

const CANARIES: Canary[] = [
  { name: 'password parameter', value: paramValue, setup: secretFile(PARAM_SECRET, paramValue) },
  { name: 'job auth secret', value: authValue, setup: secretFile(AUTH_SECRET, authValue) },
  { name: 'masked global', value: globalValue, setup: maskedGlobal(GLOBAL_NAME, globalValue) },
];

/**
 * Sinks the canary jobs push through, beside the result's own (message, output,
 * verdict, error): the run log, ctx.notifier (stored notifications, and the
 * run log's line about each), and ctx.http (an echo's answers and HTTPError
 * messages, logged).
 */
const SINKS: string[] = ['log', 'notifier', 'http'];

/**
 * A loopback target that echoes what it got (URL, Authorization header, body)
 * in its answer — a 500 when asked `?fail=500` — as a careless API echoes a
 * request in its error: what the canary's `http` sink reads back.
 */
const startEcho = async (): Promise<{ server: Server; url: string }> => {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const echo = {
        url: req.url,
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString(),
      };
      res.writeHead(req.url?.includes('fail=500') ? 500 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(echo));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo` };
};

type Haystack = (stack: InProcessStack, seen: Seen) => Promise<string[]>;
interface Seen {
  runIds: string[];
  jobIds: string[];
  /** Every HTTP answer the callers got. */
  answers: string[];
  stdout: string[];
  /** DLQ message bodies, as received (a received message stays invisible for a while: kept here). */
  dlq: string[];
}

const getText = async (url: string): Promise<string> => {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return res.text();
};

/**
 * A run as the admin API serves it, without its event: the event is what the
 * caller sent, stored as sent (this test's caller put the auth canary in it on
 * purpose, so that the integration could reach it).
 */
const runWithoutEvent = async (url: string): Promise<string> => {
  const run = JSON.parse(await getText(url)) as Record<string, unknown>;
  expect(run.event, 'the run keeps its event').toBeDefined();
  delete run.event;
  return JSON.stringify(run);
};

const HAYSTACKS: Record<string, Haystack> = {
  runs: (stack, seen) =>
    Promise.all(seen.runIds.map((id) => runWithoutEvent(`${stack.url}/admin/runs/${id}`))),
  'run lists': (stack, seen) =>
    Promise.all(seen.jobIds.map((id) => getText(`${stack.url}/admin/jobs/${id}/runs?limit=100`))),
  jobs: (stack, seen) => Promise.all(seen.jobIds.map((id) => getText(`${stack.url}/admin/jobs/${id}`))),
  'HTTP answers': (_stack, seen) => Promise.resolve(seen.answers),
  stdout: (_stack, seen) => Promise.resolve(seen.stdout),
  'DLQ bodies': (_stack, seen) => Promise.resolve(seen.dlq),
  notifications: (stack, seen) =>
    Promise.all(
      seen.jobIds.map(async (id) => {
        const text = await getText(`${stack.url}/admin/notifications?jobId=${id}&limit=100`);
        // Each job's run raised some (the notifier sink): an empty page would prove nothing.
        expect(
          (JSON.parse(text) as { items: unknown[] }).items.length,
          `notifications of ${id}`,
        ).toBeGreaterThan(0);
        return text;
      }),
    ),
  globals: (stack) =>
    Promise.all([
      getText(`${stack.url}/admin/globals`),
      getText(`${stack.url}/admin/globals/${GLOBAL_NAME}`),
    ]),
};

describe('no secret leaves, in any form', () => {
  let stack: InProcessStack;
  let echo: Awaited<ReturnType<typeof startEcho>>;
  const seen: Seen = { runIds: [], jobIds: [], answers: [], stdout: [], dlq: [] };

  const putJob = async (id: string, job: Record<string, unknown>): Promise<void> => {
    const res = await fetch(`${stack.url}/admin/jobs/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: id,
        integration: 'canary',
        auth: { secret: AUTH_SECRET },
        params: { secret: { secret: PARAM_SECRET }, sinks: SINKS, echoUrl: echo.url },
        ...job,
      }),
    });
    expect(res.status, await res.text()).toBeLessThan(300);
    seen.jobIds.push(id);
  };

  /** Sends the job a delivery carrying the auth canary in its body, as a careless caller would. */
  const send = async (jobId: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(`${stack.url}/hooks/${jobId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shared-secret': authValue },
      body: JSON.stringify({ canaries: [authValue], n: seen.answers.length }),
    });
    const body = await res.text();
    seen.answers.push(body);
    const { runId } = JSON.parse(body) as { runId?: string };
    if (runId !== undefined) seen.runIds.push(runId);
    return { status: res.status, body };
  };

  beforeAll(async () => {
    process.env.TRIGGERHUB_RETRY_BASE_SECONDS = '0';
    // `--log-format json`, captured: every line the stack prints, the run logs' included.
    useLocalLogFormat('json', (line) => seen.stdout.push(line));
    echo = await startEcho();
    stack = await startInProcessStack({ integrations: [canary], examples: false });
    for (const c of CANARIES) await c.setup(stack);
    seen.answers.push(...answersOfSetup);
    await putJob('canary-ok', {});
    await putJob('canary-fail', {
      params: { secret: { secret: PARAM_SECRET }, sinks: SINKS, echoUrl: echo.url, fail: true },
    });
    await putJob('canary-gate', { mode: 'decision' });
  });

  afterAll(async () => {
    await stack.stop();
    echo.server.closeAllConnections();
    await new Promise((resolve) => echo.server.close(resolve));
    resetLogFormat();
  });

  it('runs a succeeding job through every sink (message, output and log)', async () => {
    const { status, body } = await send('canary-ok');
    expect(status, body).toBe(202);
    const run = await stack.waitForRun(seen.runIds.at(-1) ?? '');
    expect(run.status).toBe('succeeded');
    // The canary did push its forms: the log holds its lines, redacted.
    expect(run.logs.filter((l) => l.message.startsWith('form ***'))).not.toHaveLength(0);
    expect((run.output as { forms: string[] }).forms).toContain('***');
    // Every canary reached it (the masked global through ctx.globals), each in every form.
    expect((run.output as { forms: string[] }).forms).toHaveLength(CANARIES.length * encodings('x').length);
    // The http sink ran: the echo's answers and the HTTPError messages are in the log, redacted.
    expect(run.logs.filter((l) => l.message.startsWith('echo: ')).length).toBeGreaterThan(0);
    expect(run.logs.filter((l) => l.message.startsWith('http error: ')).length).toBeGreaterThan(0);
  });

  it('runs a failing job to its last attempt and the DLQ (error, every attempt’s log)', async () => {
    const { status } = await send('canary-fail');
    expect(status).toBe(202);
    const runId = seen.runIds.at(-1) ?? '';
    const run = await stack.waitForRun(runId, (s) => s === 'failed');
    expect(run.attempt).toBe(3);
    expect(run.error).toMatch(/^canary failed: /);
    // Bounded wait (≤ 50 × (receive + 100 ms)) for the message in the DLQ, kept for the haystack.
    for (let i = 0; i < 50 && !seen.dlq.some((b) => b.includes(runId)); i++) {
      const got = await stack.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: stack.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      seen.dlq.push(...(got.Messages ?? []).map((m) => m.Body ?? ''));
      if (!seen.dlq.some((b) => b.includes(runId))) await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.dlq.map((b) => JSON.parse(b) as unknown)).toContainEqual({ runId, jobId: 'canary-fail' });
  });

  it('answers a decision whose verdict message carries every form', async () => {
    const { status, body } = await send('canary-gate');
    expect(status, body).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ allow: true });
    expect((JSON.parse(body) as { message: string }).message).toMatch(/^canary: \*\*\*/);
  });

  it.each(CANARIES.map((c) => [c.name, c] as const))(
    'the %s canary appears in no form in any haystack',
    async (_name, c) => {
      // The leak check itself can find what it looks for: the stored event holds the auth canary, raw.
      const event = await getText(`${stack.url}/admin/runs/${seen.runIds[0] ?? ''}`);
      expect(leaksIn(event, authValue)).toContain('json');
      expect(seen.stdout.some((l) => l.includes(seen.runIds[0] ?? '-'))).toBe(true);

      const leaks: string[] = [];
      for (const [where, haystack] of Object.entries(HAYSTACKS)) {
        const texts = await haystack(stack, seen);
        expect(texts.length, where).toBeGreaterThan(0);
        for (const text of texts)
          for (const form of leaksIn(text, c.value)) leaks.push(`${form} in ${where}`);
      }
      expect(leaks).toEqual([]);
    },
  );
});
