import { mkdtempSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CliIo } from '../../cli/main.ts';
import { runCli } from '../helpers/cli.ts';

const { runLocal } = vi.hoisted(() => ({ runLocal: vi.fn((_opts: unknown) => Promise.resolve()) }));
vi.mock('../../cli/local/start.ts', () => ({ runLocal }));

// ── a fake admin API, as documented ─────────────────────────────────────────

const makeJob = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `Job ${id}`,
  description: '',
  enabled: true,
  integration: 'echo',
  params: {},
  source: 'generic',
  auth: { type: 'shared-secret', secret: id, header: 'X-Shared-Secret' },
  mode: 'async',
  onError: 'deny',
  maxBodyBytes: 1048576,
  dedupeWindowSeconds: 600,
  ...extra,
});

const run1 = {
  id: '01JRUNAAAA',
  jobId: 'alpha',
  source: 'generic',
  trigger: 'webhook',
  mode: 'async',
  status: 'succeeded',
  attempt: 1,
  createdAt: '2026-11-22T10:00:00.000Z',
  startedAt: '2026-11-22T10:00:00.100Z',
  endedAt: '2026-11-22T10:00:01.300Z',
  durationMs: 1200,
  message: 'posted to Slack',
  logs: [{ ts: '2026-11-22T10:00:00.200Z', level: 'INFO', message: 'posting' }],
};

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const notFound = (message: string) => json(404, { error: 'not_found', message });

interface FakeApi {
  jobs: Map<string, Record<string, unknown>>;
  requests: { method: string; path: string; search: string; body: string }[];
  fetch: typeof fetch;
}

const fakeAdminApi = (initial: Record<string, unknown>[] = []): FakeApi => {
  const jobs = new Map(initial.map((j) => [String(j.id), j]));
  const requests: FakeApi['requests'] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    const body = await req.text();
    requests.push({ method: req.method, path: url.pathname, search: url.search, body });
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== 'admin') return notFound('no route');
    if (parts[1] === 'jobs' && parts.length === 2 && req.method === 'GET') {
      const all = [...jobs.values()];
      const limit = Number(url.searchParams.get('limit') ?? '100');
      const start = Number(url.searchParams.get('cursor') ?? '0');
      const items = all.slice(start, start + limit);
      return json(200, start + limit < all.length ? { items, nextCursor: String(start + limit) } : { items });
    }
    if (parts[1] === 'jobs' && parts.length === 3) {
      const id = parts[2] ?? '';
      if (req.method === 'GET')
        return jobs.has(id) ? json(200, jobs.get(id)) : notFound(`job ${id} not found`);
      if (req.method === 'DELETE')
        return jobs.delete(id) ? new Response(null, { status: 204 }) : notFound(`job ${id} not found`);
      if (req.method === 'PUT') {
        const job = JSON.parse(body) as Record<string, unknown>;
        if (job.name === 'Rejected') {
          return json(400, { error: 'invalid_job', message: 'the server says no' });
        }
        const created = !jobs.has(id);
        const stored = { ...makeJob(id), ...job, id };
        jobs.set(id, stored);
        return json(created ? 201 : 200, stored);
      }
    }
    if (parts[1] === 'jobs' && parts[3] === 'runs') {
      if (!jobs.has(parts[2] ?? '')) return notFound(`job ${parts[2]} not found`);
      const { logs: _logs, ...summary } = run1;
      return json(200, {
        items: [
          summary,
          {
            ...summary,
            id: '01JRUNBBBB',
            status: 'failed',
            message: undefined,
            error: 'boom\nline 2',
            durationMs: 65_000,
          },
        ],
        nextCursor: 'eyJrIjoxfQ==',
      });
    }
    if (parts[1] === 'runs' && parts.length === 3) {
      return parts[2] === run1.id ? json(200, run1) : notFound(`run ${parts[2]} not found`);
    }
    if (parts[1] === 'integrations') {
      return json(200, {
        items: [
          {
            id: 'echo',
            name: 'Echo',
            version: '1.0.0',
            description: 'Logs the event.',
            parameters: {},
            entryPoints: ['run', 'decide'],
          },
          {
            id: 'notify',
            name: 'Notify',
            version: '1.0.0',
            description: 'Posts to a chat.',
            parameters: {
              channel: { type: 'text', mandatory: true },
              token: { type: 'password', mandatory: true },
            },
            entryPoints: ['run'],
          },
        ],
      });
    }
    return notFound('no route');
  };
  return { jobs, requests, fetch };
};

