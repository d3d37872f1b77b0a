import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../shared/errors.ts';
import type { JobInput } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { DEFAULT_SETTINGS } from '../../shared/runtime/deps.ts';
import { dedupeKeyOf, ingest } from '../../shared/runtime/ingest.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';

const SECRET = 's3cr3t-value';
const addJob = async (deps: MemoryDeps, input: Partial<JobInput> = {}) => {
  const job = JobSchema.parse({
    id: 'demo',
    name: 'Demo',
    integration: 'log-event',
    auth: { secret: 'demo' },
    ...input,
  });
  await deps.jobs.put(job);
  return job;
};
const request = (body: string, headers: Record<string, string> = {}, jobId = 'demo') => ({
  jobId,
  body,
  headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET, ...headers },
  query: {},
});
const nothingStored = (deps: MemoryDeps) => {
  expect(deps.runs.items.size).toBe(0);
  expect(deps.deliveries.items.size).toBe(0);
  expect(deps.queue.sent).toEqual([]);
};

describe('ingest', () => {
  it('stores a delivery and a queued run, enqueues it, and answers queued', async () => {
    // Prepare
    const deps = memoryDeps();
    await addJob(deps);
    // Act
    const answer = await ingest(deps, request('{"hello":"world"}', { 'x-request-id': 'abc' }));
    // Assess
    expect(answer.kind).toBe('queued');
    const run = deps.runs.items.get(answer.runId);
    expect(run).toMatchObject({
      status: 'queued',
      attempt: 0,
      jobId: 'demo',
      source: 'generic',
      trigger: 'webhook',
    });
    expect(run?.event?.payload).toEqual({ hello: 'world' });
    expect(run?.event?.headers).toMatchObject({ 'x-request-id': 'abc' });
    expect(run?.event?.headers).not.toHaveProperty('x-shared-secret');
    expect(JSON.stringify(run)).not.toContain(SECRET);
    expect(deps.queue.sent).toEqual([{ runId: answer.runId, jobId: 'demo' }]);
    // Budget: at most 2 conditional writes at ingest.
    expect(deps.runs.writes + deps.deliveries.writes).toBe(2);
  });

  it.each([
    ['unknown job', request('{}', {}, 'nope'), NotFoundError],
    ['missing secret', request('{}', { 'x-shared-secret': '' }), UnauthorizedError],
    ['wrong secret', request('{}', { 'x-shared-secret': 'nope' }), UnauthorizedError],
    ['malformed JSON', request('{"a":'), ValidationError],
    ['XML to a JSON job', request('<a/>', { 'content-type': 'application/xml' }), UnsupportedMediaTypeError],
  ])('refuses %s and stores nothing', async (_name, req, type) => {
    const deps = memoryDeps();
    await addJob(deps);
    await expect(ingest(deps, req)).rejects.toBeInstanceOf(type);
    nothingStored(deps);
  });

  it('refuses a disabled job with 409 after authenticating', async () => {
    const deps = memoryDeps();
    await addJob(deps, { enabled: false });
    await expect(ingest(deps, request('{}', { 'x-shared-secret': 'wrong' }))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
    await expect(ingest(deps, request('{}'))).rejects.toBeInstanceOf(ConflictError);
    nothingStored(deps);
  });

  it("refuses a body over the job's limit with 413", async () => {
    const deps = memoryDeps();
    await addJob(deps, { maxBodyBytes: 100 });
    const error = await ingest(deps, request(JSON.stringify({ x: 'y'.repeat(100) }))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ status: 413, limitBytes: 100 });
    nothingStored(deps);
  });

  it('accepts the previous secret during a rotation', async () => {
    const deps = memoryDeps({ secrets: { demo: ['new-secret-1', SECRET] } });
    await addJob(deps);
    await expect(ingest(deps, request('{}'))).resolves.toMatchObject({ kind: 'queued' });
  });

  it('answers a repeat within the window as a duplicate of the first run and enqueues nothing', async () => {
    const deps = memoryDeps();
    await addJob(deps);
    const first = await ingest(deps, request('{"a":1}'));
    const again = await ingest(deps, request('{"a":1}'));
    expect(again).toEqual({
      kind: 'duplicate',
      runId: first.runId,
      deliveryId: first.kind === 'queued' ? first.deliveryId : '',
    });
    expect(deps.queue.sent).toHaveLength(1);
    expect(deps.runs.items.size).toBe(1);
  });

  it('uses Idempotency-Key over the body, and accepts a repeat after the window', async () => {
    const deps = memoryDeps();
    const clock = new FakeClock();
    deps.clock = clock;
    await addJob(deps, { dedupeWindowSeconds: 60 });
    const a = await ingest(deps, request('{"a":1}', { 'idempotency-key': 'k1' }));
    const b = await ingest(deps, request('{"a":2}', { 'idempotency-key': 'k1' }));
    expect(b).toMatchObject({ kind: 'duplicate', runId: a.runId });
    clock.advance(61_000);
    const c = await ingest(deps, request('{"a":2}', { 'idempotency-key': 'k1' }));
    expect(c.kind).toBe('queued');
  });

  it('does not dedupe when the window is 0', async () => {
    const deps = memoryDeps();
    await addJob(deps, { dedupeWindowSeconds: 0 });
    await ingest(deps, request('{"a":1}'));
    await ingest(deps, request('{"a":1}'));
    expect(deps.queue.sent).toHaveLength(2);
  });

  it('keeps a large event in the payload store and only its reference in the run', async () => {
    const deps = memoryDeps({ settings: { inlineEventLimitBytes: 1000 } });
    await addJob(deps);
    const answer = await ingest(deps, request(JSON.stringify({ big: 'x'.repeat(5000) })));
    const run = deps.runs.items.get(answer.runId);
    expect(run?.event).toBeUndefined();
    expect(run?.eventRef).toBe(`mem://events/demo/${answer.runId}.json`);
    expect(deps.payloads.items.size).toBe(1);
  });

  it('keeps a typical delivery’s event inline and a larger one in the payload store, by the default limit', async () => {
    // Prepare: the defaults (4 KiB for async runs); the event adds the kept headers to the payload
    const deps = memoryDeps();
    await addJob(deps);
    const under = JSON.stringify({ note: 'x'.repeat(2 * 1024) });
    const over = JSON.stringify({ note: 'x'.repeat(4 * 1024) });

    // Act
    const small = await ingest(deps, request(under));
    const large = await ingest(deps, request(over));

    // Assess
    expect(DEFAULT_SETTINGS.inlineEventLimitBytes).toBe(4 * 1024);
    expect(deps.runs.items.get(small.runId)?.event?.payload).toEqual(JSON.parse(under));
    expect(deps.runs.items.get(large.runId)?.eventRef).toBe(`mem://events/demo/${large.runId}.json`);
    expect(deps.payloads.items.size).toBe(1);
  });

  it('keeps a header named __proto__ as data, and drops the credential headers', async () => {
    // Prepare
    const deps = memoryDeps();
    await addJob(deps);
    const headers: Record<string, string> = { authorization: 'Bearer t', 'x-kept': 'yes' };
    Object.defineProperty(headers, '__proto__', { value: 'p', enumerable: true });

    // Act
    const answer = await ingest(deps, request('{}', headers));

    // Assess
    const kept = deps.runs.items.get(answer.runId)?.event?.headers ?? {};
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(kept, '__proto__')?.value).toBe('p');
    expect(Object.keys(kept).sort()).toEqual(['__proto__', 'content-type', 'x-kept']);
  });

  it('counts the limit in UTF-8 bytes, not characters', async () => {
    // Prepare: 1000 characters of 2 bytes each; with the event's other ~250 characters, under 1500 characters, over 1500 bytes
    const deps = memoryDeps({ settings: { inlineEventLimitBytes: 1500 } });
    await addJob(deps);

    // Act
    const answer = await ingest(deps, request(JSON.stringify({ t: 'é'.repeat(1000) })));

    // Assess
    expect(deps.runs.items.get(answer.runId)?.eventRef).toBeDefined();
  });

  it('frees the dedupe key and records the run failed when the queue refuses, answering 503', async () => {
    const deps = memoryDeps();
    await addJob(deps);
    deps.queue.failSend = true;
    await expect(ingest(deps, request('{"a":1}'))).rejects.toBeInstanceOf(ServiceUnavailableError);
    const [run] = deps.runs.items.values();
    expect(run?.status).toBe('failed');
    expect(run?.error).toContain('not queued');
    deps.queue.failSend = false;
    await expect(ingest(deps, request('{"a":1}'))).resolves.toMatchObject({ kind: 'queued' });
  });

  it('derives the dedupe key from the explicit header, else from job, trigger and body', () => {
    expect(dedupeKeyOf('a', { 'x-delivery-id': 'd1' }, 'x', 't')).toBe(
      dedupeKeyOf('b', { 'idempotency-key': 'd1' }, 'y', 'u'),
    );
    expect(dedupeKeyOf('a', {}, 'x', 't')).not.toBe(dedupeKeyOf('b', {}, 'x', 't'));
    expect(dedupeKeyOf('a', {}, 'x', 't')).not.toBe(dedupeKeyOf('a', {}, 'x', 'u'));
    expect(dedupeKeyOf('a', {}, 'x', 't')).toBe(dedupeKeyOf('a', {}, 'x', 't'));
  });
});

