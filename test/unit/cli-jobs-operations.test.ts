import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/main.ts';
import { CLEAR_SCREEN } from '../../cli/output.ts';
import { runCli, storedJob } from '../helpers/cli.ts';
import type { Received } from '../helpers/loopback-http.ts';
import { json, loopbacksClosedAfterEach } from '../helpers/loopback-http.ts';

const { serve } = loopbacksClosedAfterEach();

/** The CLI's clock: relative times are computed from it. */
const NOW = new Date('2026-11-29T10:00:00.000Z');

const cli = (origin: string, args: string[], io: Partial<CliIo> = {}) =>
  runCli(['--endpoint', origin, ...args], { now: () => NOW, ...io });

/** A contract-shaped `JobGridItem`: the job definition with the grid's fields. */
const gridItem = (id: string, over: Record<string, unknown> = {}) => ({
  ...storedJob(id),
  schedule: null,
  lastRun: null,
  nextRunAt: null,
  nextRun: 'webhook',
  ...over,
});

const GRID = [
  gridItem('nightly', {
    schedule: 'every 2 hours from 1 Dec 2026 09:00 Europe/Berlin',
    scheduleDefinition: {
      frequency: 'hourly',
      every: 2,
      startOn: '2026-12-01T09:00:00',
      timezone: 'Europe/Berlin',
    },
    lastRun: {
      id: '01KRUN0000000000000000000A',
      status: 'succeeded',
      startedAt: '2026-11-29T09:56:30.000Z',
      endedAt: '2026-11-29T09:57:00.000Z',
    },
    nextRunAt: '2026-11-29T10:03:00.000Z',
    nextRun: 'scheduled',
  }),
  gridItem('busy', {
    schedule: 'every minute',
    lastRun: { id: '01KRUN0000000000000000000B', status: 'running', startedAt: '2026-11-29T09:59:30.000Z' },
    nextRunAt: '2026-11-29T10:01:00.000Z',
    nextRun: 'running',
  }),
  gridItem('late', {
    schedule: 'cron 0 9 * * 1-5 (Europe/Berlin)',
    lastRun: {
      id: '01KRUN0000000000000000000C',
      status: 'failed',
      startedAt: '2026-11-28T08:00:00.000Z',
      endedAt: '2026-11-28T08:00:01.000Z',
    },
    nextRunAt: '2026-11-29T08:00:00.000Z',
    nextRun: 'overdue',
  }),
  gridItem('off', { enabled: false, schedule: 'every 5 minutes', nextRun: 'disabled' }),
  gridItem('hook'),
];

/** An admin API answering `GET /admin/jobs` with `pages[i]` on the i-th call (the last one after). */
const gridApi = (pages: ((res: ServerResponse) => void)[]) =>
  serve((req, res, index) => {
    if (req.method !== 'GET' || !req.url.startsWith('/admin/jobs')) {
      json(res, 404, { error: 'not_found', message: 'no route' });
      return;
    }
    (pages[Math.min(index, pages.length - 1)] ?? (() => undefined))(res);
  });

