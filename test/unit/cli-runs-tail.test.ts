import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/main.ts';
import { runCli } from '../helpers/cli.ts';
import { json, loopbacksClosedAfterEach } from '../helpers/loopback-http.ts';

const { serve } = loopbacksClosedAfterEach();

const cli = (origin: string, args: string[], io: Partial<CliIo> = {}) =>
  runCli(['--endpoint', origin, ...args], io);

const line = (n: number, message: string, level = 'INFO') => ({
  ts: `2026-11-29T10:00:0${n}.000Z`,
  level,
  message,
});

const run = (id: string, createdAt: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  jobId: 'nightly',
  source: 'generic',
  trigger: 'schedule',
  mode: 'async',
  status,
  attempt: 1,
  createdAt,
  logs: [],
  ...extra,
});

/** Each run's summary for the listing: the run without its log. */
const summary = ({ logs: _logs, ...rest }: ReturnType<typeof run>) => rest;

const OLD = run('01KOLD', '2026-11-29T09:00:00.000Z', 'succeeded', {
  firedBy: 'schedule',
  logs: [line(0, 'old')],
});

/**
 * A job whose history moves on with every listing (a "generation"): R1 is
 * running when the tail starts and prints a line per generation until it
 * succeeds in the third; R2 appears in the third and fails in the fourth.
 */
const story = () => {
  let generation = 0;
  const gets = new Map<string, number>();
  const r1 = (): ReturnType<typeof run> => {
    const base = { firedBy: 'schedule', scheduledFor: '2026-11-29T09:59:00.000Z' };
    if (generation === 1)
      return run('01KR1', '2026-11-29T09:59:00.000Z', 'running', { ...base, logs: [line(1, 'a')] });
    if (generation === 2)
      return run('01KR1', '2026-11-29T09:59:00.000Z', 'running', {
        ...base,
        logs: [line(1, 'a'), line(2, 'b')],
      });
    return run('01KR1', '2026-11-29T09:59:00.000Z', 'succeeded', {
      ...base,
      durationMs: 1200,
      message: 'synced 3 tickets',
      logs: [line(1, 'a'), line(2, 'b'), line(3, 'c', 'LOG')],
    });
  };
  const r2 = (): ReturnType<typeof run> =>
    generation === 3
      ? run('01KR2', '2026-11-29T10:00:30.000Z', 'running', { firedBy: 'manual', logs: [line(4, 'x')] })
      : run('01KR2', '2026-11-29T10:00:30.000Z', 'failed', {
          firedBy: 'manual',
          error: 'boom',
          logs: [line(4, 'x'), line(5, 'y\u001b[31m', 'ERROR')],
        });
  return {
    gets,
    handler: (req: { method: string; url: string }, res: Parameters<typeof json>[0]) => {
      const path = req.url.split('?')[0] ?? '';
      if (path === '/admin/jobs/nightly/runs') {
        generation++;
        const items = generation >= 3 ? [r2(), r1(), OLD] : [r1(), OLD];
        json(res, 200, { items: items.map(summary) });
        return;
      }
      const id = /^\/admin\/runs\/(\w+)$/.exec(path)?.[1] ?? '';
      gets.set(id, (gets.get(id) ?? 0) + 1);
      if (id === '01KR1') json(res, 200, r1());
      else if (id === '01KR2') json(res, 200, r2());
      else json(res, 404, { error: 'not_found', message: `run ${id} not found` });
    },
  };
};

describe('triggerhub runs tail', () => {
  it('prints new runs, their log lines as they come, and how they ended; finished runs are not repeated', async () => {
    // Prepare
    const { handler, gets } = story();
    const server = await serve((req, res) => handler(req, res));

    // Act: the first look, then four polls.
    const out = await cli(server.origin, ['runs', 'tail', 'nightly', '--interval', '10', '--polls', '4']);

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe(
      [
        'run 01KR1 running (fired by schedule, scheduled for 2026-11-29T09:59:00.000Z)',
        '01KR1 [2026-11-29T10:00:01.000Z] [INFO] – a',
        '01KR1 [2026-11-29T10:00:02.000Z] [INFO] – b',
        'run 01KR2 running (fired by manual)',
        '01KR1 [2026-11-29T10:00:03.000Z] [LOG] – c',
        'run 01KR1 succeeded in 1.2s – synced 3 tickets',
        '01KR2 [2026-11-29T10:00:04.000Z] [INFO] – x',
        '01KR2 [2026-11-29T10:00:05.000Z] [ERROR] – y\uFFFD[31m',
        'run 01KR2 failed – boom',
        '',
      ].join('\n'),
    );
    expect(out.stderr).toBe('following the runs of nightly (Ctrl-C to stop)\n');
    // Only open runs are read one by one, and a finished one no longer.
    expect(Object.fromEntries(gets)).toEqual({ '01KR1': 3, '01KR2': 2 });
    // After the first look, each listing asks for the recent runs only (a minute before the newest seen).
    const urls = server.received.filter((r) => r.url.startsWith('/admin/jobs/')).map((r) => r.url);
    expect(urls[0]).toBe('/admin/jobs/nightly/runs?limit=100');
    expect(urls[1]).toBe('/admin/jobs/nightly/runs?limit=100&from=2026-11-29T09%3A58%3A00.000Z');
    expect(urls.at(-1)).toBe('/admin/jobs/nightly/runs?limit=100&from=2026-11-29T09%3A59%3A30.000Z');
  });

  it('keeps following through a failed poll, and stops on Ctrl-C with exit 0', async () => {
    // Prepare: the second listing fails; nothing ends the tail but SIGINT.
    const { handler } = story();
    let listings = 0;
    const server = await serve((req, res) => {
      if (req.url.startsWith('/admin/jobs/') && ++listings === 2) {
        json(res, 404, { error: 'not_found', message: 'gone for a moment' });
        return;
      }
      handler(req, res);
    });
    let stdout = '';
    const before = process.listenerCount('SIGINT');

    // Act
    const done = cli(server.origin, ['runs', 'tail', 'nightly', '--interval', '10'], {
      stdout: (s) => (stdout += s),
    });
    for (let i = 0; i < 500 && !stdout.includes('run 01KR1 succeeded'); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    process.emit('SIGINT');
    const out = await done;

    // Assess
    expect(out.code).toBe(0);
    expect(stdout).toContain('run 01KR1 succeeded in 1.2s – synced 3 tickets\n');
    expect(out.stderr).toContain('error: gone for a moment (still following)\n');
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('fails at once for an unknown job, and refuses --json', async () => {
    // Prepare
    const server = await serve((_req, res) =>
      json(res, 404, { error: 'not_found', message: 'job nope not found' }),
    );

    // Act
    const unknown = await cli(server.origin, ['runs', 'tail', 'nope', '--interval', '10', '--polls', '1']);
    const asJson = await cli(server.origin, ['--json', 'runs', 'tail', 'nope']);

    // Assess
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: job nope not found (HTTP 404 not_found)\n');
    expect(server.received).toHaveLength(1);
    expect(asJson.code).toBe(2);
    expect(asJson.stderr).toContain('runs tail prints for people');
  });
});
