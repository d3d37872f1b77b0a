import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/main.ts';
import { runCli, storedJob } from '../helpers/cli.ts';
import { verifyHmac } from '../../shared/auth/hmac.ts';
import type { HmacAuth } from '../../shared/auth/hmac.ts';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store.ts';

const SECRET = 'the-shared-secret-value';
const NOW = new Date('2026-11-29T10:00:00.000Z');

const job = storedJob;

const runOf = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  jobId: 'demo',
  source: 'generic',
  trigger: 'webhook',
  mode: 'async',
  status,
  attempt: 1,
  createdAt: '2026-11-29T10:00:00.000Z',
  logs: [
    { ts: '2026-11-29T10:00:00.100Z', level: 'INFO', message: 'payload (7 bytes): {"a":1}' },
    { ts: '2026-11-29T10:00:00.200Z', level: 'WARN', message: 'almost done' },
  ],
  ...extra,
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

interface Hook {
  url: URL;
  headers: Record<string, string>;
  body: string;
}

/** A stack as the CLI sees it: the admin API's job and run routes, and /hooks answering `answer`. */
const fakeStack = (
  jobs: Record<string, unknown>[],
  answer: (hook: Hook) => Response,
  runs: (id: string, poll: number) => Record<string, unknown> | undefined = () => undefined,
) => {
  const hooks: Hook[] = [];
  const adminHeaders: Record<string, string>[] = [];
  const polls = new Map<string, number>();
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    const headers = Object.fromEntries(req.headers.entries());
    if (url.pathname.includes('/hooks/')) {
      const hook = { url, headers, body: await req.text() };
      hooks.push(hook);
      return answer(hook);
    }
    adminHeaders.push(headers);
    const [, , kind, id = ''] = url.pathname.replace(/^\/prod/, '').split('/');
    if (kind === 'jobs') {
      const found = jobs.find((j) => j.id === id);
      return found ? json(200, found) : json(404, { error: 'not_found', message: `no job ${id}` });
    }
    if (kind === 'runs') {
      const poll = (polls.get(id) ?? 0) + 1;
      polls.set(id, poll);
      const found = runs(id, poll);
      return found ? json(200, found) : json(404, { error: 'not_found', message: `no run ${id}` });
    }
    return json(404, { error: 'not_found', message: 'no route' });
  };
  return { fetch, hooks, adminHeaders, polls };
};

const queued = (runId = '01RUN') => json(202, { runId, deliveryId: '01DEL', status: 'queued' });