/** An empty project folder: no `.triggerhub` with a recorded endpoint or secrets to find. */
const emptyCwd = mkdtempSync(join(tmpdir(), 'triggerhub-cli-cwd-'));

/** Runs the CLI in-process and captures what it prints. */
const cli = async (args: string[], io: Partial<CliIo> = {}) => {
  const result = await runCli(args, {
    env: {},
    cwd: emptyCwd,
    ...io,
  });
  return result;
};

// ── tests ────────────────────────────────────────────────────────────────────

describe('triggerhub jobs', () => {
  it('lists jobs as an aligned table with the next-page hint', async () => {
    // Prepare
    const api = fakeAdminApi([
      makeJob('alpha'),
      makeJob('beta-long-id', { mode: 'decision', enabled: false }),
      makeJob('gamma'),
    ]);

    // Act
    const out = await cli(['jobs', 'list', '--limit', '2'], { fetch: api.fetch });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe(
      [
        'Job           Schedule  Last run  Next run',
        'alpha         -         -         -',
        'beta-long-id  -         -         -',
        '',
        'More results: triggerhub jobs list --limit 2 --cursor 2',
        '',
      ].join('\n'),
    );
    expect(api.requests[0]).toMatchObject({ method: 'GET', path: '/admin/jobs', search: '?limit=2' });
  });

  it('follows --cursor and says when there is nothing', async () => {
    // Prepare
    const api = fakeAdminApi([makeJob('alpha')]);
    const empty = fakeAdminApi();

    // Act
    const next = await cli(['jobs', 'list', '--cursor', '1'], { fetch: api.fetch });
    const none = await cli(['jobs', 'list'], { fetch: empty.fetch });

    // Assess
    expect(api.requests[0]?.search).toBe('?cursor=1');
    expect(next.stdout).toBe('No jobs.\n');
    expect(none.stdout).toBe('No jobs.\n');
  });

  it('prints the API JSON with --json', async () => {
    // Prepare
    const api = fakeAdminApi([makeJob('alpha')]);

    // Act
    const out = await cli(['--json', 'jobs', 'list'], { fetch: api.fetch });
    const one = await cli(['jobs', 'get', 'alpha', '--json'], { fetch: api.fetch });

    // Assess
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ items: [makeJob('alpha')] });
    expect(out.stdout).toBe(`${JSON.stringify({ items: [makeJob('alpha')] }, null, 2)}\n`);
    expect(JSON.parse(one.stdout)).toEqual(makeJob('alpha'));
  });

  it('shows one job as fields with its params', async () => {
    // Prepare
    const api = fakeAdminApi([makeJob('alpha', { params: { channel: '#ops', token: { secret: 'slack' } } })]);

    // Act
    const out = await cli(['jobs', 'get', 'alpha'], { fetch: api.fetch });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('ID:             alpha\n');
    expect(out.stdout).toContain('Auth:           shared secret alpha in X-Shared-Secret\n');
    expect(out.stdout).toContain(
      'Params:\n  {\n    "channel": "#ops",\n    "token": {\n      "secret": "slack"\n    }\n  }\n',
    );
  });

  it('reports a missing job on stderr with exit code 1 and no stack trace', async () => {
    // Prepare
    const api = fakeAdminApi();

    // Act
    const out = await cli(['jobs', 'get', 'nope'], { fetch: api.fetch });

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe('error: job nope not found (HTTP 404 not_found)\n');
  });

  it('adds the stack trace when TRIGGERHUB_DEBUG=1', async () => {
    // Prepare
    const api = fakeAdminApi();

    // Act
    const out = await cli(['jobs', 'get', 'nope'], { fetch: api.fetch, env: { TRIGGERHUB_DEBUG: '1' } });

    // Assess
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /^error: job nope not found \(HTTP 404 not_found\)\nAdminApiError: job nope not found\n\s+at /,
    );
  });

  it('deletes a job', async () => {
    // Prepare
    const api = fakeAdminApi([makeJob('alpha')]);

    // Act
    const out = await cli(['jobs', 'delete', 'alpha'], { fetch: api.fetch });
    const again = await cli(['jobs', 'delete', 'alpha', '--json'], { fetch: api.fetch });

    // Assess
    expect(out).toEqual({ code: 0, stdout: 'deleted  alpha\n', stderr: '' });
    expect(api.jobs.has('alpha')).toBe(false);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('job alpha not found');
  });
});

