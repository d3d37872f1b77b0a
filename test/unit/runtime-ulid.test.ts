import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { ulid, ulidFactory } from '../../shared/runtime/ulid.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const T = Date.parse('2026-11-22T10:00:00.000Z');

describe('ulidFactory', () => {
  it('makes valid ULIDs whose time is the time given', () => {
    const make = ulidFactory();
    for (const time of [0, 1, T, 2 ** 48 - 1]) {
      const id = make(time);
      expect(id).toMatch(ULID);
      expect(decodeTime(id)).toBe(time);
    }
  });

  it('is monotonic within a millisecond: each id sorts after the last and none repeats', () => {
    const make = ulidFactory();
    const ids = Array.from({ length: 1000 }, () => make(T));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every((id) => decodeTime(id) === T)).toBe(true);
  });

  it('stays monotonic when the clock steps back', () => {
    const make = ulidFactory();
    const later = make(T + 5);
    const earlier = make(T);
    expect(earlier > later).toBe(true);
  });

  it('carries the increment across digits, and refuses to wrap around', () => {
    // Bytes whose low five bits are 31 everywhere but 0 in the first digit.
    const make = ulidFactory((bytes) => {
      bytes.fill(0xff);
      for (let i = 0; i < bytes.length; i += 16) bytes[i] = 0;
    });
    const first = make(T);
    expect(first.slice(10)).toBe(`0${'Z'.repeat(15)}`);
    expect(make(T).slice(10)).toBe(`1${'0'.repeat(15)}`);
    const full = ulidFactory((bytes) => bytes.fill(0xff));
    expect(full(T).slice(10)).toBe('Z'.repeat(16));
    expect(() => full(T)).toThrow(/overflow/);
  });

  it('draws its random bits in bulk, not per id', () => {
    let fills = 0;
    const make = ulidFactory((bytes) => {
      fills++;
      crypto.getRandomValues(bytes);
    });
    const ids = new Set(Array.from({ length: 1000 }, (_, i) => make(T + i)));
    expect(ids.size).toBe(1000);
    expect(fills).toBeLessThanOrEqual(4);
  });

  it('refuses a time a ULID cannot hold', () => {
    expect(() => ulid(-1)).toThrow();
    expect(() => ulid(2 ** 48)).toThrow();
    expect(() => ulid(1.5)).toThrow();
  });
});

describe('ingest ids', () => {
  it('come from the one monotonic factory: deliveries in one millisecond are numbered in order', async () => {
    const deps = memoryDeps();
    await deps.jobs.put(
      JobSchema.parse({ id: 'demo', name: 'Demo', integration: 'log-event', auth: { secret: 'demo' } }),
    );
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = await ingest(deps, {
        jobId: 'demo',
        body: JSON.stringify({ i }),
        headers: { 'content-type': 'application/json', 'x-shared-secret': 's3cr3t-value' },
        query: {},
      });
      if (answer.kind !== 'queued') throw new Error(`expected queued, got ${answer.kind}`);
      ids.push(answer.deliveryId, answer.runId);
    }
    // The fake clock stands still: every id is of the same millisecond, yet they sort as they were made.
    expect(ids.every((id) => ULID.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
