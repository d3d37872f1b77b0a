import { describe, expect, it } from 'vitest';
import { hmacHeaders } from '../../shared/auth/hmac.ts';
import { isTriggerhubError } from '../../shared/errors.ts';
import type { JobInput } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';

const SECRET = 's3cr3t-value';
const TICKET =
  '<ticket_info><id>288</id><open_request_stage/><current_stage><name>Duplicate</name></current_stage></ticket_info>';
const BILLION_LAUGHS = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><ticket_info><id>&lol2;</id></ticket_info>`;
const XXE = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ticket_info><id>&e;</id></ticket_info>`;

const setup = async (input: Partial<JobInput>) => {
  const clock = new FakeClock();
  const deps = memoryDeps({ clock });
  await deps.jobs.put(
    JobSchema.parse({ id: 'j', name: 'J', integration: 'log-event', auth: { secret: 'demo' }, ...input }),
  );
  return { deps, clock };
};

/** Every refusal answers its 4xx and stores and enqueues nothing. */
const refused = async (
  deps: Awaited<ReturnType<typeof setup>>['deps'],
  body: string,
  headers: Record<string, string>,
) => {
  const error = await ingest(deps, { jobId: 'j', body, headers, query: {} }).catch((e: unknown) => e);
  expect(deps.runs.items.size).toBe(0);
  expect(deps.deliveries.items.size).toBe(0);
  expect(deps.payloads.items.size).toBe(0);
  expect(deps.queue.sent).toEqual([]);
  if (!isTriggerhubError(error)) throw new Error(`expected a refusal, got ${String(error)}`);
  expect(error.message).not.toContain(SECRET);
  return error.status;
};

describe('ingest refusals of a SecureChange job', () => {
  const xml = { 'content-type': 'application/xml', 'x-shared-secret': SECRET, 'x-scw-event': 'ADVANCE' };
  it.each([
    ['malformed XML', '<ticket_info><id>1</ticket_info>', xml, 400],
    ['billion laughs', BILLION_LAUGHS, xml, 400],
    ['an external entity', XXE, xml, 400],
    ['JSON to an XML job', '{"ticket_info":{"id":288}}', { ...xml, 'content-type': 'application/json' }, 415],
    ['a wrong root element', '<ticket__info><id>288</id></ticket__info>', xml, 400],
    ['an empty body', '', xml, 400],
    ['an unsupported content type', TICKET, { ...xml, 'content-type': 'application/octet-stream' }, 415],
    ['a missing secret', TICKET, { ...xml, 'x-shared-secret': '' }, 401],
    ['an unknown event', TICKET, { ...xml, 'x-scw-event': 'EXPLODE' }, 400],
  ])('refuses %s', async (_name, body, headers, status) => {
    const { deps } = await setup({ source: 'securechange' });
    expect(await refused(deps, body, headers)).toBe(status);
  });

  it('accepts the same ticket when well-formed', async () => {
    const { deps } = await setup({ source: 'securechange' });
    const answer = await ingest(deps, { jobId: 'j', body: TICKET, headers: xml, query: {} });
    expect(deps.runs.items.get(answer.runId)?.event?.ticket?.id).toBe('288');
  });
});

describe('ingest refusals of an HMAC job', () => {
  const auth = {
    type: 'hmac' as const,
    secret: 'demo',
    signatureHeader: 'X-Signature',
    timestampHeader: 'X-Timestamp',
    toleranceSeconds: 300,
  };
  const body = '{"alert":1}';
  const signed = (at: Date, secret = SECRET, payload = body) => ({
    'content-type': 'application/json',
    ...hmacHeaders(auth, secret, payload, at),
  });

  it.each([
    ['a stale timestamp', -301_000],
    ['a future timestamp', 301_000],
  ])('refuses %s with 401', async (_name, offset) => {
    const { deps, clock } = await setup({ auth });
    expect(await refused(deps, body, signed(new Date(clock.now().getTime() + offset)))).toBe(401);
  });

  it('refuses a wrong signature and a body changed after signing', async () => {
    const { deps, clock } = await setup({ auth });
    expect(await refused(deps, body, signed(clock.now(), 'another-secret'))).toBe(401);
    expect(await refused(deps, '{"alert":2}', signed(clock.now()))).toBe(401);
  });

  it('accepts a fresh, correctly signed request', async () => {
    const { deps, clock } = await setup({ auth });
    await expect(
      ingest(deps, { jobId: 'j', body, headers: signed(clock.now()), query: {} }),
    ).resolves.toMatchObject({ kind: 'queued' });
  });
});

describe('ingest refusals of a JSON job', () => {
  it.each([
    ['nested 200 000 levels deep', '['.repeat(200_000) + ']'.repeat(200_000)],
    ['nested 65 levels deep', '['.repeat(65) + ']'.repeat(65)],
  ])('refuses a body %s with 400', async (_name, body) => {
    const { deps } = await setup({});
    expect(await refused(deps, body, { 'content-type': 'application/json', 'x-shared-secret': SECRET })).toBe(
      400,
    );
  });

  it('accepts 64 levels', async () => {
    const { deps } = await setup({});
    const body = '['.repeat(64) + ']'.repeat(64);
    await expect(
      ingest(deps, {
        jobId: 'j',
        body,
        headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET },
        query: {},
      }),
    ).resolves.toMatchObject({ kind: 'queued' });
  });
});

describe("ingest refusals over a job's body limit", () => {
  const json = { 'content-type': 'application/json', 'x-shared-secret': SECRET };
  // 38 bytes: `{"n":"` (6) + 10 × "€" (3 bytes, 1 UTF-16 unit each) + `"}` (2), in 18 UTF-16 units.
  const body = `{"n":"${'€'.repeat(10)}"}`;

  it('counts UTF-8 bytes, not characters: 38 bytes in 18 characters is over a 37-byte limit (413)', async () => {
    const { deps } = await setup({ maxBodyBytes: 37 });
    expect(await refused(deps, body, json)).toBe(413);
  });

  it('accepts the same body at a limit of exactly its 38 bytes', async () => {
    const { deps } = await setup({ maxBodyBytes: 38 });
    await expect(ingest(deps, { jobId: 'j', body, headers: json, query: {} })).resolves.toMatchObject({
      kind: 'queued',
    });
  });

  it('refuses a body of more characters than the limit has bytes without counting (413)', async () => {
    const { deps } = await setup({ maxBodyBytes: 16 });
    expect(await refused(deps, '{"n":"0123456789"}', json)).toBe(413);
  });
});