/** Waits (bounded) until `check` holds. */
const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('triggerhub jobs list (the grid)', () => {
  it('shows Job, Schedule, Last run and Next run as Plutora does', async () => {
    // Prepare
    const api = await gridApi([(res) => json(res, 200, { items: GRID })]);

    // Act
    const out = await cli(api.origin, ['jobs', 'list']);

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(
      [
        'Job      Schedule                                           Last run                          Next run',
        'nightly  every 2 hours from 1 Dec 2026 09:00 Europe/Berlin  succeeded 3 minutes ago           in 3 minutes',
        'busy     every minute                                       running (started 30 seconds ago)  Running',
        'late     cron 0 9 * * 1-5 (Europe/Berlin)                   failed 1 day ago                  Overdue',
        'off      every 5 minutes                                    never                             Disabled',
        'hook     -                                                  never                             Webhook',
        '',
      ].join('\n'),
    );
    expect(api.received[0]?.url).toBe('/admin/jobs');
  });

  it('prints the API items as they came with --json, and pages with --limit/--cursor', async () => {
    // Prepare
    const api = await gridApi([(res) => json(res, 200, { items: GRID.slice(0, 2), nextCursor: 'c2' })]);

    // Act
    const asJson = await cli(api.origin, ['--json', 'jobs', 'list']);
    const paged = await cli(api.origin, ['jobs', 'list', '--limit', '2', '--cursor', 'c1']);

    // Assess
    expect(asJson.code).toBe(0);
    expect(asJson.stdout).toBe(`${JSON.stringify({ items: GRID.slice(0, 2), nextCursor: 'c2' }, null, 2)}\n`);
    expect(api.received[1]?.url).toBe('/admin/jobs?limit=2&cursor=c1');
    expect(paged.stdout).toMatch(/\nMore results: triggerhub jobs list --limit 2 --cursor c2\n$/);
  });

  it('--watch redraws the whole grid on every tick, and a failed redraw does not end it', async () => {
    // Prepare: the second draw fails, the third shows the job running.
    const api = await gridApi([
      (res) => json(res, 200, { items: [GRID[0]] }),
      (res) => json(res, 404, { error: 'not_found', message: 'gone for a moment' }),
      (res) => json(res, 200, { items: [{ ...GRID[0], nextRun: 'running' }] }),
    ]);

    // Act
    const out = await cli(api.origin, [
      'jobs',
      'list',
      '--watch',
      '--watch-interval',
      '10',
      '--watch-count',
      '3',
    ]);

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toBe('error: gone for a moment (still watching)\n');
    const draws = out.stdout.split(CLEAR_SCREEN).slice(1);
    expect(draws).toHaveLength(2);
    expect(draws[0]).toMatch(/\nnightly +every 2 hours .* +in 3 minutes\n/);
    expect(draws[1]).toMatch(/\nnightly +every 2 hours .* +Running\n/);
    expect(draws[1]).toContain('\nUpdated 2026-11-29T10:00:00Z, every 10ms. Ctrl-C to stop.\n');
    // Every job: the watch reads whole pages, following no cursor it was given.
    expect(api.received.map((r) => r.url)).toEqual(Array(3).fill('/admin/jobs?limit=100'));
  });

  it('--watch follows the cursor to show every job', async () => {
    // Prepare
    const api = await serve((req, res) =>
      req.url.includes('cursor=p2')
        ? json(res, 200, { items: [GRID[1]] })
        : json(res, 200, { items: [GRID[0]], nextCursor: 'p2' }),
    );

    // Act
    const out = await cli(api.origin, ['jobs', 'list', '--watch', '--watch-count', '1']);

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/\nnightly .*\nbusy .*\n/);
    expect(out.stdout).not.toContain('More results');
  });

  it('--watch ends cleanly (exit 0) on Ctrl-C, and lets go of SIGINT', async () => {
    // Prepare
    const api = await gridApi([(res) => json(res, 200, { items: GRID })]);
    const before = process.listenerCount('SIGINT');
    let stdout = '';

    // Act: the default period is a minute; only SIGINT ends it within the test's time.
    const done = cli(api.origin, ['jobs', 'list', '--watch'], { stdout: (s) => (stdout += s) });
    await until(() => stdout.includes('Ctrl-C to stop'));
    process.emit('SIGINT');
    const out = await done;

    // Assess
    expect(out.code).toBe(0);
    expect(api.received).toHaveLength(1);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('refuses --watch with --json or --cursor, and fails at once when the first draw fails', async () => {
    // Prepare
    const api = await gridApi([(res) => json(res, 503, { error: 'unavailable', message: 'down' })]);

    // Act
    const withJson = await cli(api.origin, ['--json', 'jobs', 'list', '--watch']);
    const withCursor = await cli(api.origin, ['jobs', 'list', '--watch', '--cursor', 'x']);
    const failing = await runCli(['--endpoint', api.origin, 'jobs', 'list', '--watch'], { now: () => NOW });

    // Assess
    expect(withJson.code).toBe(2);
    expect(withJson.stderr).toContain('--watch draws the grid for people');
    expect(withCursor.code).toBe(2);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('error: down (HTTP 503 unavailable)');
  }, 30_000);
});

/** An admin API for run now, stop and the run `--wait` follows. */
const opsApi = (routes: Record<string, (req: Received, res: ServerResponse, count: number) => void>) => {
  const counts = new Map<string, number>();
  return serve((req, res) => {
    const key = `${req.method} ${req.url.split('?')[0] ?? ''}`;
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    const route = routes[key];
    if (route === undefined) json(res, 404, { error: 'not_found', message: `no route ${key}` });
    else route(req, res, count);
  });
};

const RUN_ID = '01KRUNMANUAL00000000000000';
const finishedRun = (status: string, extra: Record<string, unknown> = {}) => ({
  id: RUN_ID,
  jobId: 'nightly',
  source: 'generic',
  trigger: 'manual',
  mode: 'async',
  status,
  attempt: 1,
  createdAt: '2026-11-29T10:00:00.000Z',
  firedBy: 'manual',
  logs: [{ ts: '2026-11-29T10:00:01.000Z', level: 'INFO', message: 'synced 3 tickets' }],
  ...extra,
});

describe('triggerhub jobs run', () => {
  it('queues a run with --param overrides, JSON values parsed, and prints its id', async () => {
    // Prepare
    const api = await opsApi({
      'POST /admin/jobs/nightly/runs': (_req, res) => json(res, 202, { runId: RUN_ID, status: 'queued' }),
    });

    // Act
    const out = await cli(api.origin, [
      'jobs',
      'run',
      'nightly',
      '--param',
      'since=2026-11-01',
      '--param',
      'limit=5',
      '--param',
      'dryRun=true',
      '--param',
      'token={"secret":"api-token"}',
      '--param',
      'note=a=b',
    ]);
    const plain = await cli(api.origin, ['jobs', 'run', 'nightly']);
    const asJson = await cli(api.origin, ['jobs', 'run', 'nightly', '--json']);

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(`queued  ${RUN_ID}\n`);
    expect(JSON.parse(api.received[0]?.body ?? '')).toEqual({
      params: { since: '2026-11-01', limit: 5, dryRun: true, token: { secret: 'api-token' }, note: 'a=b' },
    });
    expect(api.received[0]?.headers['content-type']).toBe('application/json');
    // Without overrides, no body: the job's own parameters.
    expect(plain.code).toBe(0);
    expect(api.received[1]?.body).toBe('');
    expect(JSON.parse(asJson.stdout)).toEqual({ runId: RUN_ID, status: 'queued' });
  });

  it('--wait follows the run to its end, prints it, and exits 0 only when it succeeded', async () => {
    // Prepare
    const make = (final: string) =>
      opsApi({
        'POST /admin/jobs/nightly/runs': (_req, res) => json(res, 202, { runId: RUN_ID, status: 'queued' }),
        [`GET /admin/runs/${RUN_ID}`]: (_req, res, n) =>
          json(res, 200, n === 1 ? finishedRun('running') : finishedRun(final, { message: `it ${final}` })),
      });
    const ok = await make('succeeded');
    const bad = await make('failed');

    // Act
    const succeeded = await cli(ok.origin, ['jobs', 'run', 'nightly', '--wait']);
    const failed = await cli(bad.origin, ['jobs', 'run', 'nightly', '--wait']);
    const asJson = await cli(ok.origin, ['--json', 'jobs', 'run', 'nightly', '--wait']);

    // Assess
    expect(succeeded.code, succeeded.stderr).toBe(0);
    expect(succeeded.stdout).toMatch(new RegExp(`^queued  ${RUN_ID}\\n\\nRun: +${RUN_ID}\\n`));
    expect(succeeded.stdout).toMatch(/\nStatus: +succeeded\n/);
    expect(succeeded.stdout).toContain('[2026-11-29T10:00:01.000Z] [INFO] – synced 3 tickets\n');
    expect(succeeded.stderr).toBe(`waiting for run ${RUN_ID}…\n`);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/\nStatus: +failed\n/);
    expect(failed.stderr).toContain(`error: run ${RUN_ID} failed`);
    expect(asJson.code).toBe(0);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ runId: RUN_ID, run: { status: 'succeeded' } });
  });

  it.each([
    [404, 'not_found', 'job nope not found'],
    [409, 'job_disabled', 'job nightly is disabled'],
    [400, 'validation_error', 'params.limit: expected a number'],
  ])('shows the API refusal %i %s and exits 1', async (status, error, message) => {
    // Prepare
    const api = await serve((_req, res) => json(res, status, { error, message }));

    // Act
    const out = await cli(api.origin, ['jobs', 'run', 'nightly', '--param', 'limit=x']);

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(`error: ${message} (HTTP ${status} ${error})\n`);
    // A POST is never retried: one run asked for, at most one run made.
    expect(api.received).toHaveLength(1);
  });

  it.each([
    [['--param', 'limit'], /expected name=value/],
    [['--param', '=5'], /expected name=value/],
    [['--param', 'a=1', '--param', 'a=2'], /"a" is given twice/],
  ])('refuses the bad --param %j as a usage error', async (flags, message) => {
    // Prepare
    const api = await serve((_req, res) => json(res, 500, {}));

    // Act
    const out = await cli(api.origin, ['jobs', 'run', 'nightly', ...flags]);

    // Assess
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(api.received).toHaveLength(0);
  });
});

