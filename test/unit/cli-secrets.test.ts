import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/main.ts';
import { emptyCliFolder, runCli } from '../helpers/cli.ts';
import { LocalSecretStore, secretFilePath } from '../../shared/secrets/local-secret-store.ts';

const VALUE = 'hunter2-very-secret';

describe('triggerhub secrets, on the local stack', () => {
  let cwd: string;
  let dataDir: string;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'triggerhub-secrets-cli-'));
    dataDir = join(cwd, '.triggerhub');
  });
  afterEach(() => rm(cwd, { recursive: true, force: true }));

  const cli = async (args: string[], io: Partial<CliIo> = {}) => {
    const result = await runCli(args, {
      env: {},
      cwd,
      stdinIsTTY: false,
      readStdin: () => Promise.reject(new Error('stdin not expected')),
      promptHidden: () => Promise.reject(new Error('prompt not expected')),
      ...io,
    });
    return result;
  };
  const fileOf = (name: string) => readFile(secretFilePath(dataDir, name), 'utf8');

  it('sets a secret from stdin, one final newline dropped, in a 0600 file of a 0700 folder', async () => {
    // Act
    const out = await cli(['secrets', 'set', 'demo'], { readStdin: () => Promise.resolve(`${VALUE}\n`) });
    const again = await cli(['secrets', 'set', 'demo'], {
      readStdin: () => Promise.resolve(`${VALUE}-2\r\n`),
    });

    // Assess
    expect(out).toEqual({
      code: 0,
      stdout: `created  demo  (${join('.triggerhub', 'secrets', 'demo')})\n`,
      stderr: '',
    });
    expect(again.stdout).toMatch(/^updated {2}demo/);
    expect(await fileOf('demo')).toBe(`${VALUE}-2\n`);
    expect(await new LocalSecretStore({ dataDir, env: {} }).getVersions('demo')).toEqual([`${VALUE}-2`]);
    expect((await stat(secretFilePath(dataDir, 'demo'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'secrets'))).mode & 0o777).toBe(0o700);
    expect(out.stdout + again.stdout).not.toContain(VALUE);
  });

  it('keeps all but one final newline of a file, and asks on a terminal without echo', async () => {
    // Prepare
    const file = join(cwd, 'value.txt');
    await writeFile(file, `${VALUE}\n\n`);
    const questions: string[] = [];

    // Act
    const fromFile = await cli(['secrets', 'set', 'from-file', '--from-file', file]);
    const prompted = await cli(['secrets', 'set', 'jira/token'], {
      stdinIsTTY: true,
      promptHidden: (q) => {
        questions.push(q);
        return Promise.resolve(VALUE);
      },
    });

    // Assess
    expect(fromFile.code).toBe(0);
    expect(await fileOf('from-file')).toBe(`${VALUE}\n\n`);
    expect(prompted.code).toBe(0);
    expect(questions).toEqual(['Value of secret jira/token (not shown): ']);
    expect(await fileOf('jira/token')).toBe(`${VALUE}\n`);
  });

  it('refuses a bad name or an empty value, writing nothing', async () => {
    // Act
    const badName = await cli(['secrets', 'set', 'semi;colon'], { readStdin: () => Promise.resolve(VALUE) });
    const spaces = await cli(['secrets', 'set', 'a b'], { readStdin: () => Promise.resolve(VALUE) });
    const empty = await cli(['secrets', 'set', 'demo'], { readStdin: () => Promise.resolve('\n') });

    // Assess
    expect(badName.code).toBe(1);
    expect(badName.stderr).toBe(
      'error: not a secret name: "semi;colon" (letters, digits and /_+=.@- only, at most 256)\n',
    );
    expect(spaces.code).toBe(1);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe('error: the value of secret demo is empty: nothing was written\n');
    expect(await new LocalSecretStore({ dataDir, env: {} }).listSecrets()).toEqual([]);
  });

  it('refuses to set or delete a name under global/, a masked global’s, touching neither its file nor stdin', async () => {
    // Prepare: a masked global's secret, as `globals set x --masked` writes it
    const store = new LocalSecretStore({ dataDir, env: {} });
    await store.setSecret('global/x', VALUE);

    // Act
    const set = await cli(['secrets', 'set', 'global/x']);
    const setNew = await cli(['secrets', 'set', 'global/new', '--from-file', join(cwd, 'absent')]);
    const del = await cli(['secrets', 'delete', 'global/x']);

    // Assess
    const said =
      'error: secret name global/… is reserved for masked globals: use `triggerhub globals set x --masked` ' +
      'or `triggerhub globals delete x`\n';
    expect(set).toEqual({ code: 1, stdout: '', stderr: said });
    expect(del).toEqual({ code: 1, stdout: '', stderr: said });
    expect(setNew.stderr).toContain('error: secret name global/… is reserved for masked globals');
    expect(await store.getVersions('global/x')).toEqual([VALUE]);
    expect((await store.listSecrets()).map((s) => s.name)).toEqual(['global/x']);
  });

  it('lists names and last changes, never values, and deletes', async () => {
    // Prepare
    const store = new LocalSecretStore({ dataDir, env: {} });
    await store.setSecret('demo', VALUE);
    await store.setSecret('jira/token', VALUE);
    await writeFile(`${secretFilePath(dataDir, 'demo')}.previous`, 'old\n');
    const when = new Date('2026-11-20T08:00:00.000Z');
    await utimes(secretFilePath(dataDir, 'demo'), when, when);

    // Act
    const listed = await cli(['secrets', 'list']);
    const asJson = await cli(['--json', 'secrets', 'list']);
    const deleted = await cli(['secrets', 'delete', 'demo']);
    const missing = await cli(['secrets', 'delete', 'demo']);

    // Assess
    expect(listed.stdout).toMatch(
      /^NAME {8}LAST CHANGED\ndemo {8}2026-11-20T08:00:00\.000Z\njira\/token {2}\d{4}-\d\d-\d\dT[\d:.]+Z\n$/,
    );
    expect(listed.stdout + asJson.stdout).not.toContain(VALUE);
    expect(JSON.parse(asJson.stdout)).toMatchObject({
      items: [{ name: 'demo', lastChanged: '2026-11-20T08:00:00.000Z' }, { name: 'jira/token' }],
    });
    expect(deleted).toMatchObject({
      code: 0,
      stdout: `deleted demo (${join('.triggerhub', 'secrets', 'demo')})\n`,
    });
    expect(await store.getVersions('demo')).toEqual([]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: no secret demo in ${join('.triggerhub', 'secrets')}\n`);
  });

  it('notes when a TRIGGERHUB_SECRET_ variable would win over the file', async () => {
    // Act
    const out = await cli(['secrets', 'set', 'demo'], {
      env: { TRIGGERHUB_SECRET_DEMO: 'x' },
      readStdin: () => Promise.resolve(VALUE),
    });

    // Assess
    expect(out.stderr).toContain('note: TRIGGERHUB_SECRET_DEMO is set in this shell');
  });
});

describe('triggerhub secrets, on a deployed stack (Secrets Manager)', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());

  const endpoint = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';
  const cli = async (args: string[], io: Partial<CliIo> = {}) => {
    const result = await runCli(['--endpoint', endpoint, ...args], {
      // Set, so that these tests do not ask the stack for its prefix (cli-secret-prefix.test.ts does).
      env: { TRIGGERHUB_SECRET_PREFIX: 'triggerhub/' },
      cwd: emptyCliFolder(),
      stdinIsTTY: false,
      readStdin: () => Promise.resolve(`${VALUE}\n`),
      ...io,
    });
    return result;
  };
  const err = <T>(E: new (o: { message: string; $metadata: object }) => T) =>
    new E({ message: 'from the service', $metadata: {} });

  it('creates the secret <prefix><name> as a plain string', async () => {
    // Prepare
    sm.on(CreateSecretCommand).resolves({});

    // Act
    const out = await cli(['secrets', 'set', 'demo']);

    // Assess
    expect(out).toEqual({
      code: 0,
      stdout: 'created  demo  (Secrets Manager secret triggerhub/demo (eu-west-1))\n',
      stderr: '',
    });
    const call = sm.commandCalls(CreateSecretCommand)[0]?.args[0].input;
    expect(call).toMatchObject({ Name: 'triggerhub/demo', SecretString: VALUE });
    const client = sm.commandCalls(CreateSecretCommand)[0]?.thisValue as SecretsManagerClient;
    expect(await client.config.region()).toBe('eu-west-1');
  });

  it('refuses a name under global/ before any Secrets Manager call', async () => {
    // Act
    const set = await cli(['secrets', 'set', 'global/proxy']);
    const del = await cli(['secrets', 'delete', 'global/proxy']);

    // Assess
    for (const out of [set, del]) {
      expect(out.code).toBe(1);
      expect(out.stderr).toContain('secret name global/… is reserved for masked globals');
      expect(out.stderr).toContain('`triggerhub globals set proxy --masked`');
    }
    expect(sm.calls()).toHaveLength(0);
  });

  it('puts a new value when the secret exists, under --secret-prefix', async () => {
    // Prepare
    sm.on(CreateSecretCommand).rejects(err(ResourceExistsException));
    sm.on(PutSecretValueCommand).resolves({});

    // Act
    const out = await cli(['secrets', '--secret-prefix', 'prod/th/', 'set', 'demo']);

    // Assess
    expect(out.stdout).toBe('updated  demo  (Secrets Manager secret prod/th/demo (eu-west-1))\n');
    expect(sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: 'prod/th/demo',
      SecretString: VALUE,
    });
  });

  it('says how to restore a secret scheduled for deletion instead of writing it', async () => {
    // Prepare
    sm.on(CreateSecretCommand).rejects(err(InvalidRequestException));

    // Act
    const out = await cli(['secrets', 'set', 'demo']);

    // Assess
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      'error: secret triggerhub/demo is scheduled for deletion: restore it first with ' +
        'aws secretsmanager restore-secret --secret-id triggerhub/demo\n',
    );
  });

  it('lists the secrets under the prefix, page after page, with their last change', async () => {
    // Prepare
    sm.on(ListSecretsCommand)
      .resolvesOnce({
        SecretList: [{ Name: 'triggerhub/demo', LastChangedDate: new Date('2026-11-20T08:00:00Z') }],
        NextToken: 'page2',
      })
      .resolvesOnce({
        SecretList: [
          { Name: 'triggerhub/checkpoint', CreatedDate: new Date('2026-11-01T08:00:00Z') },
          { Name: 'triggerhubx/other' },
        ],
      });

    // Act
    const out = await cli(['secrets', 'list']);

    // Assess
    expect(out.stdout).toBe(
      'NAME        LAST CHANGED\ncheckpoint  2026-11-01T08:00:00.000Z\ndemo        2026-11-20T08:00:00.000Z\n',
    );
    const calls = sm.commandCalls(ListSecretsCommand).map((c) => c.args[0].input);
    expect(calls[0]).toMatchObject({ Filters: [{ Key: 'name', Values: ['triggerhub/'] }] });
    expect(calls[1]).toMatchObject({ NextToken: 'page2' });
  });

  it('deletes with a recovery window, and says until when it can be restored', async () => {
    // Prepare
    sm.on(DeleteSecretCommand).resolves({ DeletionDate: new Date('2026-12-06T08:00:00Z') });

    // Act
    const out = await cli(['secrets', 'delete', 'demo', '--recovery-window', '10']);
    const tooShort = await cli(['secrets', 'delete', 'demo', '--recovery-window', '3']);

    // Assess
    expect(out.stdout).toBe(
      'scheduled triggerhub/demo for deletion on 2026-12-06T08:00:00.000Z; until then restore it with ' +
        'aws secretsmanager restore-secret --secret-id triggerhub/demo\n',
    );
    expect(sm.commandCalls(DeleteSecretCommand)[0]?.args[0].input).toEqual({
      SecretId: 'triggerhub/demo',
      RecoveryWindowInDays: 10,
    });
    expect(tooShort.code).toBe(2);
  });

  it('defaults the recovery window to 7 days, and reports a missing secret', async () => {
    // Prepare
    sm.on(DeleteSecretCommand).rejects(err(ResourceNotFoundException));

    // Act
    const out = await cli(['secrets', 'delete', 'demo']);

    // Assess
    expect(sm.commandCalls(DeleteSecretCommand)[0]?.args[0].input.RecoveryWindowInDays).toBe(7);
    expect(out).toMatchObject({ code: 1, stderr: 'error: no secret triggerhub/demo in eu-west-1\n' });
  });

  it('jobs apply warns about a job secret missing from Secrets Manager, without failing', async () => {
    // Prepare
    sm.on(DescribeSecretCommand).rejects(err(ResourceNotFoundException));
    sm.on(DescribeSecretCommand, { SecretId: 'triggerhub/present' }).resolves({ Name: 'triggerhub/present' });
    sm.on(DescribeSecretCommand, { SecretId: 'triggerhub/deleted' }).resolves({ DeletedDate: new Date() });
    const puts: string[] = [];
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const req = new Request(input, init);
      const path = new URL(req.url).pathname;
      const echo = {
        id: 'echo',
        name: 'Echo',
        version: '1.0.0',
        description: '',
        parameters: {},
        entryPoints: ['run'],
      };
      if (path === '/prod/admin/integrations') return Response.json({ items: [echo] });
      const body = (await req.json()) as Record<string, unknown>;
      puts.push(path);
      return Response.json(
        {
          ...body,
          description: '',
          enabled: true,
          params: {},
          source: 'generic',
          mode: 'async',
          onError: 'deny',
          maxBodyBytes: 1,
          dedupeWindowSeconds: 0,
          auth: { type: 'shared-secret', header: 'X-Shared-Secret', ...(body.auth as object) },
        },
        { status: 201 },
      );
    };
    const job = (id: string, secret: string) => ({ id, name: id, integration: 'echo', auth: { secret } });

    // Act
    const out = await cli(['jobs', 'apply', '-'], {
      fetch,
      readStdin: () =>
        Promise.resolve(JSON.stringify([job('a', 'present'), job('b', 'missing'), job('c', 'deleted')])),
      credentials: () => Promise.resolve({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' }),
    });

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(puts).toEqual(['/prod/admin/jobs/a', '/prod/admin/jobs/b', '/prod/admin/jobs/c']);
    expect(out.stderr).toBe(
      'warning: job b: secret "missing" does not exist (Secrets Manager secret triggerhub/missing (eu-west-1)); ' +
        'create it with: triggerhub secrets set missing\n' +
        'warning: job c: secret "deleted" does not exist (Secrets Manager secret triggerhub/deleted (eu-west-1)); ' +
        'create it with: triggerhub secrets set deleted\n',
    );
  });

  it('never asks the local files, and never reads a value to list', async () => {
    // Prepare
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });

    // Act
    const out = await cli(['secrets', 'list']);

    // Assess
    expect(out.stdout).toBe('No secrets in Secrets Manager (eu-west-1), names triggerhub/….\n');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(DescribeSecretCommand)).toHaveLength(0);
  });
});
