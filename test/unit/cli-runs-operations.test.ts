import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/main.ts';
import { runCli } from '../helpers/cli.ts';
import type { Received } from '../helpers/loopback-http.ts';
import { json, loopbacksClosedAfterEach } from '../helpers/loopback-http.ts';

const { serve } = loopbacksClosedAfterEach();

const NOW = new Date('2026-11-29T10:00:00.000Z');

const cli = (origin: string, args: string[], io: Partial<CliIo> = {}) =>
  runCli(['--endpoint', origin, ...args], { now: () => NOW, ...io });

const summary = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  jobId: 'nightly',
  source: 'generic',
  trigger: 'schedule',
  mode: 'async',
  status: 'failed',
  attempt: 1,
  createdAt: '2026-11-29T09:00:00.000Z',
  durationMs: 1200,
  firedBy: 'schedule',
  error: 'target said 503',
  ...extra,
});

/** Routes by `METHOD /path`; anything else is a 404 naming the route. */
const api = (routes: Record<string, (req: Received, res: ServerResponse) => void>) =>
  serve((req, res) => {
    const key = `${req.method} ${req.url.split('?')[0] ?? ''}`;
    const route = routes[key];
    if (route === undefined) json(res, 404, { error: 'not_found', message: `no route ${key}` });
    else route(req, res);
  });

const query = (r: Received | undefined): Record<string, string> =>
  Object.fromEntries(new URL(r?.url ?? '/', 'http://x').searchParams);

