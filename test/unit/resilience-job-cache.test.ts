import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import type { Job } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { JobStore } from '../../shared/ports.ts';
import { hotJob, JOB_CACHE_MS, withLastKnownJobs } from '../../shared/resilience/last-known.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { MemoryJobStore, memoryDeps } from '../helpers/memory-deps.ts';

afterEach(() => vi.restoreAllMocks());

const jobOf = (over: Partial<Job> = {}): Job =>
  JobSchema.parse({ id: 'demo', name: 'Demo', integration: 'log-event', auth: { secret: 'demo' }, ...over });

/** A job store behind the cache, with a clock the test moves and a count of reads. */
const cached = async () => {
  let t = 1_000_000;
  const base = new MemoryJobStore();
  await base.put(jobOf());
  const reads = vi.spyOn(base, 'get');
  const jobs = withLastKnownJobs(base, { now: () => t });
  return { base, jobs, reads, advance: (ms: number) => (t += ms) };
};

describe('the hot paths’ job cache', () => {
  it(`serves a job read less than JOB_CACHE_MS (${JOB_CACHE_MS} ms) ago without reading it, then reads again`, async () => {
    const { jobs, reads, advance } = await cached();
    expect((await hotJob(jobs, 'demo'))?.id).toBe('demo');
    advance(JOB_CACHE_MS - 1);
    expect((await hotJob(jobs, 'demo'))?.id).toBe('demo');
    expect(reads).toHaveBeenCalledTimes(1);
    advance(1);
    await hotJob(jobs, 'demo');
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('serves a job disabled elsewhere until the cache expires, then stops', async () => {
    const { base, jobs, advance } = await cached();
    expect((await hotJob(jobs, 'demo'))?.enabled).toBe(true);
    // Another function instance disables it: this one's cache does not know.
    await base.put(jobOf({ enabled: false }));
    advance(JOB_CACHE_MS - 1);
    expect((await hotJob(jobs, 'demo'))?.enabled).toBe(true);
    advance(1);
    expect((await hotJob(jobs, 'demo'))?.enabled).toBe(false);
  });

  it('forgets a job written or deleted through it at once (one process: npm start)', async () => {
    const { jobs } = await cached();
    await hotJob(jobs, 'demo');
    await jobs.put(jobOf({ enabled: false }));
    expect((await hotJob(jobs, 'demo'))?.enabled).toBe(false);
    await jobs.delete('demo');
    expect(await hotJob(jobs, 'demo')).toBeUndefined();
  });

  it('does not remember an unknown job: one created is served at once', async () => {
    const { base, jobs } = await cached();
    expect(await hotJob(jobs, 'later')).toBeUndefined();
    await base.put(jobOf({ id: 'later' }));
    expect((await hotJob(jobs, 'later'))?.id).toBe('later');
  });

  it('still falls back to the last known job when the store is down after the cache expired', async () => {
    const { jobs, reads, advance } = await cached();
    await hotJob(jobs, 'demo');
    advance(JOB_CACHE_MS * 10);
    reads.mockRejectedValue(new ServiceUnavailableError('table unavailable'));
    vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    expect((await hotJob(jobs, 'demo'))?.id).toBe('demo');
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it('leaves `get` fresh: the admin API reads the table every time', async () => {
    const { base, jobs, reads } = await cached();
    await hotJob(jobs, 'demo');
    await base.put(jobOf({ name: 'Renamed' }));
    expect((await jobs.get('demo'))?.name).toBe('Renamed');
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it("reads through any JobStore's own getCached, the port's optional read", async () => {
    const base = new MemoryJobStore();
    await base.put(jobOf());
    const getCached = vi.fn((id: string) => base.get(id));
    // Typed as the port: without getCached declared on JobStore this literal does not compile.
    const jobs: JobStore = {
      get: () => Promise.reject(new Error('the hot path must not read fresh')),
      getCached,
      list: (page) => base.list(page),
      put: (job) => base.put(job),
      delete: (id) => base.delete(id),
    };
    expect((await hotJob(jobs, 'demo'))?.id).toBe('demo');
    expect(getCached).toHaveBeenCalledWith('demo');
  });

  it('reads a plain store (no cache) every time', async () => {
    const base = new MemoryJobStore();
    await base.put(jobOf());
    const reads = vi.spyOn(base, 'get');
    await hotJob(base, 'demo');
    await hotJob(base, 'demo');
    expect(reads).toHaveBeenCalledTimes(2);
  });
});

describe('with the cache wired as in the functions', () => {
  const wired = async () => {
    const base = memoryDeps();
    await base.jobs.put(jobOf());
    const reads = vi.spyOn(base.jobs, 'get');
    return { base, reads, deps: { ...base, jobs: withLastKnownJobs(base.jobs) } };
  };
  const request = (i: number) => ({
    jobId: 'demo',
    body: JSON.stringify({ i }),
    headers: { 'content-type': 'application/json', 'x-shared-secret': 's3cr3t-value' },
    query: {},
  });

  it('a warm ingest and the worker read no job item', async () => {
    const { base, reads, deps } = await wired();
    const first = await ingest(deps, request(1));
    const second = await ingest(deps, request(2));
    expect([first.kind, second.kind]).toEqual(['queued', 'queued']);
    vi.spyOn(platformLogger, 'info').mockImplementation(() => undefined);
    for (const message of base.queue.sent) {
      await processRunMessage(deps, { body: JSON.stringify(message), receiveCount: 1, receiptHandle: 'rh' });
    }
    expect(base.runs.items.size).toBe(2);
    expect([...base.runs.items.values()].every((r) => r.status === 'succeeded')).toBe(true);
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('the admin API answers the job as it is now', async () => {
    const { base, deps } = await wired();
    await ingest(deps, request(1));
    await base.jobs.put(jobOf({ name: 'Renamed elsewhere' }));
    const res = await createAdminApp(deps).request('/admin/jobs/demo');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'Renamed elsewhere' });
  });
});
