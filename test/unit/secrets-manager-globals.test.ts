import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import { withLastKnownSecrets } from '../../shared/resilience/last-known.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { SecretsManagerStore } from '../../shared/secrets/secrets-manager-store.ts';
import { SecretsManagerWriter } from '../../shared/secrets/secrets-manager-writer.ts';

const notFound = (): ResourceNotFoundException =>
  new ResourceNotFoundException({
    message: "Secrets Manager can't find the specified secret.",
    $metadata: {},
  });
const throttled = (): SecretsManagerServiceException =>
  new SecretsManagerServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: {},
    message: 'Rate exceeded',
  });

const client = new SecretsManagerClient({ region: 'us-east-1' });
const sm = mockClient(client);

beforeEach(() => {
  sm.reset();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('SecretsManagerWriter (masked globals)', () => {
  const writer = (): SecretsManagerWriter =>
    new SecretsManagerWriter({ prefix: 'triggerhub/', client: () => client });

  it('replaces the value of an existing secret with PutSecretValue alone', async () => {
    // Prepare
    sm.on(PutSecretValueCommand).resolves({});

    // Act
    await writer().put('global/token', 'v2');

    // Assess
    expect(sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: 'triggerhub/global/token', SecretString: 'v2' },
    ]);
    expect(sm.commandCalls(CreateSecretCommand)).toHaveLength(0);
  });

  it('creates a secret that does not exist yet', async () => {
    // Prepare
    sm.on(PutSecretValueCommand).rejects(notFound());
    sm.on(CreateSecretCommand).resolves({});

    // Act
    await writer().put('global/token', 'v1');

    // Assess
    expect(sm.commandCalls(CreateSecretCommand).map((c) => c.args[0].input)).toEqual([
      {
        Name: 'triggerhub/global/token',
        SecretString: 'v1',
        Description: 'triggerhub masked global "token"',
      },
    ]);
  });

  it('puts the value again when another writer created the secret in between', async () => {
    // Prepare
    sm.on(PutSecretValueCommand).rejectsOnce(notFound()).resolves({});
    sm.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: 'exists', $metadata: {} }));

    // Act
    await writer().put('global/token', 'v3');

    // Assess
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(2);
    expect(sm.commandCalls(PutSecretValueCommand)[1]?.args[0].input.SecretString).toBe('v3');
  });

  it('deletes without a recovery window, and says false for a secret that was not there', async () => {
    // Prepare
    sm.on(DeleteSecretCommand, { SecretId: 'triggerhub/global/a' }).resolves({});
    sm.on(DeleteSecretCommand, { SecretId: 'triggerhub/global/b' }).rejects(notFound());

    // Act
    const a = await writer().delete('global/a');
    const b = await writer().delete('global/b');

    // Assess
    expect([a, b]).toEqual([true, false]);
    expect(sm.commandCalls(DeleteSecretCommand)[0]?.args[0].input).toEqual({
      SecretId: 'triggerhub/global/a',
      ForceDeleteWithoutRecovery: true,
    });
  });

  it('turns an outage into a ServiceUnavailableError (503)', async () => {
    // Prepare
    sm.on(PutSecretValueCommand).rejects(throttled());

    // Act & Assess
    await expect(writer().put('global/token', 'v')).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('creates its client on first use only', async () => {
    // Prepare
    const make = vi.fn(() => client);
    sm.on(PutSecretValueCommand).resolves({});
    const w = new SecretsManagerWriter({ prefix: 'p/', client: make });

    // Act
    const before = make.mock.calls.length;
    await w.put('global/a', 'x');
    await w.put('global/b', 'y');

    // Assess
    expect(before).toBe(0);
    expect(make).toHaveBeenCalledTimes(1);
  });
});

describe('SecretsManagerStore.getMany (BatchGetSecretValue)', () => {
  const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `global/g${i}`);

  it('reads at most 20 secrets a call, current values only, and maps them back to their names', async () => {
    // Prepare: every secret exists, its value its own name reversed
    sm.on(BatchGetSecretValueCommand).callsFake((input: { SecretIdList: string[] }) => ({
      SecretValues: input.SecretIdList.map((id) => ({ Name: id, SecretString: [...id].reverse().join('') })),
    }));
    const store = new SecretsManagerStore({ client });

    // Act
    const values = await store.getMany(names(45));

    // Assess
    const lists = sm.commandCalls(BatchGetSecretValueCommand).map((c) => c.args[0].input.SecretIdList ?? []);
    expect(lists.map((l) => l.length)).toEqual([20, 20, 5]);
    expect(lists.flat()).toEqual(names(45).map((n) => `triggerhub/${n}`));
    expect(values.size).toBe(45);
    expect(values.get('global/g7')).toBe([...'triggerhub/global/g7'].reverse().join(''));
  });

  it('leaves out a missing secret, warns once about an unreadable one, and keeps the others', async () => {
    // Prepare
    const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [{ Name: 'triggerhub/global/ok', SecretString: 'fine' }],
      Errors: [
        { SecretId: 'triggerhub/global/gone', ErrorCode: 'ResourceNotFoundException', Message: 'not found' },
        { SecretId: 'triggerhub/global/denied', ErrorCode: 'AccessDeniedException', Message: 'no kms' },
      ],
    });
    const store = new SecretsManagerStore({ client, maxAge: 0 });

    // Act
    const first = await store.getMany(['global/ok', 'global/gone', 'global/denied']);
    await store.getMany(['global/ok', 'global/gone', 'global/denied']);

    // Assess
    expect([...first.entries()]).toEqual([['global/ok', 'fine']]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(warn.mock.calls[0])).toContain('triggerhub/global/denied');
    expect(JSON.stringify(warn.mock.calls[0])).not.toContain('fine');
  });

  it('caches each value (and each absence) for maxAge', async () => {
    // Prepare
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [{ Name: 'triggerhub/global/a', SecretString: 'A' }],
    });
    const store = new SecretsManagerStore({ client, maxAge: 60 });

    // Act
    await store.getMany(['global/a', 'global/missing']);
    const again = await store.getMany(['global/missing', 'global/a']);

    // Assess
    expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(1);
    expect([...again.entries()]).toEqual([['global/a', 'A']]);
  });

  it('turns an outage into a ServiceUnavailableError, which the last-known wrapper answers from memory', async () => {
    // Prepare
    vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    sm.on(BatchGetSecretValueCommand)
      .resolvesOnce({ SecretValues: [{ Name: 'triggerhub/global/a', SecretString: 'A' }] })
      .rejects(throttled());
    const raw = new SecretsManagerStore({ client, maxAge: 0 });
    const wrapped = withLastKnownSecrets(raw);

    // Act
    const first = await wrapped.getMany?.(['global/a']);
    const duringOutage = await wrapped.getMany?.(['global/a']);

    // Assess
    await expect(raw.getMany(['global/a'])).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(first?.get('global/a')).toBe('A');
    expect(duringOutage?.get('global/a')).toBe('A');
  });
});
