import { describe, expect, it } from 'vitest';
import { hmacHeaders } from '../../shared/auth/hmac.ts';
import type { JobInput } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { ingest, replayWindowSeconds } from '../../shared/runtime/ingest.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';

const SECRET = 's3cr3t-value';
const auth = {
  type: 'hmac' as const,
  secret: 'demo',
  signatureHeader: 'X-Signature',
  timestampHeader: 'X-Timestamp',
  toleranceSeconds: 300,
};
const BODY = '{"alert":"disk full","host":"db-1"}';

const setup = async (input: Partial<JobInput>) => {
  const clock = new FakeClock();
  const deps = memoryDeps({ clock });
  await deps.jobs.put(
    JobSchema.parse({ id: 'alerts', name: 'Alerts', integration: 'log-event', auth, ...input }),
  );
  return { deps, clock };
};

/** The sender's request: signed now, as a monitoring tool signs every alert it sends. */
const signed = (clock: FakeClock, body = BODY) => ({
  'content-type': 'application/json',
  ...hmacHeaders(auth, SECRET, body, clock.now()),
});

const send = (deps: MemoryDeps, headers: Record<string, string>, body = BODY) =>
  ingest(deps, { jobId: 'alerts', body, headers, query: {} });

/** Conditional writes of ingest: delivery keys and runs created (the queue send is counted apart). */
const writes = (deps: MemoryDeps) => deps.deliveries.writes + deps.runs.writes;

describe('HMAC jobs: replay protection on (timestamp, signature), body dedupe by the job window', () => {
  it('accepts the same alert re-signed minutes later when the window is 0', async () => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: 0 });
    const first = await send(deps, signed(clock));
    clock.advance(120_000);
    const again = await send(deps, signed(clock));
    expect(first.kind).toBe('queued');
    expect(again.kind).toBe('queued');
    expect(again.runId).not.toBe(first.runId);
    expect(deps.queue.sent).toHaveLength(2);
  });

  it.each([
    ['verbatim', (h: Record<string, string>) => h],
    ['with a new Idempotency-Key', (h: Record<string, string>) => ({ ...h, 'idempotency-key': 'fresh-1' })],
    [
      'with sha256= stripped',
      (h: Record<string, string>) => ({ ...h, 'x-signature': h['x-signature']!.replace('sha256=', '') }),
    ],
    [
      'with the signature upper-cased',
      (h: Record<string, string>) => ({ ...h, 'x-signature': h['x-signature']!.toUpperCase() }),
    ],
    [
      'with padding around the headers',
      (h: Record<string, string>) => ({
        ...h,
        'x-signature': ` ${h['x-signature']!} `,
        'x-timestamp': ` ${h['x-timestamp']!}`,
      }),
    ],
  ])('answers a captured request replayed %s as a duplicate, even with window 0', async (_name, mutate) => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: 0 });
    const captured = signed(clock);
    const first = await send(deps, captured);
    clock.advance(290_000);
    const replay = await send(deps, mutate(captured));
    expect(replay).toMatchObject({ kind: 'duplicate', runId: first.runId });
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('keeps ingest at 2 writes and 1 send per delivery with window 0 (replay key + run)', async () => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: 0 });
    await send(deps, signed(clock));
    expect(writes(deps)).toBe(2);
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('uses the body key alone when the window covers the replay window: 2 writes', async () => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: replayWindowSeconds(auth) });
    const captured = signed(clock);
    const first = await send(deps, captured);
    expect(writes(deps)).toBe(2);
    expect(deps.deliveries.items.size).toBe(1);
    // A replay and a re-signed repeat are both the body's duplicate.
    clock.advance(10_000);
    await expect(send(deps, captured)).resolves.toMatchObject({ kind: 'duplicate', runId: first.runId });
    await expect(send(deps, signed(clock))).resolves.toMatchObject({ kind: 'duplicate', runId: first.runId });
  });

  it('claims a replay key and a body key when the window is shorter than the replay window: 3 writes', async () => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: 60 });
    const first = await send(deps, signed(clock));
    expect(writes(deps)).toBe(3);
    // Re-signed within the body window: a duplicate of the body.
    clock.advance(30_000);
    const resent = signed(clock);
    await expect(send(deps, resent)).resolves.toMatchObject({ kind: 'duplicate', runId: first.runId });
    // Once the body window passed, replaying that duplicate request is still the same run's duplicate.
    clock.advance(100_000);
    await expect(send(deps, resent)).resolves.toMatchObject({ kind: 'duplicate', runId: first.runId });
    // While a fresh re-signed repeat is a new delivery.
    await expect(send(deps, signed(clock))).resolves.toMatchObject({ kind: 'queued' });
    expect(deps.queue.sent).toHaveLength(2);
  });

  it('frees both keys when the delivery cannot be queued, so that the same request is accepted on retry', async () => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: 60 });
    const request = signed(clock);
    deps.queue.failSend = true;
    await expect(send(deps, request)).rejects.toMatchObject({ status: 503 });
    expect(deps.deliveries.items.size).toBe(0);
    deps.queue.failSend = false;
    await expect(send(deps, request)).resolves.toMatchObject({ kind: 'queued' });
  });

  it('never trusts an Idempotency-Key for HMAC jobs: a new key does not make the same body new', async () => {
    const { deps, clock } = await setup({ dedupeWindowSeconds: 600 });
    const first = await send(deps, { ...signed(clock), 'idempotency-key': 'a' });
    clock.advance(5_000);
    await expect(send(deps, { ...signed(clock), 'idempotency-key': 'b' })).resolves.toMatchObject({
      kind: 'duplicate',
      runId: first.runId,
    });
  });
});
