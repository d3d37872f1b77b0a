import { describe, expect, it } from 'vitest';
import { hmacHeaders } from '../../shared/auth/hmac.ts';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import type { JobInput } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';

const SECRET = 's3cr3t-value';
const setup = async (input: Partial<JobInput> = {}, options: Parameters<typeof memoryDeps>[0] = {}) => {
  const clock = new FakeClock();
  const deps = memoryDeps({ clock, ...options });
  await deps.jobs.put(
    JobSchema.parse({ id: 'j', name: 'J', integration: 'log-event', auth: { secret: 'demo' }, ...input }),
  );
  return { deps, clock };
};
const json = (body: string, extra: Record<string, string> = {}) => ({
  jobId: 'j',
  body,
  headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET, ...extra },
  query: {},
});

describe('ingest never answers a retry with a run that does not exist', () => {
  it('frees the dedupe key when the payload store fails, so the retry is accepted', async () => {
    const { deps } = await setup({}, { settings: { inlineEventLimitBytes: 10 } });
    deps.payloads.failPut = true;
    await expect(ingest(deps, json('{"big":"enough"}'))).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(deps.deliveries.items.size).toBe(0);
    deps.payloads.failPut = false;
    const retry = await ingest(deps, json('{"big":"enough"}'));
    expect(retry.kind).toBe('queued');
    expect(deps.runs.items.get(retry.runId)?.status).toBe('queued');
  });

  it('takes over a dedupe key whose first request died before writing its run', async () => {
    const { deps, clock } = await setup();
    // A first request claimed the key, then its process died: delivery stored, no run, no message.
    await ingest(deps, json('{"a":1}'));
    const delivery = [...deps.deliveries.items.values()][0];
    if (!delivery) throw new Error('no delivery');
    deps.runs.items.clear();
    deps.queue.sent.length = 0;
    // Within the in-flight window the retry is told to come back…
    await expect(ingest(deps, json('{"a":1}'))).rejects.toBeInstanceOf(ServiceUnavailableError);
    // …after it, the retry takes the key over and is accepted.
    clock.advance(31_000);
    const retry = await ingest(deps, json('{"a":1}'));
    expect(retry.kind).toBe('queued');
    expect(retry.runId).not.toBe(delivery.runId);
    expect(deps.queue.sent).toEqual([{ runId: retry.runId, jobId: 'j' }]);
    expect([...deps.deliveries.items.values()].map((d) => d.runId)).toEqual([retry.runId]);
  });
});

describe('a send that fails after SQS took the message', () => {
  it('answers 202 when a worker already moves the run, and keeps the dedupe key', async () => {
    const { deps } = await setup();
    // The message got through and a worker started the run; then the client saw an error.
    deps.queue.send = async (m) => {
      await deps.runs.start(m.runId, {
        startedAt: '2026-11-22T10:00:00.000Z',
        staleBefore: '2026-11-22T10:00:00.000Z',
      });
      throw new Error('socket hang up');
    };
    const answer = await ingest(deps, json('{"a":1}'));
    expect(answer.kind).toBe('queued');
    expect(deps.runs.items.get(answer.runId)).toMatchObject({ status: 'running', attempt: 1 });
    await expect(ingest(deps, json('{"a":1}'))).resolves.toMatchObject({
      kind: 'duplicate',
      runId: answer.runId,
    });
  });
});

describe('HMAC replay protection', () => {
  const auth = {
    type: 'hmac' as const,
    secret: 'demo',
    signatureHeader: 'X-Signature',
    timestampHeader: 'X-Timestamp',
    toleranceSeconds: 300,
  };

  it('answers a replayed signed request as a duplicate whatever unsigned headers it carries', async () => {
    const { deps, clock } = await setup({ auth, dedupeWindowSeconds: 0 });
    const body = '{"alert":1}';
    const signed = { 'content-type': 'application/json', ...hmacHeaders(auth, SECRET, body, clock.now()) };
    const first = await ingest(deps, { jobId: 'j', body, headers: signed, query: {} });
    const replays = await Promise.all(
      ['k1', 'k2'].map((k) =>
        ingest(deps, { jobId: 'j', body, headers: { ...signed, 'idempotency-key': k }, query: { event: k } }),
      ),
    );
    expect(first.kind).toBe('queued');
    expect(replays.map((r) => [r.kind, r.runId])).toEqual([
      ['duplicate', first.runId],
      ['duplicate', first.runId],
    ]);
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('answers a re-prefixed replay and the sender’s re-signed retry as duplicates', async () => {
    const { deps, clock } = await setup({ auth });
    const body = '{"alert":1}';
    const first = await ingest(deps, {
      jobId: 'j',
      body,
      headers: { 'content-type': 'application/json', ...hmacHeaders(auth, SECRET, body, clock.now()) },
      query: {},
    });
    const signed = hmacHeaders(auth, SECRET, body, clock.now());
    const bare = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k, v.replace(/^sha256=/, '')]));
    const replay = await ingest(deps, {
      jobId: 'j',
      body,
      headers: { 'content-type': 'application/json', ...bare },
      query: {},
    });
    clock.advance(2_000);
    const resigned = await ingest(deps, {
      jobId: 'j',
      body,
      headers: { 'content-type': 'application/json', ...hmacHeaders(auth, SECRET, body, clock.now()) },
      query: {},
    });
    expect([replay, resigned].map((a) => [a.kind, a.runId])).toEqual([
      ['duplicate', first.runId],
      ['duplicate', first.runId],
    ]);
    expect(deps.queue.sent).toHaveLength(1);
  });
});

describe('a slow secret store', () => {
  it('counts against a decision’s deadline and lets onError decide, without crashing', async () => {
    const quick = defineIntegration({
      id: 'quick',
      name: 'Quick',
      version: '1.0.0',
      description: 'needs a secret',
      parameters: { token: { type: 'password', mandatory: true } },
      decide: () => ({ allow: true, message: 'fine' }),
    });
    const { deps } = await setup(
      {
        mode: 'decision',
        integration: 'quick',
        timeoutSeconds: 1,
        onError: 'deny',
        params: { token: { secret: 'tok' } },
      },
      { integrations: [quick], secrets: { demo: [SECRET], tok: ['t0k3n-value'] } },
    );
    // The job's own secret check is quick; the parameter's secret lookup is slow.
    let calls = 0;
    const slow = deps.secrets.getVersions.bind(deps.secrets);
    deps.secrets.getVersions = async (name: string) => {
      calls++;
      if (name === 'tok') await new Promise((r) => setTimeout(r, 1500));
      return slow(name);
    };
    const answer = await ingest(deps, json('{}'));
    if (answer.kind !== 'verdict') throw new Error('expected a verdict');
    expect(JSON.parse(answer.response.body)).toMatchObject({ allow: false });
    expect(deps.runs.items.get(answer.runId)).toMatchObject({
      status: 'timed_out',
      verdict: { fallback: true },
    });
    // The job's secret once (the auth check; the run redacts the versions ingest read) and the parameter's.
    expect(calls).toBe(2);
    // The lookup finishing after the verdict must not crash the process.
    await new Promise((r) => setTimeout(r, 700));
  });
});
