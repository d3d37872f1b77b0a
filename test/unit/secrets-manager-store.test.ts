import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import { SecretsManagerStore } from '../../shared/secrets/secrets-manager-store.ts';

const notFound = (): ResourceNotFoundException =>
  new ResourceNotFoundException({
    message: "Secrets Manager can't find the specified secret.",
    $metadata: {},
  });

describe('SecretsManagerStore', () => {
  const client = new SecretsManagerClient({ region: 'us-east-1' });
  const sm = mockClient(client);

  beforeEach(() => {
    sm.reset();
    // Anything not set up below does not exist.
    sm.on(GetSecretValueCommand).rejects(notFound());
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const calls = () =>
    sm
      .commandCalls(GetSecretValueCommand)
      .map((c) => `${c.args[0].input.SecretId}@${c.args[0].input.VersionStage}`);

  it('answers the current value alone when the secret was never rotated', async () => {
    // Prepare
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/demo', VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: 'current-value',
    });
    const store = new SecretsManagerStore({ client });

    // Act
    const versions = await store.getVersions('demo');

    // Assess
    expect(versions).toEqual(['current-value']);
    expect(calls().sort()).toEqual(['triggerhub/demo@AWSCURRENT', 'triggerhub/demo@AWSPREVIOUS']);
  });

  it('answers the current then the previous value during a rotation', async () => {
    // Prepare
    sm.on(GetSecretValueCommand, { SecretId: 'acme/hook', VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: 'new',
    });
    sm.on(GetSecretValueCommand, { SecretId: 'acme/hook', VersionStage: 'AWSPREVIOUS' }).resolves({
      SecretString: 'old',
    });
    const store = new SecretsManagerStore({ client, prefix: 'acme/' });

    // Act
    const versions = await store.getVersions('hook');

    // Assess
    expect(versions).toEqual(['new', 'old']);
  });

  it('caches the current and the previous value apart', async () => {
    // Prepare
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/hook', VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: 'new',
    });
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/hook', VersionStage: 'AWSPREVIOUS' }).resolves({
      SecretString: 'old',
    });
    const store = new SecretsManagerStore({ client, maxAge: 60 });

    // Act
    const first = await store.getVersions('hook');
    const cached = await store.getVersions('hook');

    // Assess
    expect(first).toEqual(['new', 'old']);
    expect(cached).toEqual(['new', 'old']);
    expect(calls()).toHaveLength(2);
  });

  it('answers [] for a secret that does not exist', async () => {
    // Prepare
    const store = new SecretsManagerStore({ client });

    // Act + Assess
    expect(await store.getVersions('missing')).toEqual([]);
  });

  it('decodes a binary secret as UTF-8', async () => {
    // Prepare
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/bin', VersionStage: 'AWSCURRENT' }).resolves({
      SecretBinary: new TextEncoder().encode('bytes ✓'),
    });
    const store = new SecretsManagerStore({ client });

    // Act + Assess
    expect(await store.getVersions('bin')).toEqual(['bytes ✓']);
  });

  it('caches values and absences for maxAge seconds, then reads again', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-22T10:00:00Z'));
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/demo', VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: 'v1',
    });
    const store = new SecretsManagerStore({ client, maxAge: 60 });

    // Act
    const first = await store.getVersions('demo');
    const cached = await store.getVersions('demo');
    const callsWhileCached = calls().length;
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/demo', VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: 'v2',
    });
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/demo', VersionStage: 'AWSPREVIOUS' }).resolves({
      SecretString: 'v1',
    });
    vi.setSystemTime(new Date('2026-11-22T10:01:01Z'));
    const afterExpiry = await store.getVersions('demo');

    // Assess
    expect(first).toEqual(['v1']);
    expect(cached).toEqual(['v1']);
    expect(callsWhileCached).toBe(2);
    expect(afterExpiry).toEqual(['v2', 'v1']);
    expect(calls()).toHaveLength(4);
  });

  it('reads every time with maxAge 0', async () => {
    // Prepare
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/demo', VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: 'v1',
    });
    const store = new SecretsManagerStore({ client, maxAge: 0 });

    // Act
    await store.getVersions('demo');
    await store.getVersions('demo');

    // Assess
    expect(calls()).toHaveLength(4);
  });

  it('turns any other failure into ServiceUnavailableError, keeping the cause', async () => {
    // Prepare
    const denied = new SecretsManagerServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      message: 'not allowed',
      $metadata: {},
    });
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/denied' }).rejects(denied);
    const store = new SecretsManagerStore({ client });

    // Act
    const error: unknown = await store.getVersions('denied').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ message: 'secret store unavailable', cause: denied });
  });
});