describe('triggerhub jobs apply', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'triggerhub-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const input = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    name: `Job ${id}`,
    integration: 'echo',
    auth: { secret: id },
    ...extra,
  });

  /** Secrets the local stack would find (the CLI's env stands for its store here). */
  const secretsEnv = {
    TRIGGERHUB_SECRET_ALPHA: 'a',
    TRIGGERHUB_SECRET_BETA: 'b',
    TRIGGERHUB_SECRET_ONE: '1',
    TRIGGERHUB_SECRET_TWO: '2',
  };

  it('applies a file with one job and says it was created', async () => {
    // Prepare
    const api = fakeAdminApi();
    const file = join(dir, 'job.json');
    await writeFile(file, JSON.stringify(input('alpha')));

    // Act
    const out = await cli(['jobs', 'apply', '-f', file], { fetch: api.fetch, env: secretsEnv });
    const positional = await cli(['jobs', 'apply', file], { fetch: api.fetch, env: secretsEnv });

    // Assess
    expect(out).toEqual({ code: 0, stdout: 'created  alpha\n', stderr: '' });
    expect(positional).toEqual({ code: 0, stdout: 'updated  alpha\n', stderr: '' });
    const puts = api.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(2);
    expect(puts[0]).toMatchObject({ method: 'PUT', path: '/admin/jobs/alpha' });
    // What the operator wrote is sent, defaults are the server's business.
    expect(JSON.parse(puts[0]?.body ?? '')).toEqual(input('alpha'));
  });

  it('applies every *.json of a folder, in name order', async () => {
    // Prepare
    const api = fakeAdminApi();
    const folder = join(dir, 'jobs');
    await mkdir(folder);
    await writeFile(join(folder, 'b.json'), JSON.stringify(input('beta')));
    await writeFile(join(folder, 'a.json'), JSON.stringify([input('alpha'), input('one')]));
    await writeFile(join(folder, 'notes.txt'), 'not a job');

    // Act
    const out = await cli(['jobs', 'apply', folder], { fetch: api.fetch, env: secretsEnv });

    // Assess
    expect(out).toEqual({ code: 0, stdout: 'created  alpha\ncreated  one\ncreated  beta\n', stderr: '' });
  });

  it("checks parameters against the server's manifests and sends nothing when one is wrong", async () => {
    // Prepare
    const api = fakeAdminApi();
    const file = join(dir, 'jobs.json');
    await writeFile(
      file,
      JSON.stringify([
        input('one'),
        input('two', { integration: 'notify', params: { channel: '#ops', token: 'plain-value' } }),
        input('three', { integration: 'missing' }),
        input('four', {
          integration: 'notify',
          mode: 'decision',
          params: { channel: '#ops', token: { secret: 't' } },
        }),
      ]),
    );

    // Act
    const out = await cli(['jobs', 'apply', file], { fetch: api.fetch, env: secretsEnv });

    // Assess
    expect(out.code).toBe(1);
    expect(api.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
    expect(out.stderr).toContain(
      `${file}[1]: params: parameter "token" is a password: give { "secret": "<name>" }, not the value`,
    );
    expect(out.stderr).toContain(
      `${file}[2]: integration: unknown integration "missing" (known: echo, notify)`,
    );
    expect(out.stderr).toContain(`${file}[3]: mode: integration "notify" cannot decide`);
    expect(out.stderr).toContain('nothing applied');
  });

  it('warns, without failing, about each secret a job needs that does not exist', async () => {
    // Prepare
    const api = fakeAdminApi();
    const file = join(dir, 'jobs.json');
    await writeFile(
      file,
      JSON.stringify([
        input('alpha'),
        input('gamma', {
          integration: 'notify',
          params: { channel: '#ops', token: { secret: 'chat/token' } },
        }),
      ]),
    );

    // Act
    const out = await cli(['jobs', 'apply', file], {
      fetch: api.fetch,
      env: { TRIGGERHUB_SECRET_ALPHA: 'a' },
    });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toBe('created  alpha\ncreated  gamma\n');
    expect(out.stderr).toBe(
      `warning: job gamma: secret "gamma" does not exist (${join('.triggerhub', 'secrets', 'gamma')}); ` +
        'create it with: triggerhub secrets set gamma\n' +
        `warning: job gamma: secret "chat/token" does not exist (${join('.triggerhub', 'secrets', 'chat%2Ftoken')}); ` +
        'create it with: triggerhub secrets set chat/token\n',
    );
  });

  it('applies an array, telling created from updated, and prints the jobs with --json', async () => {
    // Prepare
    const api = fakeAdminApi([makeJob('beta')]);
    const file = join(dir, 'jobs.json');
    await writeFile(file, JSON.stringify([input('alpha'), input('beta', { name: 'Beta v2' })]));

    // Act
    const out = await cli(['jobs', 'apply', '--file', file], { fetch: api.fetch, env: secretsEnv });
    const asJson = await cli(['--json', 'jobs', 'apply', '--file', file], {
      fetch: api.fetch,
      env: secretsEnv,
    });

    // Assess
    expect(out.stdout).toBe('created  alpha\nupdated  beta\n');
    expect(api.jobs.get('beta')?.name).toBe('Beta v2');
    const printed = JSON.parse(asJson.stdout) as { id: string }[];
    expect(printed.map((j) => j.id)).toEqual(['alpha', 'beta']);
  });

  it('reads the jobs from stdin with -f -', async () => {
    // Prepare
    const api = fakeAdminApi();

    // Act
    const out = await cli(['jobs', 'apply', '-f', '-'], {
      fetch: api.fetch,
      env: secretsEnv,
      readStdin: () => Promise.resolve(JSON.stringify([input('from-stdin')])),
    });

    // Assess
    expect(out.stdout).toBe('created  from-stdin\n');
    expect(api.jobs.has('from-stdin')).toBe(true);
  });

  it('checks every job before sending any', async () => {
    // Prepare
    const api = fakeAdminApi();
    const file = join(dir, 'jobs.json');
    await writeFile(file, JSON.stringify([input('alpha'), { ...input('Bad Id') }, input('alpha')]));

    // Act
    const out = await cli(['jobs', 'apply', '-f', file], { fetch: api.fetch });

    // Assess
    expect(out.code).toBe(1);
    expect(api.requests).toHaveLength(0);
    expect(out.stderr).toContain(`${file}[1]: id: job id: lower-case letters`);
    expect(out.stderr).toContain(`${file}[2]: job "alpha" appears twice`);
  });

  it('reports a job the server rejects, applies the others, and exits 1', async () => {
    // Prepare
    const api = fakeAdminApi();
    const file = join(dir, 'jobs.json');
    await writeFile(file, JSON.stringify([input('one', { name: 'Rejected' }), input('two')]));

    // Act
    const out = await cli(['jobs', 'apply', '-f', file], { fetch: api.fetch, env: secretsEnv });

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('created  two\n');
    expect(out.stderr).toBe(
      'error: one: the server says no (HTTP 400 invalid_job)\n' + 'error: 1 of 2 jobs not applied: one\n',
    );
  });

  it('says so when the file is missing or not JSON', async () => {
    // Prepare
    const api = fakeAdminApi();
    const file = join(dir, 'broken.json');
    await writeFile(file, '{ "id": ');

    // Act
    const missing = await cli(['jobs', 'apply', '-f', join(dir, 'nope.json')], { fetch: api.fetch });
    const broken = await cli(['jobs', 'apply', '-f', file], { fetch: api.fetch });

    // Assess
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: cannot read ${join(dir, 'nope.json')}: no such file\n`);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^error: invalid job definition:\n {2}.*broken\.json: not valid JSON/);
  });
});

describe('triggerhub runs', () => {
  it('lists the runs of a job as a table, one line each, with the cursor hint', async () => {
    // Prepare
    const api = fakeAdminApi([makeJob('alpha')]);

    // Act
    const out = await cli(['runs', 'list', 'alpha', '--limit', '2'], { fetch: api.fetch });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      [
        'RUN         STATUS     FIRED BY  TRIGGER  ATTEMPT  CREATED                   DURATION  MESSAGE',
        '01JRUNAAAA  succeeded  webhook   webhook  1        2026-11-22T10:00:00.000Z  1.2s      posted to Slack',
        '01JRUNBBBB  failed     webhook   webhook  1        2026-11-22T10:00:00.000Z  1m 05s    boom line 2',
        '',
        'More results: triggerhub runs list alpha --limit 2 --cursor eyJrIjoxfQ==',
        '',
      ].join('\n'),
    );
    expect(api.requests[0]).toMatchObject({ path: '/admin/jobs/alpha/runs', search: '?limit=2' });
  });

  it('shows a run with its header block and log lines', async () => {
    // Prepare
    const api = fakeAdminApi();

    // Act
    const out = await cli(['runs', 'show', '01JRUNAAAA'], { fetch: api.fetch });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      [
        'Run:       01JRUNAAAA',
        'Job:       alpha',
        'Status:    succeeded',
        'Attempt:   1',
        'Trigger:   webhook (generic, async)',
        'Created:   2026-11-22T10:00:00.000Z',
        'Started:   2026-11-22T10:00:00.100Z',
        'Ended:     2026-11-22T10:00:01.300Z',
        'Duration:  1.2s',
        'Message:   posted to Slack',
        '',
        'Log:',
        '[2026-11-22T10:00:00.200Z] [INFO] – posting',
        '',
      ].join('\n'),
    );
  });

  it('prints the run JSON with --json', async () => {
    // Prepare
    const api = fakeAdminApi();

    // Act
    const out = await cli(['runs', 'show', '01JRUNAAAA', '--json'], { fetch: api.fetch });

    // Assess
    expect(JSON.parse(out.stdout)).toEqual(run1);
  });
});

describe('triggerhub integrations list', () => {
  it('lists the integrations as a table, with their parameters (* = mandatory)', async () => {
    // Prepare
    const api = fakeAdminApi();

    // Act
    const out = await cli(['integrations', 'list'], { fetch: api.fetch });

    // Assess
    expect(out.stdout).toBe(
      'ID      NAME    VERSION  ENTRY POINTS  PARAMETERS                      DESCRIPTION\n' +
        'echo    Echo    1.0.0    run, decide   -                               Logs the event.\n' +
        'notify  Notify  1.0.0    run           channel*:text, token*:password  Posts to a chat.\n',
    );
  });
});

describe('endpoint and errors', () => {
  it('uses TRIGGERHUB_ENDPOINT, and --endpoint over it', async () => {
    // Prepare
    const urls: string[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      urls.push(new Request(input, init).url);
      return Promise.resolve(json(200, { items: [] }));
    };
    // Not signed: this test is about the endpoint (signing is tested in cli-sigv4.test.ts).
    const env = { TRIGGERHUB_ENDPOINT: 'https://api.example.com/prod', TRIGGERHUB_SIGV4: 'never' };

    // Act
    await cli(['jobs', 'list'], { fetch, env });
    await cli(['--endpoint', 'http://127.0.0.1:4000', 'jobs', 'list'], { fetch, env });
    await cli(['jobs', 'list'], { fetch });

    // Assess
    expect(urls).toEqual([
      'https://api.example.com/prod/admin/jobs',
      'http://127.0.0.1:4000/admin/jobs',
      'http://127.0.0.1:3000/admin/jobs',
    ]);
  });

  it('tells the user to start the stack when the connection is refused', async () => {
    // Prepare
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((done) => server.close(() => done()));

    // Act
    const out = await cli(['--endpoint', `http://127.0.0.1:${port}`, 'jobs', 'list']);

    // Assess
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      `error: cannot reach the triggerhub admin API at http://127.0.0.1:${port} (connection refused). ` +
        'Start the local stack with `npm start`, or pass --endpoint <url> (or set TRIGGERHUB_ENDPOINT).\n',
    );
  });

  it('reports an answer that breaks the contract', async () => {
    // Prepare
    const fetch: typeof globalThis.fetch = () => Promise.resolve(json(200, { items: [{ id: 42 }] }));

    // Act
    const out = await cli(['jobs', 'list'], { fetch });

    // Assess
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /^error: GET \/admin\/jobs: unexpected answer from http:\/\/127\.0\.0\.1:3000: items\.0\.id/,
    );
  });

  it.each([
    [['jobs', 'frobnicate'], /unknown command 'frobnicate'/],
    [['jobs', 'get'], /missing required argument 'id'/],
    [['runs', 'list', 'alpha', '--limit', 'ten'], /--limit must be a whole number/],
    [['jobs', 'apply'], /give a job file, a folder, or - for stdin/],
    [['mediator', 'demo', '--kind', 'nope'], /argument 'nope' is invalid/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('exits 2 on the usage error %j', async (args, message) => {
    // Act
    const out = await cli(args, { fetch: fakeAdminApi().fetch });

    // Assess
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stdout).toBe('');
  });

  it('prints help on stdout with exit code 0', async () => {
    // Act
    const top = await cli(['--help']);
    const runsShow = await cli(['runs', 'show', '--help']);

    // Assess
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: triggerhub \[options\] \[command\]/);
    for (const command of ['start', 'jobs', 'runs', 'integrations', 'mediator']) {
      expect(top.stdout).toMatch(new RegExp(`\\n  ${command}\\b.*\\S`));
    }
    expect(runsShow.stdout).toContain('Show one run: status, times, result, then its log lines.');
  });
});