describe('triggerhub runs list (filters)', () => {
  it('sends the filters, --since/--until as instants, and repeats them in the next-page hint', async () => {
    // Prepare
    const server = await api({
      'GET /admin/jobs/nightly/runs': (_req, res) =>
        json(res, 200, {
          items: [summary('01KA'), summary('01KB', { firedBy: undefined })],
          nextCursor: 'n2',
        }),
    });

    // Act
    const out = await cli(server.origin, [
      'runs',
      'list',
      'nightly',
      '--status',
      'failed',
      '--fired-by',
      'schedule',
      '--since',
      '2h',
      '--until',
      '30m',
      '--limit',
      '5',
    ]);
    const iso = await cli(server.origin, [
      'runs',
      'list',
      'nightly',
      '--since',
      '2026-11-28T10:00',
      '--until',
      '1w',
    ]);

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(query(server.received[0])).toEqual({
      status: 'failed',
      firedBy: 'schedule',
      from: '2026-11-29T08:00:00.000Z',
      to: '2026-11-29T09:30:00.000Z',
      limit: '5',
    });
    expect(out.stdout).toBe(
      [
        'RUN   STATUS  FIRED BY  TRIGGER   ATTEMPT  CREATED                   DURATION  MESSAGE',
        '01KA  failed  schedule  schedule  1        2026-11-29T09:00:00.000Z  1.2s      target said 503',
        // Recorded before firedBy existed: a webhook's.
        '01KB  failed  webhook   schedule  1        2026-11-29T09:00:00.000Z  1.2s      target said 503',
        '',
        'More results: triggerhub runs list nightly --status failed --fired-by schedule ' +
          '--since 2026-11-29T08:00:00.000Z --until 2026-11-29T09:30:00.000Z --limit 5 --cursor n2',
        '',
      ].join('\n'),
    );
    // An ISO time without an offset is UTC, like the times the CLI prints.
    expect(iso.code).toBe(2);
    expect(iso.stderr).toContain(
      '--since (2026-11-28T10:00:00.000Z) is after --until (2026-11-22T10:00:00.000Z)',
    );
  });

  it('adds a VERDICT column when a listed run is a decision, so a deny never looks like a success', async () => {
    // Prepare
    const server = await api({
      'GET /admin/jobs/gate/runs': (_req, res) =>
        json(res, 200, {
          items: [
            summary('01KD', {
              status: 'succeeded',
              firedBy: 'webhook',
              mode: 'decision',
              trigger: 'before-publish',
              verdict: { allow: false, message: 'rule 7 violates policy' },
              error: undefined,
              message: 'denied',
            }),
            summary('01KC', {
              status: 'failed',
              firedBy: 'webhook',
              mode: 'decision',
              trigger: 'before-publish',
              verdict: { allow: true, message: 'fallback', fallback: true },
            }),
            summary('01KE', {
              status: 'succeeded',
              firedBy: 'webhook',
              mode: 'decision',
              trigger: 'before-publish',
              verdict: { allow: true, message: 'ok' },
              error: undefined,
              message: 'allowed',
            }),
          ],
        }),
      'GET /admin/jobs/nightly/runs': (_req, res) => json(res, 200, { items: [summary('01KA')] }),
    });

    // Act
    const gate = await cli(server.origin, ['runs', 'list', 'gate']);
    const plain = await cli(server.origin, ['runs', 'list', 'nightly']);

    // Assess
    expect(gate.stdout.split('\n').slice(0, 4)).toEqual(
      [
        'RUN   STATUS     FIRED BY  TRIGGER         ATTEMPT  CREATED                   DURATION  VERDICT          MESSAGE',
        '01KD  succeeded  webhook   before-publish  1        2026-11-29T09:00:00.000Z  1.2s      deny             denied',
        '01KC  failed     webhook   before-publish  1        2026-11-29T09:00:00.000Z  1.2s      allow (onError)  target said 503',
        '01KE  succeeded  webhook   before-publish  1        2026-11-29T09:00:00.000Z  1.2s      allow            allowed',
      ].map((l) => l),
    );
    expect(plain.stdout).not.toContain('VERDICT');
  });

  it('adds a SCHEDULED FOR column when a listed run is a scheduled occurrence (skipped ones of a catch-up share their creation time)', async () => {
    // Prepare
    const server = await api({
      'GET /admin/jobs/tick/runs': (_req, res) =>
        json(res, 200, {
          items: [
            summary('01KG', {
              status: 'skipped',
              firedBy: 'schedule',
              scheduledFor: '2026-11-29T08:59:00.000Z',
              error: undefined,
              message: 'missed (catch-up latest)',
            }),
            summary('01KF', { status: 'succeeded', firedBy: 'manual', error: undefined, message: 'ok' }),
          ],
        }),
    });

    // Act
    const out = await cli(server.origin, ['runs', 'list', 'tick']);

    // Assess
    const lines = out.stdout.split('\n');
    expect(lines[0]).toContain('CREATED                   SCHEDULED FOR             DURATION');
    expect(lines[1]).toContain('2026-11-29T09:00:00.000Z  2026-11-29T08:59:00.000Z');
    expect(lines[2]).toMatch(/2026-11-29T09:00:00\.000Z {2}-\s+1\.2s/);
  });

  it('refuses a bad filter as a usage error, and shows the API refusal of one', async () => {
    // Prepare
    const server = await api({
      'GET /admin/jobs/nightly/runs': (_req, res) =>
        json(res, 400, { error: 'validation_error', message: 'from: not an ISO time' }),
    });

    // Act
    const status = await cli(server.origin, ['runs', 'list', 'nightly', '--status', 'broken']);
    const firedBy = await cli(server.origin, ['runs', 'list', 'nightly', '--fired-by', 'cron']);
    const since = await cli(server.origin, ['runs', 'list', 'nightly', '--since', 'yesterday']);
    const refused = await cli(server.origin, ['runs', 'list', 'nightly', '--since', '1d']);

    // Assess
    expect([status.code, firedBy.code, since.code]).toEqual([2, 2, 2]);
    expect(status.stderr).toMatch(
      /argument 'broken' is invalid. Allowed choices are queued, running, succeeded/,
    );
    expect(since.stderr).toContain(
      '--since takes a duration before now (30m, 2h, 1d, 1w) or an ISO date or time',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: from: not an ISO time (HTTP 400 validation_error)\n');
    expect(server.received).toHaveLength(1);
  });
});

describe('triggerhub runs stop', () => {
  it('says whether the run was stopped or is stopping, and shows 404 and 409 run_finished', async () => {
    // Prepare
    const server = await api({
      'POST /admin/runs/01KQ/stop': (_req, res) => json(res, 200, { runId: '01KQ', status: 'stopped' }),
      'POST /admin/runs/01KR/stop': (_req, res) => json(res, 200, { runId: '01KR', status: 'stopping' }),
      'POST /admin/runs/01KF/stop': (_req, res) =>
        json(res, 409, { error: 'run_finished', message: 'run 01KF has already finished (succeeded)' }),
    });

    // Act
    const queued = await cli(server.origin, ['runs', 'stop', '01KQ']);
    const running = await cli(server.origin, ['runs', 'stop', '01KR']);
    const asJson = await cli(server.origin, ['runs', 'stop', '01KR', '--json']);
    const finished = await cli(server.origin, ['runs', 'stop', '01KF']);
    const unknown = await cli(server.origin, ['runs', 'stop', '01KX']);

    // Assess
    expect(queued).toMatchObject({ code: 0, stdout: 'stopped   01KQ\n' });
    expect(running).toMatchObject({
      code: 0,
      stdout: 'stopping  01KR  (it ends at its next heartbeat, within seconds)\n',
    });
    expect(JSON.parse(asJson.stdout)).toEqual({ runId: '01KR', status: 'stopping' });
    expect(finished.code).toBe(1);
    expect(finished.stderr).toBe(
      'error: run 01KF has already finished (succeeded) (HTTP 409 run_finished)\n',
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('(HTTP 404 not_found)');
  });
});

describe('triggerhub runs replay', () => {
  it('replays one run and prints the new run id', async () => {
    // Prepare
    const server = await api({
      'POST /admin/runs/01KOLD/replay': (_req, res) =>
        json(res, 202, { runId: '01KNEW', replayOf: '01KOLD' }),
      'POST /admin/runs/01KOPEN/replay': (_req, res) =>
        json(res, 409, { error: 'run_open', message: 'run 01KOPEN is still running' }),
    });

    // Act
    const out = await cli(server.origin, ['runs', 'replay', '01KOLD']);
    const asJson = await cli(server.origin, ['--json', 'runs', 'replay', '01KOLD']);
    const open = await cli(server.origin, ['runs', 'replay', '01KOPEN']);
    const unknown = await cli(server.origin, ['runs', 'replay', '01KNONE']);

    // Assess
    expect(out).toMatchObject({ code: 0, stdout: 'queued  01KNEW  (replay of 01KOLD)\n' });
    expect(JSON.parse(asJson.stdout)).toEqual({ runId: '01KNEW', replayOf: '01KOLD' });
    expect(open.code).toBe(1);
    expect(open.stderr).toBe('error: run 01KOPEN is still running (HTTP 409 run_open)\n');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('(HTTP 404 not_found)');
  });

  it('--wait follows the new run to its end, as jobs run --wait does, and exits 0 only when it succeeded', async () => {
    // Prepare: the replay of 01KOLD is 01KNEW (it succeeds), of 01KBAD is 01KNEWBAD (it fails)
    const replayed = (id: string, status: string) => ({
      ...summary(id, { status, trigger: 'replay', firedBy: 'replay', replayOf: '01KOLD' }),
      logs: [{ ts: '2026-11-29T10:00:01.000Z', level: 'INFO', message: 'synced 3 tickets' }],
    });
    let polls = 0;
    const server = await api({
      'POST /admin/runs/01KOLD/replay': (_req, res) =>
        json(res, 202, { runId: '01KNEW', replayOf: '01KOLD' }),
      'POST /admin/runs/01KBAD/replay': (_req, res) =>
        json(res, 202, { runId: '01KNEWBAD', replayOf: '01KBAD' }),
      'GET /admin/runs/01KNEW': (_req, res) =>
        json(res, 200, replayed('01KNEW', ++polls === 1 ? 'running' : 'succeeded')),
      'GET /admin/runs/01KNEWBAD': (_req, res) => json(res, 200, replayed('01KNEWBAD', 'failed')),
    });

    // Act
    const succeeded = await cli(server.origin, ['runs', 'replay', '01KOLD', '--wait']);
    const failed = await cli(server.origin, ['runs', 'replay', '01KBAD', '--wait']);
    const asJson = await cli(server.origin, ['--json', 'runs', 'replay', '01KOLD', '--wait']);
    const bulk = await cli(server.origin, ['runs', 'replay', '--job', 'nightly', '--wait']);

    // Assess
    expect(succeeded.code, succeeded.stderr).toBe(0);
    expect(succeeded.stdout).toMatch(/^queued {2}01KNEW {2}\(replay of 01KOLD\)\n\nRun: +01KNEW\n/);
    expect(succeeded.stdout).toMatch(/\nStatus: +succeeded\n/);
    expect(succeeded.stdout).toContain('synced 3 tickets');
    expect(succeeded.stderr).toBe('waiting for run 01KNEW…\n');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/\nStatus: +failed\n/);
    expect(failed.stderr).toContain('error: run 01KNEWBAD failed');
    expect(asJson.code).toBe(0);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      runId: '01KNEW',
      replayOf: '01KOLD',
      run: { status: 'succeeded' },
    });
    expect(bulk.code).toBe(2);
    expect(bulk.stderr).toContain('--wait follows one run');
  });

  it('replays in bulk with the filters as POST /admin/replays, and says what a dry run would do', async () => {
    // Prepare
    const server = await api({
      'POST /admin/replays': (req, res) => {
        const body = JSON.parse(req.body) as { dryRun?: boolean };
        json(
          res,
          body.dryRun ? 200 : 202,
          body.dryRun
            ? { count: 2, runIds: ['01KOLD1', '01KOLD2'] }
            : { count: 2, runIds: ['01KNEW1', '01KNEW2'] },
        );
      },
    });

    // Act
    const dry = await cli(server.origin, [
      'runs',
      'replay',
      '--job',
      'nightly',
      '--status',
      'failed',
      '--since',
      '2h',
      '--error-contains',
      '503',
      '--dry-run',
    ]);
    const real = await cli(server.origin, [
      'runs',
      'replay',
      '--job',
      'nightly',
      '--status',
      'failed',
      '--since',
      '2h',
    ]);

    // Assess
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(server.received[0]?.body ?? '')).toEqual({
      jobId: 'nightly',
      status: 'failed',
      from: '2026-11-29T08:00:00.000Z',
      errorContains: '503',
      dryRun: true,
    });
    expect(dry.stdout).toBe('would replay 2 runs:\n  01KOLD1\n  01KOLD2\n');
    expect(JSON.parse(server.received[1]?.body ?? '')).toEqual({
      jobId: 'nightly',
      status: 'failed',
      from: '2026-11-29T08:00:00.000Z',
    });
    expect(real.stdout).toBe('replaying 2 runs (10 a second), new runs:\n  01KNEW1\n  01KNEW2\n');
  });

  it('says when more runs matched than one call replays, and when none did', async () => {
    // Prepare
    const ids = Array.from({ length: 1000 }, (_, i) => `01KNEW${String(i).padStart(4, '0')}`);
    const server = await api({
      'POST /admin/replays': (req, res) =>
        JSON.parse(req.body).jobId === 'quiet'
          ? json(res, 202, { count: 0, runIds: [] })
          : json(res, 202, { count: 1000, runIds: ids, truncated: true }),
    });

    // Act
    const many = await cli(server.origin, ['runs', 'replay', '--status', 'failed']);
    const none = await cli(server.origin, ['runs', 'replay', '--job', 'quiet']);

    // Assess
    expect(many.code).toBe(0);
    expect(many.stdout.split('\n')).toHaveLength(1002);
    expect(many.stderr).toContain('note: more runs matched than one call replays (1,000)');
    // Without --job: every job.
    expect(JSON.parse(server.received[0]?.body ?? '')).toEqual({ status: 'failed' });
    expect(none.stdout).toBe('replaying 0 runs\n');
  });

  it('shows a replay that stopped at an error: the new runs on stdout, the error on stderr, exit 1', async () => {
    // Prepare
    const answer = { count: 2, runIds: ['01KNEW1', '01KNEW2'], error: 'store unavailable (create run)' };
    const server = await api({ 'POST /admin/replays': (_req, res) => json(res, 202, answer) });

    // Act
    const out = await cli(server.origin, ['runs', 'replay', '--job', 'nightly', '--status', 'failed']);
    const asJson = await cli(server.origin, ['--json', 'runs', 'replay', '--job', 'nightly']);

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('replaying 2 runs (10 a second), new runs:\n  01KNEW1\n  01KNEW2\n');
    expect(out.stderr).toBe(
      'error: the replay stopped at an error after 2 runs: store unavailable (create run); ' +
        'the same filter again would replay those again too: narrow it to the runs not replayed\n',
    );
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toEqual(answer);
    expect(asJson.stderr).toContain('error: the replay stopped at an error after 2 runs');
  });

  it.each([
    [[], /give the run to replay, or filters for a bulk replay/],
    [
      ['--since', '2h'],
      /a bulk replay must name a jobId or a status \(or both\): --job <id>, --status <status>/,
    ],
    [['--error-contains', 'timeout', '--dry-run'], /a bulk replay must name a jobId or a status/],
    [['01KOLD', '--job', 'nightly'], /give a run id, or filters .* not both/],
    [['01KOLD', '--dry-run'], /give a run id, or filters .* not both/],
    [['--status', 'skipped'], /argument 'skipped' is invalid/],
    [['--status', 'running'], /argument 'running' is invalid/],
  ])('refuses %j as a usage error, sending nothing', async (args, message) => {
    // Prepare
    const server = await api({});

    // Act
    const out = await cli(server.origin, ['runs', 'replay', ...args]);

    // Assess
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(server.received).toHaveLength(0);
  });
});
