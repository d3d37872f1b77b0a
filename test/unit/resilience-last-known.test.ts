import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { lastKnown, withLastKnownJobs, withLastKnownSecrets } from '../../shared/resilience/last-known.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { repoRoot } from '../helpers/samples.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** A read that answers, fails or hangs as the test says. */
const controllable = () => {
  const state = { mode: 'answer' as 'answer' | 'fail' | 'hang', value: 'v1', calls: 0 };
  const read = (key: string): Promise<string> => {
    state.calls++;
    if (state.mode === 'fail') return Promise.reject(new ServiceUnavailableError('store unavailable'));
    if (state.mode === 'hang') return new Promise<string>(() => undefined);
    return Promise.resolve(`${key}=${state.value}`);
  };
  return { state, read };
};

describe('lastKnown', () => {
  it('reads through every time: a fresh answer always wins', async () => {
    const { state, read } = controllable();
    const get = lastKnown('test store', read);
    expect(await get('a')).toBe('a=v1');
    state.value = 'v2';
    expect(await get('a')).toBe('a=v2');
    expect(state.calls).toBe(2);
  });

  it('answers the last known value while the store fails, within maxStaleMs, then fails', async () => {
    let t = 1_000_000;
    const { state, read } = controllable();
    const get = lastKnown('test store', read, { maxStaleMs: 60_000, now: () => t });
    expect(await get('a')).toBe('a=v1');
    state.mode = 'fail';
    t += 59_000;
    expect(await get('a')).toBe('a=v1');
    t += 2_000;
    await expect(get('a')).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('fails as the store does when nothing is known', async () => {
    const { state, read } = controllable();
    state.mode = 'fail';
    await expect(lastKnown('test store', read)('a')).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('cuts a hanging lookup short only when it has something to fall back on', async () => {
    vi.useFakeTimers();
    const { state, read } = controllable();
    const get = lastKnown('test store', read, { timeoutMs: 500 });
    expect(await get('a')).toBe('a=v1');
    state.mode = 'hang';
    const answer = get('a');
    await vi.advanceTimersByTimeAsync(500);
    expect(await answer).toBe('a=v1');
    // Unknown key: no fallback, so no time-out either — it waits for the store.
    let settled = false;
    void get('b').finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(settled).toBe(false);
  });

  it('forgets the oldest entries beyond maxEntries', async () => {
    const { state, read } = controllable();
    const get = lastKnown('test store', read, { maxEntries: 2 });
    await get('a');
    await get('b');
    await get('c');
    state.mode = 'fail';
    await expect(get('a')).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(await get('c')).toBe('c=v1');
  });
});

describe('a warm ingest while the table and Secrets Manager are down', () => {
  const SECRET = 'cp-secret-1';
  const job = JobSchema.parse(
    JSON.parse(
      readFileSync(path.join(repoRoot, 'examples', 'jobs', 'checkpoint-before-publish.json'), 'utf8'),
    ),
  );
  const body = readFileSync(
    path.join(repoRoot, 'examples', 'payloads', 'checkpoint-before-publish.json'),
    'utf8',
  );
  const request = {
    jobId: job.id,
    body,
    headers: { 'content-type': 'application/json', 'x-chkp-shared-secret': SECRET },
    query: {},
  };

  it("answers a decision job's onError verdict, not a 5xx, for a job it has seen", async () => {
    const base = memoryDeps({ secrets: { checkpoint: [SECRET] } });
    await base.jobs.put(job);
    const deps = { ...base, jobs: withLastKnownJobs(base.jobs), secrets: withLastKnownSecrets(base.secrets) };
    const first = await ingest(deps, request);
    expect(first.kind).toBe('verdict');

    const down = () => Promise.reject(new ServiceUnavailableError('store unavailable'));
    vi.spyOn(base.jobs, 'get').mockImplementation(down);
    vi.spyOn(base.secrets, 'getVersions').mockImplementation(down);
    vi.spyOn(base.runs, 'create').mockImplementation(down);

    const answer = await ingest(deps, request);
    if (answer.kind !== 'verdict') throw new Error(`expected a verdict, got ${answer.kind}`);
    expect(answer.response.status).toBe(200);
    expect(JSON.parse(answer.response.body)).toMatchObject({ result: 'failure' });
  });

  it('still refuses a wrong secret with the last known secret', async () => {
    const base = memoryDeps({ secrets: { checkpoint: [SECRET] } });
    await base.jobs.put(job);
    const deps = { ...base, jobs: withLastKnownJobs(base.jobs), secrets: withLastKnownSecrets(base.secrets) };
    await ingest(deps, request);
    vi.spyOn(base.secrets, 'getVersions').mockRejectedValue(new ServiceUnavailableError('down'));
    await expect(
      ingest(deps, { ...request, headers: { ...request.headers, 'x-chkp-shared-secret': 'wrong' } }),
    ).rejects.toMatchObject({ status: 401 });
  });
});