describe('ingest of a decision job', () => {
  const slow = defineIntegration({
    id: 'slow',
    name: 'Slow',
    version: '1.0.0',
    description: 'Never answers in time.',
    parameters: {},
    decide: ({ signal }) =>
      new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
  });
  const verdict = (allow: boolean) =>
    defineIntegration({
      id: allow ? 'yes' : 'no',
      name: 'Fixed',
      version: '1.0.0',
      description: 'Fixed verdict.',
      parameters: {},
      decide: () => ({ allow, message: allow ? 'fine' : 'rule 12 has no comment' }),
    });

  it.each([
    [true, 'success', 'fine'],
    [false, 'failure', 'rule 12 has no comment'],
  ])('answers the verdict allow=%s in the source format and records it', async (allow, result, message) => {
    const deps = memoryDeps({ integrations: [verdict(allow)] });
    await addJob(deps, {
      mode: 'decision',
      integration: allow ? 'yes' : 'no',
      source: 'checkpoint',
      event: 'before-publish',
      auth: { secret: 'demo', header: 'X-chkp-shared-secret' },
    });
    const answer = await ingest(deps, {
      jobId: 'demo',
      body: JSON.stringify({
        session: { 'user-name': 'aa' },
        operations: { 'added-objects': [], 'modified-objects': [], 'deleted-objects': [] },
      }),
      headers: { 'content-type': 'application/json', 'x-chkp-shared-secret': SECRET },
      query: {},
    });
    expect(answer.kind).toBe('verdict');
    if (answer.kind !== 'verdict') return;
    expect(answer.response.status).toBe(200);
    expect(JSON.parse(answer.response.body)).toMatchObject({ result, message });
    expect(deps.runs.items.get(answer.runId)).toMatchObject({
      status: 'succeeded',
      mode: 'decision',
      verdict: { allow, message },
    });
    expect(deps.queue.sent).toEqual([]);
  });

  it.each([
    ['allow', true],
    ['deny', false],
  ] as const)('on time-out lets onError=%s decide', async (onError, allow) => {
    const deps = memoryDeps({ integrations: [slow] });
    await addJob(deps, { mode: 'decision', integration: 'slow', onError, timeoutSeconds: 1 });
    const answer = await ingest(deps, request('{}'));
    if (answer.kind !== 'verdict') throw new Error('expected a verdict');
    expect(JSON.parse(answer.response.body)).toMatchObject({ allow });
    const run = deps.runs.items.get(answer.runId);
    expect(run).toMatchObject({ status: 'timed_out', verdict: { allow, fallback: true } });
    expect(run?.verdict?.message).toContain(`onError=${onError}`);
  });
});
