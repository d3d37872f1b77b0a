import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { json, loopbacksClosedAfterEach } from '../helpers/loopback-http.ts';

const { serve } = loopbacksClosedAfterEach();

const cli = (origin: string, args: string[]) => runCli(['--endpoint', origin, ...args]);

const ITEMS = [
  {
    messageId: 'm-1',
    runId: '01KDEAD1',
    jobId: 'nightly',
    status: 'failed',
    error: 'target said 503\nafter 3 attempts',
    sentAt: '2026-11-29T09:00:00.000Z',
    receiveCount: 3,
  },
  { messageId: 'm-2', runId: '01KDEAD2', jobId: 'hook', status: 'timed_out', receiveCount: 4 },
];

describe('triggerhub dlq list', () => {
  it('shows run, job, status, error and when it was sent, filtered by --job', async () => {
    // Prepare
    const server = await serve((req, res) =>
      req.url.includes('jobId=quiet')
        ? json(res, 200, { items: [], count: 0 })
        : json(res, 200, { items: ITEMS, count: 7 }),
    );

    // Act
    const out = await cli(server.origin, ['dlq', 'list', '--limit', '2']);
    const quiet = await cli(server.origin, ['dlq', 'list', '--job', 'quiet']);
    const asJson = await cli(server.origin, ['--json', 'dlq', 'list']);

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(server.received.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /admin/dlq?limit=2',
      'GET /admin/dlq?jobId=quiet',
      'GET /admin/dlq',
    ]);
    expect(out.stdout).toBe(
      [
        'RUN       JOB      STATUS     ERROR                             SENT                      RECEIVED',
        '01KDEAD1  nightly  failed     target said 503 after 3 attempts  2026-11-29T09:00:00.000Z  3×',
        '01KDEAD2  hook     timed_out  -                                 -                         4×',
        '',
        '2 of 7 shown (--limit shows more, up to 100)',
        '',
      ].join('\n'),
    );
    expect(quiet.stdout).toBe('The dead-letter queue is empty for quiet.\n');
    expect(JSON.parse(asJson.stdout)).toEqual({ items: ITEMS, count: 7 });
  });

  it('refuses a --limit above 100, and shows an API refusal', async () => {
    // Prepare
    const server = await serve((_req, res) =>
      json(res, 503, { error: 'service_unavailable', message: 'no dead-letter queue configured' }),
    );

    // Act
    const limit = await cli(server.origin, ['dlq', 'list', '--limit', '101']);
    const refused = await cli(server.origin, ['dlq', 'redrive']);

    // Assess
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit must be between 1 and 100');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: no dead-letter queue configured (HTTP 503 service_unavailable)\n');
    // A redrive is a POST: never retried.
    expect(server.received).toHaveLength(1);
  });
});

describe('triggerhub dlq redrive', () => {
  it('runs the dead-lettered runs again and prints the new runs and what was dropped', async () => {
    // Prepare
    const server = await serve((req, res) =>
      JSON.parse(req.body).jobId === 'nightly'
        ? json(res, 202, { count: 1, runIds: ['01KNEW1'] })
        : json(res, 202, {
            count: 2,
            runIds: ['01KNEW1', '01KNEW2'],
            dropped: 1,
            left: [{ runId: '01KOPEN', jobId: 'off', reason: 'job disabled' }],
            truncated: true,
          }),
    );

    // Act
    const one = await cli(server.origin, ['dlq', 'redrive', '--job', 'nightly']);
    const all = await cli(server.origin, ['dlq', 'redrive']);
    const asJson = await cli(server.origin, ['dlq', 'redrive', '--json']);

    // Assess
    expect(server.received.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      'POST /admin/dlq/redrive {"jobId":"nightly"}',
      'POST /admin/dlq/redrive {}',
      'POST /admin/dlq/redrive {}',
    ]);
    expect(one.stdout).toBe('redriven 1 run, new runs:\n  01KNEW1\n');
    expect(all.stdout).toBe(
      'redriven 2 runs, new runs:\n  01KNEW1\n  01KNEW2\ndropped 1 message that named no run to run again\n' +
        'left in the queue: 01KOPEN (off): job disabled\n',
    );
    expect(all.stderr).toBe('note: more messages than one redrive takes: run it again for the rest\n');
    expect(JSON.parse(asJson.stdout)).toMatchObject({ count: 2, runIds: ['01KNEW1', '01KNEW2'], dropped: 1 });
  });

  it('shows a redrive that stopped at an error: what was done on stdout, the error on stderr, exit 1', async () => {
    // Prepare
    const answer = {
      count: 1,
      runIds: ['01KNEW1'],
      dropped: 1,
      left: [],
      error: 'store unavailable (create run)',
    };
    const server = await serve((_req, res) => json(res, 202, answer));

    // Act
    const out = await cli(server.origin, ['dlq', 'redrive']);
    const asJson = await cli(server.origin, ['dlq', 'redrive', '--json']);

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toBe(
      'redriven 1 run, new runs:\n  01KNEW1\ndropped 1 message that named no run to run again\n',
    );
    expect(out.stderr).toBe(
      'error: the redrive stopped at an error after 1 run and 1 dropped: store unavailable (create run); ' +
        'run it again for the rest\n',
    );
    expect(asJson.code).toBe(1);
    expect(JSON.parse(asJson.stdout)).toEqual(answer);
  });
});