describe('triggerhub start', () => {
  beforeEach(() => runLocal.mockClear());

  it('runs the local stack with $PORT and $TRIGGERHUB_DATA_DIR', async () => {
    // Act
    const out = await cli(['start'], { env: { PORT: '4100', TRIGGERHUB_DATA_DIR: 'tmp-data' } });

    // Assess
    expect(out.code).toBe(0);
    expect(runLocal).toHaveBeenCalledWith({
      port: 4100,
      dataDir: join(emptyCwd, 'tmp-data'),
      exitWhenStopped: true,
    });
  });

  it('prefers the flags, and defaults to 3000 and .triggerhub', async () => {
    // Act
    await cli(['start', '--port', '4200', '--data-dir', '/tmp/th'], { env: { PORT: '4100' } });
    await cli(['start']);

    // Assess
    expect(runLocal.mock.calls).toEqual([
      [{ port: 4200, dataDir: '/tmp/th', exitWhenStopped: true }],
      [{ port: 3000, dataDir: join(emptyCwd, '.triggerhub'), exitWhenStopped: true }],
    ]);
  });

  it('rejects a bad port', async () => {
    // Act
    const flag = await cli(['start', '--port', '70000']);
    const env = await cli(['start'], { env: { PORT: 'http' } });

    // Assess
    expect(flag.code).toBe(2);
    expect(env.code).toBe(1);
    expect(env.stderr).toBe('error: PORT must be a port number between 1 and 65535, not "http"\n');
    expect(runLocal).not.toHaveBeenCalled();
  });
});

