import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/main.ts';
import { emptyCliFolder, runCli, storedJob } from '../helpers/cli.ts';

/**
 * `cdk deploy -c stage=prod` keeps job secrets under `triggerhub-prod/`. A CLI
 * pointed at that stack, with neither `--secret-prefix` nor
 * `TRIGGERHUB_SECRET_PREFIX`, asks `GET /admin/settings` and uses its prefix.
 */
const ENDPOINT = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';
const SECRET = 'the-prod-shared-secret';
const VALUE = 'hunter2-very-secret';
const credentials = () => Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI' });

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
}

/** A deployed stack: `settings` answers `GET /admin/settings`; one job `demo`; hooks queue. */
const fakeStack = (settings: () => Response | Promise<Response>) => {
  const seen: Seen[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    seen.push({ method: req.method, path, headers: Object.fromEntries(req.headers.entries()) });
    if (path === '/prod/admin/settings') return settings();
    if (path === '/prod/admin/jobs/demo') {
      return json(200, storedJob('demo'));
    }
    if (path === '/prod/hooks/demo')
      return json(202, { runId: '01RUN', deliveryId: '01DEL', status: 'queued' });
    return json(404, { error: 'not_found', message: 'no route' });
  };
  return { fetch, seen, settingsCalls: () => seen.filter((s) => s.path === '/prod/admin/settings') };
};

const prodSettings = () =>
  json(200, {
    secretStore: 'secrets-manager',
    secretPrefix: 'triggerhub-prod/',
    stage: 'prod',
    version: '0.1.0',
  });

describe('the CLI learns the secret prefix of a deployed stack', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());

  const cli = async (args: string[], io: Partial<CliIo> = {}) => {
    const result = await runCli(['--endpoint', ENDPOINT, ...args], {
      env: {},
      cwd: emptyCliFolder(),
      stdinIsTTY: false,
      readStdin: () => Promise.resolve(`${VALUE}\n`),
      credentials,
      now: () => new Date('2026-11-29T10:00:00.000Z'),
      ...io,
    });
    expect(result.stdout + result.stderr).not.toContain(VALUE);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
    return result;
  };

  it('secrets set writes <stack prefix><name>, after one signed GET /admin/settings', async () => {
    // Prepare
    sm.on(CreateSecretCommand).resolves({});
    const stack = fakeStack(prodSettings);

    // Act
    const out = await cli(['secrets', 'set', 'demo'], { fetch: stack.fetch });

    // Assess
    expect(out).toEqual({
      code: 0,
      stdout: 'created  demo  (Secrets Manager secret triggerhub-prod/demo (eu-west-1))\n',
      stderr: '',
    });
    expect(sm.commandCalls(CreateSecretCommand)[0]?.args[0].input).toMatchObject({
      Name: 'triggerhub-prod/demo',
      SecretString: VALUE,
    });
    expect(stack.settingsCalls()).toHaveLength(1);
    expect(stack.settingsCalls()[0]?.method).toBe('GET');
    expect(stack.settingsCalls()[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//,
    );
  });

  it("send reads the job's secret from <stack prefix><name>", async () => {
    // Prepare
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub-prod/demo' }).resolves({ SecretString: SECRET });
    const stack = fakeStack(prodSettings);

    // Act
    const out = await cli(['send', 'demo', '-d', '{"a":1}'], { fetch: stack.fetch });

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toBe('');
    const hook = stack.seen.find((s) => s.path === '/prod/hooks/demo');
    expect(hook?.headers['x-shared-secret']).toBe(SECRET);
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toEqual([
      'triggerhub-prod/demo',
    ]);
    expect(stack.settingsCalls()).toHaveLength(1);
  });

  it('lets --secret-prefix and then TRIGGERHUB_SECRET_PREFIX win, without asking the stack', async () => {
    // Prepare
    sm.on(CreateSecretCommand).resolves({});
    const stack = fakeStack(prodSettings);

    // Act
    const byFlag = await cli(['secrets', 'set', 'demo', '--secret-prefix', 'acme/th/'], {
      fetch: stack.fetch,
      env: { TRIGGERHUB_SECRET_PREFIX: 'from-env/' },
    });
    const byEnv = await cli(['secrets', 'set', 'demo'], {
      fetch: stack.fetch,
      env: { TRIGGERHUB_SECRET_PREFIX: 'from-env/' },
    });

    // Assess
    expect(byFlag.code).toBe(0);
    expect(byEnv.code).toBe(0);
    expect(sm.commandCalls(CreateSecretCommand).map((c) => c.args[0].input.Name)).toEqual([
      'acme/th/demo',
      'from-env/demo',
    ]);
    expect(stack.settingsCalls()).toHaveLength(0);
  });

  it.each([
    ['an older stack (404)', () => json(404, { message: 'Not Found' }), /GET \/admin\/settings: 404/],
    ['a stack that does not say', () => json(200, { version: '0.0.9' }), /no secretPrefix/],
    ['a prefix the CLI refuses', () => json(200, { secretPrefix: 'bad prefix!' }), /not a valid prefix/],
    [
      'an unreachable stack',
      () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } })),
      /ECONNRESET/,
    ],
  ])('falls back to triggerhub/ with one warning line for %s', async (_what, settings, why) => {
    // Prepare
    sm.on(CreateSecretCommand).resolves({});
    const stack = fakeStack(settings);

    // Act
    const out = await cli(['secrets', 'set', 'demo'], { fetch: stack.fetch });

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(sm.commandCalls(CreateSecretCommand)[0]?.args[0].input.Name).toBe('triggerhub/demo');
    expect(out.stderr.split('\n')).toHaveLength(2);
    expect(out.stderr).toMatch(
      /^warning: .*did not say where it keeps job secrets.*using triggerhub\/.*--secret-prefix/,
    );
    expect(out.stderr).toMatch(why);
    // One question, no retries: a stack that cannot tell will not tell on the second try either.
    expect(stack.settingsCalls()).toHaveLength(1);
  });

  it('never asks a local (loopback) stack: its secrets are files', async () => {
    const stack = fakeStack(prodSettings);
    const out = await cli(['--endpoint', 'http://127.0.0.1:9', 'secrets', 'list'], {
      fetch: stack.fetch,
      cwd: emptyCliFolder(),
    });
    expect(out.code).toBe(0);
    expect(stack.settingsCalls()).toHaveLength(0);
  });
});