describe('triggerhub send', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'triggerhub-send-'));
    const store = new LocalSecretStore({ dataDir: join(cwd, '.triggerhub'), env: {} });
    await store.setSecret('demo', SECRET);
    await store.setSecret('alerts', SECRET);
  });
  afterEach(() => rm(cwd, { recursive: true, force: true }));

  const cli = async (args: string[], io: Partial<CliIo> = {}) => {
    const result = await runCli(args, {
      env: {},
      cwd,
      now: () => NOW,
      ...io,
    });
    // Whatever happens, the secret is never shown.
    expect(result.stdout + result.stderr).not.toContain(SECRET);
    return result;
  };

  it("fills in the job's secret header from the local store and prints the answer", async () => {
    // Prepare
    const stack = fakeStack(
      [job('demo', { auth: { type: 'shared-secret', secret: 'demo', header: 'X-Custom-Key' } })],
      () => queued(),
    );

    // Act
    const out = await cli(['send', 'demo', '-d', '{"a":1}'], { fetch: stack.fetch });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      'HTTP 202 Accepted\n{\n  "runId": "01RUN",\n  "deliveryId": "01DEL",\n  "status": "queued"\n}\n',
    );
    expect(stack.hooks).toHaveLength(1);
    expect(stack.hooks[0]?.url.href).toBe('http://127.0.0.1:3000/hooks/demo');
    expect(stack.hooks[0]?.headers).toMatchObject({
      'x-custom-key': SECRET,
      'content-type': 'application/json',
    });
    expect(stack.hooks[0]?.body).toBe('{"a":1}');
  });

  it('signs an HMAC job with a fresh timestamp the server accepts', async () => {
    // Prepare
    const auth: HmacAuth = {
      type: 'hmac',
      secret: 'alerts',
      signatureHeader: 'X-Hub-Signature',
      timestampHeader: 'X-Hub-Time',
      toleranceSeconds: 300,
    };
    const stack = fakeStack([job('alerts', { auth })], () => queued());
    const file = join(cwd, 'alert.json');
    await writeFile(file, '{"alert": "disk full"}\n');

    // Act
    const out = await cli(['send', 'alerts', '-d', `@${file}`, '--event', 'disk'], { fetch: stack.fetch });

    // Assess
    expect(out.code).toBe(0);
    const hook = stack.hooks[0];
    expect(hook?.body).toBe('{"alert": "disk full"}\n');
    expect(hook?.url.search).toBe('?event=disk');
    expect(hook?.headers['x-hub-time']).toBe(String(NOW.getTime() / 1000));
    expect(hook?.headers['x-hub-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(() =>
      verifyHmac(auth, { headers: hook?.headers ?? {}, body: hook?.body ?? '' }, [SECRET], NOW),
    ).not.toThrow();
    expect(() => verifyHmac(auth, { headers: hook?.headers ?? {}, body: '{}' }, [SECRET], NOW)).toThrow();
  });

  it('reads the body from stdin with -d -, and takes --content-type', async () => {
    // Prepare
    const stack = fakeStack([job('demo')], () => queued());

    // Act
    await cli(['send', 'demo', '-d', '-', '--content-type', 'application/vnd.alert+json'], {
      fetch: stack.fetch,
      readStdin: () => Promise.resolve('{"from":"stdin"}'),
    });

    // Assess
    expect(stack.hooks[0]?.body).toBe('{"from":"stdin"}');
    expect(stack.hooks[0]?.headers['content-type']).toBe('application/vnd.alert+json');
  });

  it('sends XML to a SecureChange job, by default the Test button', async () => {
    // Prepare
    const stack = fakeStack([job('sc', { source: 'securechange' })], () => queued());

    // Act
    await cli(['send', 'sc'], { fetch: stack.fetch });

    // Assess
    expect(stack.hooks[0]?.headers['content-type']).toBe('application/xml');
    expect(stack.hooks[0]?.body).toBe('<ticket_info/>');
  });

  it('follows the run with --wait and prints its status and log', async () => {
    // Prepare
    const stack = fakeStack(
      [job('demo')],
      () => queued('01RUNA'),
      (id, poll) =>
        poll < 3
          ? runOf(id, poll === 1 ? 'queued' : 'running')
          : runOf(id, 'succeeded', { message: 'logged' }),
    );

    // Act
    const out = await cli(['send', 'demo', '-d', '{"a":1}', '--wait'], { fetch: stack.fetch });

    // Assess
    expect(out.code).toBe(0);
    expect(stack.polls.get('01RUNA')).toBe(3);
    expect(out.stderr).toBe('waiting for run 01RUNA…\n');
    expect(out.stdout).toMatch(/\nStatus: +succeeded\n/);
    expect(out.stdout).toContain(
      'Log:\n[2026-11-29T10:00:00.100Z] [INFO] – payload (7 bytes): {"a":1}\n' +
        '[2026-11-29T10:00:00.200Z] [WARN] – almost done\n',
    );
  });

  it('exits 1 when the run fails, and when it does not finish in --timeout', async () => {
    // Prepare
    const failing = fakeStack(
      [job('demo')],
      () => queued('01RUNF'),
      (id) => runOf(id, 'failed', { error: 'boom' }),
    );
    const stuck = fakeStack(
      [job('demo')],
      () => queued('01RUNS'),
      (id) => runOf(id, 'running'),
    );

    // Act
    const failed = await cli(['send', 'demo', '--wait'], { fetch: failing.fetch });
    const timedOut = await cli(['send', 'demo', '--wait', '--timeout', '1'], { fetch: stuck.fetch });

    // Assess
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/\nStatus: +failed\n/);
    expect(failed.stderr).toContain('error: run 01RUNF failed\n');
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toContain(
      'error: run 01RUNS has not finished after 1 s; follow it with triggerhub runs show 01RUNS\n',
    );
    // Bounded: a handful of polls in one second, not a busy loop.
    expect(stuck.polls.get('01RUNS')).toBeLessThanOrEqual(6);
  });

  it("prints a decision job's verdict, and follows its run from the header", async () => {
    // Prepare
    const stack = fakeStack(
      [
        job('gate', {
          source: 'checkpoint',
          mode: 'decision',
          auth: { type: 'shared-secret', secret: 'demo', header: 'X-chkp-shared-secret' },
        }),
      ],
      () =>
        json(
          200,
          { result: 'failure', message: 'rule 7 has no comments' },
          { 'x-triggerhub-run-id': '01RUND' },
        ),
      (id, poll) => (poll === 1 ? undefined : runOf(id, 'succeeded', { mode: 'decision' })),
    );

    // Act
    const out = await cli(['send', 'gate', '-d', '{}', '--wait'], { fetch: stack.fetch });

    // Assess
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(
      /^HTTP 200 OK\n\{\n {2}"result": "failure",\n {2}"message": "rule 7 has no comments"\n\}\n/,
    );
    expect(stack.hooks[0]?.headers['x-chkp-shared-secret']).toBe(SECRET);
    expect(stack.polls.get('01RUND')).toBe(2);
  });

  it('prints the answer as JSON with --json', async () => {
    // Prepare
    const stack = fakeStack(
      [job('demo')],
      () => queued('01RUNJ'),
      (id) => runOf(id, 'succeeded'),
    );

    // Act
    const out = await cli(['--json', 'send', 'demo', '--wait'], { fetch: stack.fetch });

    // Assess
    const printed = JSON.parse(out.stdout) as { status: number; body: unknown; run: { status: string } };
    expect(printed.status).toBe(202);
    expect(printed.body).toEqual({ runId: '01RUNJ', deliveryId: '01DEL', status: 'queued' });
    expect(printed.run.status).toBe('succeeded');
    expect(out.stderr).toBe('');
  });

  it('exits 1 on a refusal, printing it', async () => {
    // Prepare
    const stack = fakeStack([job('demo')], () =>
      json(401, { error: 'unauthorized', message: 'wrong secret' }),
    );

    // Act
    const out = await cli(['send', 'demo', '--wait'], { fetch: stack.fetch });

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('HTTP 401 Unauthorized\n');
    expect(out.stdout).toContain('"message": "wrong secret"');
    expect(out.stderr).toBe('error: the job answered HTTP 401 Unauthorized\n');
  });

  it('says how to create a missing secret, and refuses an unknown job, sending nothing', async () => {
    // Prepare
    const stack = fakeStack(
      [job('nosecret', { auth: { type: 'shared-secret', secret: 'never-set', header: 'X-Shared-Secret' } })],
      () => queued(),
    );

    // Act
    const missing = await cli(['send', 'nosecret'], { fetch: stack.fetch });
    const unknown = await cli(['send', 'nope'], { fetch: stack.fetch });

    // Assess
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `error: job nosecret needs secret "never-set", which does not exist (${join('.triggerhub', 'secrets', 'never-set')}): ` +
        'create it with triggerhub secrets set never-set (or set TRIGGERHUB_SECRET_NEVER_SET)\n',
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      'error: no job nope at http://127.0.0.1:3000 (triggerhub jobs list shows the jobs)\n',
    );
    expect(stack.hooks).toHaveLength(0);
  });

  describe('against a deployed stack', () => {
    const sm = mockClient(SecretsManagerClient);
    beforeEach(() => sm.reset());
    const endpoint = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';

    it('reads the secret from Secrets Manager and signs only the admin request', async () => {
      // Prepare
      sm.on(GetSecretValueCommand, { SecretId: 'stage/demo' }).resolves({ SecretString: SECRET });
      const stack = fakeStack([job('demo')], () => queued());

      // Act
      const out = await cli(['--endpoint', endpoint, 'send', 'demo', '--secret-prefix', 'stage/'], {
        fetch: stack.fetch,
        credentials: () => Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI' }),
      });

      // Assess
      expect(out.code).toBe(0);
      expect(stack.hooks[0]?.url.href).toBe(`${endpoint}/hooks/demo`);
      expect(stack.hooks[0]?.headers['x-shared-secret']).toBe(SECRET);
      expect(stack.hooks[0]?.headers.authorization).toBeUndefined();
      expect(stack.adminHeaders[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
    });
  });
});
