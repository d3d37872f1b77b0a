import { ulid } from 'ulid';
import { expect } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import type { Delivery, Job, JobInput, LogLine, Run } from '../../shared/model/index.ts';
import type { Page, PageRequest, RunFinish } from '../../shared/ports.ts';

/** Builds a fresh, empty store for one test; each test gets its own. */
export type MakeStore<S> = () => Promise<S>;

export const T0 = Date.parse('2026-11-22T10:00:00.000Z');
export const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();
export const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

export const makeJob = (id: string, over: Partial<JobInput> = {}): Job =>
  JobSchema.parse({ id, name: `Job ${id}`, integration: 'echo', auth: { secret: 'demo' }, ...over });

/** Run ids are ULIDs: the seed time (T0 + `seconds`) orders them. */
export const makeRun = (jobId: string, over: Partial<Run> = {}, seconds = 0): Run => ({
  id: ulid(T0 + seconds * 1000),
  jobId,
  source: 'generic',
  trigger: 'webhook',
  mode: 'async',
  status: 'queued',
  attempt: 0,
  createdAt: iso(seconds * 1000),
  logs: [],
  ...over,
});

export const line = (message: string, level: LogLine['level'] = 'INFO'): LogLine => ({
  ts: iso(5_000),
  level,
  message,
});

export const finishOf = (attempt: number, over: Partial<RunFinish> = {}): RunFinish => ({
  attempt,
  status: 'succeeded',
  endedAt: iso(10_000),
  durationMs: 1234,
  message: 'done',
  logs: [line('hello')],
  ...over,
});

/** A delivery received at T0 + `seconds`, a duplicate for `windowSeconds` after. */
export const makeDelivery = (
  id: string,
  dedupeKey: string,
  seconds = 0,
  windowSeconds = 600,
  jobId = 'job',
): Delivery => ({
  id,
  jobId,
  runId: `run-${id}`,
  dedupeKey,
  receivedAt: at(seconds).toISOString(),
  dedupeUntil: at(seconds + windowSeconds).toISOString(),
});

/**
 * Every item of a listing, page by page (at most `maxPages`). A page may hold
 * fewer items than asked, even none, while `nextCursor` says there is more.
 */
export const allPages = async <T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  limit: number,
  maxPages = 50,
): Promise<{ items: T[]; pages: number }> => {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== undefined && pages < maxPages);
  expect(cursor).toBeUndefined();
  return { items, pages };
};