describe('triggerhub jobs stop', () => {
  it('prints what was stopped at once and what is stopping', async () => {
    // Prepare
    const api = await opsApi({
      'POST /admin/jobs/nightly/stop': (_req, res) =>
        json(res, 200, { stopped: ['01KQUEUED'], stopping: ['01KRUNNING1', '01KRUNNING2'] }),
      'POST /admin/jobs/idle/stop': (_req, res) => json(res, 200, { stopped: [], stopping: [] }),
    });

    // Act
    const out = await cli(api.origin, ['jobs', 'stop', 'nightly']);
    const none = await cli(api.origin, ['jobs', 'stop', 'idle']);
    const asJson = await cli(api.origin, ['--json', 'jobs', 'stop', 'idle']);
    const unknown = await cli(api.origin, ['jobs', 'stop', 'nope']);

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe('stopped   01KQUEUED\nstopping  01KRUNNING1\nstopping  01KRUNNING2\n');
    expect(none.stdout).toBe('No open runs of idle.\n');
    expect(JSON.parse(asJson.stdout)).toEqual({ stopped: [], stopping: [] });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: no route POST /admin/jobs/nope/stop (HTTP 404 not_found)\n');
  });
});

describe('triggerhub jobs apply, run from another folder', () => {
  it("reads a relative path in the command's folder, not the process's", async () => {
    // Prepare
    const cwd = await mkdtemp(join(tmpdir(), 'triggerhub-apply-cwd-'));
    const job = { id: 'sync-demo', name: 'Sync', script: { id: 'sync' }, webhook: false };
    await mkdir(join(cwd, 'jobs'));
    await writeFile(join(cwd, 'jobs', 'sync.json'), JSON.stringify(job));
    const api = await serve((req, res) =>
      req.method === 'GET'
        ? json(res, 200, { items: [] })
        : json(res, 201, { ...storedJob('x'), ...job, integration: undefined, auth: undefined }),
    );

    // Act
    const file = await runCli(['--endpoint', api.origin, 'jobs', 'apply', 'jobs/sync.json'], { cwd });
    const folder = await runCli(['--endpoint', api.origin, 'jobs', 'apply', 'jobs'], { cwd });
    await rm(cwd, { recursive: true, force: true });

    // Assess
    expect(file.code, file.stderr).toBe(0);
    expect(file.stdout).toBe('created  sync-demo\n');
    expect(folder.code, folder.stderr).toBe(0);
    expect(api.received.filter((r) => r.method === 'PUT').map((r) => JSON.parse(r.body) as unknown)).toEqual([
      job,
      job,
    ]);
  });
});