describe('triggerhub mediator', () => {
  it("uses the job's secret header when the admin API shows the job", async () => {
    // Prepare
    const api = fakeAdminApi([
      makeJob('sc-review', {
        source: 'securechange',
        mode: 'decision',
        event: 'CREATE',
        auth: { type: 'shared-secret', secret: 'sc', header: 'X-Tufin-Key' },
      }),
    ]);

    // Act
    const out = await cli(
      ['mediator', 'sc-review', '--kind', 'validation', '--url', 'https://hooks.example.com/prod'],
      {
        fetch: api.fetch,
      },
    );

    // Assess
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).toMatch(/^#!\/bin\/bash\n/);
    expect(out.stdout).toContain("TRIGGERHUB_URL='https://hooks.example.com/prod/hooks/sc-review'\n");
    expect(out.stdout).toContain("SECRET_HEADER='X-Tufin-Key'\n");
    expect(out.stdout).toContain("SECRET_FILE='/opt/tufin/triggerhub/sc-review.secret'\n");
  });

  it('refuses an unknown job, and generates from the flags alone with --no-job-check', async () => {
    // Prepare
    const api = fakeAdminApi();

    // Act
    const refused = await cli(['mediator', 'later'], { fetch: api.fetch });
    const unchecked = await cli(
      [
        '--endpoint',
        'http://127.0.0.1:3000',
        'mediator',
        'later',
        '--no-job-check',
        '--lang',
        'python',
        '--secret-header',
        'X-Key',
        '--secret-file',
        '/etc/th/later',
      ],
      { fetch: api.fetch },
    );

    // Assess
    expect(refused).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: no job later at http://127.0.0.1:3000: create it first (triggerhub jobs apply <file>), then generate its script\n',
    });
    expect(unchecked.code).toBe(0);
    expect(unchecked.stderr).toBe('');
    expect(api.requests.filter((r) => r.path === '/admin/jobs/later')).toHaveLength(1);
    expect(unchecked.stdout).toMatch(/^#!\/usr\/bin\/env python3\n/);
    expect(unchecked.stdout).toContain('TRIGGERHUB_URL = "http://127.0.0.1:3000/hooks/later"\n');
    expect(unchecked.stdout).toContain('SECRET_HEADER = "X-Key"\n');
    expect(unchecked.stdout).toContain('SECRET_FILE = "/etc/th/later"\n');
  });

  it('refuses to generate when it cannot ask the admin API about the job', async () => {
    // Prepare
    const down: typeof fetch = () =>
      Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }));

    // Act
    const out = await cli(['mediator', 'sc-review', '--kind', 'validation'], { fetch: down });

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('error: cannot check job sc-review (cannot reach the triggerhub admin API');
    expect(out.stderr).toContain('pass --no-job-check');
  });

  it.each([
    [
      'trigger',
      { source: 'securechange', mode: 'decision' },
      /it is a decision job and a workflow trigger only needs the event accepted \(202\): it needs "mode": "async"\. Nothing generated: for this job use --kind validation, --kind risk, --kind assignment\./,
    ],
    [
      'validation',
      { source: 'securechange', mode: 'async' },
      /it is an async job and a validation script turns the verdict into its exit code: it needs "mode": "decision"\. Nothing generated: for this job use --kind trigger\./,
    ],
    ['assignment', { source: 'securechange', mode: 'async' }, /it needs "mode": "decision"/],
    [
      'risk',
      { source: 'generic', mode: 'decision' },
      /its source is "generic": SecureChange scripts send ticket XML to a "securechange" job/,
    ],
  ])('refuses a %s script for a job of the wrong mode or source', async (kind, job, message) => {
    // Prepare
    const api = fakeAdminApi([makeJob('mismatch', { ...job, event: 'CREATE' })]);

    // Act
    const out = await cli(['mediator', 'mismatch', '--kind', kind, '--url', 'https://hooks.example.com'], {
      fetch: api.fetch,
    });

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(new RegExp(`^error: job mismatch cannot serve a ${kind} script: `));
    expect(out.stderr).toMatch(message);
  });

  it('notes plain http and a validation job without an event', async () => {
    // Prepare
    const api = fakeAdminApi([makeJob('sc-check', { source: 'securechange', mode: 'decision' })]);

    // Act
    const out = await cli(['mediator', 'sc-check', '--kind', 'risk', '--url', 'http://10.1.2.3:3000'], {
      fetch: api.fetch,
    });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('note: http://10.1.2.3:3000 is plain http');
    expect(out.stderr).toContain('note: job sc-check has no "event"');
    expect(out.stdout).toContain("SECRET_FILE='/opt/tufin/triggerhub/sc-check.secret'\n");
  });

  it("reads the local stack's secret file when the script calls this machine", async () => {
    // Prepare
    const api = fakeAdminApi([
      makeJob('securechange-trigger', {
        source: 'securechange',
        auth: { type: 'shared-secret', secret: 'securechange', header: 'X-Shared-Secret' },
      }),
    ]);
    const secretPath = join(emptyCwd, '.triggerhub', 'secrets', 'securechange');

    // Act
    const out = await cli(['mediator', 'securechange-trigger'], { fetch: api.fetch });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("TRIGGERHUB_URL='http://127.0.0.1:3000/hooks/securechange-trigger'\n");
    expect(out.stdout).toContain(`SECRET_FILE='${secretPath}'\n`);
    expect(out.stderr).toContain(
      `note: the script reads the secret from ${secretPath} (this machine's stack)`,
    );
    expect(out.stderr).toContain(
      `note: ${secretPath} does not exist yet: create it with triggerhub secrets set securechange`,
    );
  });

  it('refuses a job authenticated by HMAC signatures', async () => {
    // Prepare
    const api = fakeAdminApi([
      makeJob('signed', {
        source: 'securechange',
        auth: {
          type: 'hmac',
          secret: 's',
          signatureHeader: 'X-Signature',
          timestampHeader: 'X-Timestamp',
          toleranceSeconds: 300,
        },
      }),
    ]);

    // Act
    const out = await cli(['mediator', 'signed'], { fetch: api.fetch });

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(
      /^error: job signed cannot serve a trigger script: it authenticates callers with an HMAC signature/,
    );
  });

  it('rejects a bad URL or job id', async () => {
    // Act
    const badUrl = await cli(['mediator', 'demo', '--url', 'ftp://x'], { fetch: fakeAdminApi().fetch });
    const badId = await cli(['mediator', 'Not_OK'], { fetch: fakeAdminApi().fetch });

    // Assess
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toContain('url: the URL must be http or https');
    expect(badId.code).toBe(1);
    expect(badId.stderr).toBe(
      'error: not a job id: Not_OK (lower-case letters, digits, - and _, at most 64)\n',
    );
  });
});
