import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
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
    vi.restoreAllMocks();
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

  it('answers a previous value equal to the current one once', async () => {
    // Prepare
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/same' }).resolves({ SecretString: 'same' });
    const store = new SecretsManagerStore({ client });

    // Act + Assess
    expect(await store.getVersions('same')).toEqual(['same']);
  });

  it('answers a version without a value (neither string nor binary) as absent, and caches the absence', async () => {
    // Prepare
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/empty' }).resolves({ Name: 'triggerhub/empty' });
    const store = new SecretsManagerStore({ client, maxAge: 60 });

    // Act
    const first = await store.getVersions('empty');
    const again = await store.getVersions('empty');

    // Assess
    expect(first).toEqual([]);
    expect(again).toEqual([]);
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

  it('never serves a value longer than maxAge after Secrets Manager gave it, however often it is asked', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-22T10:00:00Z'));
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/demo', VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: 'old',
    });
    const store = new SecretsManagerStore({ client, maxAge: 60 });
    await store.getVersions('demo');
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/demo', VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: 'revoked-and-replaced',
    });

    // Act
    vi.setSystemTime(new Date('2026-11-22T10:00:59Z'));
    const late = await store.getVersions('demo');
    vi.setSystemTime(new Date('2026-11-22T10:01:00.001Z'));
    const expired = await store.getVersions('demo');

    // Assess
    expect(late).toEqual(['old']);
    expect(expired).toEqual(['revoked-and-replaced']);
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

  const smError = (name: string, message: string, extra: Record<string, unknown> = {}) =>
    Object.assign(
      new SecretsManagerServiceException({
        name,
        $fault: 'client',
        message,
        $metadata: { httpStatusCode: 400 },
      }),
      extra,
    );

  const UNREADABLE_LINE = 'secret cannot be read: treated as absent, so it authenticates nobody';

  /** Errors that say the secret cannot be used (not that Secrets Manager is down), as GetSecretValue throws them. */
  const UNREADABLE: [string, () => Error, RegExp][] = [
    [
      'InvalidRequestException (marked for deletion)',
      () =>
        smError(
          'InvalidRequestException',
          "You can't perform this operation on the secret because it was marked for deletion.",
        ),
      /scheduled for deletion/,
    ],
    [
      'AccessDeniedException (GetSecretValue no longer allowed)',
      () =>
        smError(
          'AccessDeniedException',
          'User: arn:aws:sts::123456789012:assumed-role/ingest/fn is not authorized to perform: secretsmanager:GetSecretValue on resource: triggerhub/hook',
        ),
      /may not read it/,
    ],
    [
      'AccessDeniedException (KMS grant removed)',
      () => smError('AccessDeniedException', 'Access to KMS is not allowed'),
      /KMS key \(kms:Decrypt\)/,
    ],
    [
      'DecryptionFailure',
      () =>
        smError(
          'DecryptionFailure',
          "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
        ),
      /cannot decrypt/,
    ],
    [
      'KMSDisabledException',
      () => smError('KMSDisabledException', 'arn:aws:kms:us-east-1:123456789012:key/abc is disabled.'),
      /KMS key cannot be used/,
    ],
    [
      'KMSInvalidStateException',
      () => smError('KMSInvalidStateException', 'key is pending deletion'),
      /KMS key cannot be used/,
    ],
  ];

  it.each(UNREADABLE)(
    'answers [] for %s, so the old value authenticates nobody, with one WARN saying why (never the value)',
    async (_label, error, why) => {
      // Prepare: a warm store that has read the value before (no cache, as after maxAge).
      const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
      sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/hook', VersionStage: 'AWSCURRENT' }).resolves({
        SecretString: 'the-old-value',
      });
      const store = new SecretsManagerStore({ client, maxAge: 0 });
      expect(await store.getVersions('hook')).toEqual(['the-old-value']);
      sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/hook' }).rejects(error());

      // Act
      const first = await store.getVersions('hook');
      const second = await store.getVersions('hook');

      // Assess
      expect(first).toEqual([]);
      expect(second).toEqual([]);
      const lines = warn.mock.calls.filter(([m]) => m === UNREADABLE_LINE);
      expect(lines).toHaveLength(1);
      expect(lines[0]![1]).toMatchObject({
        secret: 'triggerhub/hook',
        reason: error().name,
        why: expect.stringMatching(why) as unknown,
      });
      expect(JSON.stringify(warn.mock.calls)).not.toContain('the-old-value');
    },
  );

  it('caches an unreadable secret like an absent one, for maxAge seconds', async () => {
    // Prepare
    vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/hook' }).rejects(
      smError('InvalidRequestException', 'it was marked for deletion.'),
    );
    const store = new SecretsManagerStore({ client, maxAge: 60 });

    // Act
    await store.getVersions('hook');
    await store.getVersions('hook');

    // Assess
    expect(calls()).toHaveLength(2);
  });

  it('warns again once the secret was readable in between', async () => {
    // Prepare
    const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const denied = smError('AccessDeniedException', 'not allowed');
    const store = new SecretsManagerStore({ client, maxAge: 0 });
    const current = { SecretId: 'triggerhub/hook', VersionStage: 'AWSCURRENT' } as const;

    // Act
    sm.on(GetSecretValueCommand, current).rejects(denied);
    await store.getVersions('hook');
    await store.getVersions('hook');
    sm.on(GetSecretValueCommand, current).resolves({ SecretString: 'v' });
    await store.getVersions('hook');
    sm.on(GetSecretValueCommand, current).rejects(denied);
    await store.getVersions('hook');

    // Assess
    expect(warn.mock.calls.filter(([m]) => m === UNREADABLE_LINE)).toHaveLength(2);
  });

  it('says nothing about a secret that was never rotated (no AWSPREVIOUS) or does not exist', async () => {
    // Prepare
    const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/demo', VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: 'v',
    });
    const store = new SecretsManagerStore({ client });

    // Act + Assess
    expect(await store.getVersions('demo')).toEqual(['v']);
    expect(await store.getVersions('missing')).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  const networkError = (code: string): Error =>
    Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code });

  it.each([
    [
      'ThrottlingException',
      () => smError('ThrottlingException', 'Rate exceeded', { $retryable: { throttling: true } }),
    ],
    [
      'InternalServiceError',
      () =>
        new SecretsManagerServiceException({
          name: 'InternalServiceError',
          $fault: 'server',
          message: 'An error occurred on the server side.',
          $metadata: { httpStatusCode: 500 },
        }),
    ],
    [
      'a 503',
      () =>
        new SecretsManagerServiceException({
          name: 'ServiceUnavailable',
          $fault: 'server',
          message: 'unavailable',
          $metadata: { httpStatusCode: 503 },
        }),
    ],
    ['a refused connection', () => networkError('ECONNREFUSED')],
    ['a reset connection', () => networkError('ECONNRESET')],
    ['a DNS failure', () => networkError('ENOTFOUND')],
    [
      'a time-out',
      () => Object.assign(new Error('socket timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' }),
    ],
  ])('turns %s into ServiceUnavailableError, keeping the cause', async (_label, make) => {
    // Prepare
    const cause = make();
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/down' }).rejects(cause);
    const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const store = new SecretsManagerStore({ client });

    // Act
    const error: unknown = await store.getVersions('down').catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ message: 'secret store unavailable', cause });
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('SecretsManagerStore without a client', () => {
  afterEach(() => vi.restoreAllMocks());

  it('creates one client and reads both version stages through it', async () => {
    // Prepare: every SecretsManagerClient's send, the store's own included; vitest records each call's `this`
    const send = vi
      .spyOn(SecretsManagerClient.prototype, 'send')
      .mockResolvedValue({ SecretString: 'value' } as never);
    const store = new SecretsManagerStore({ maxAge: 0 });

    // Act
    await store.getVersions('demo');

    // Assess: AWSCURRENT and AWSPREVIOUS went out on the same client instance
    const stages = send.mock.calls.map(([command]) =>
      command instanceof GetSecretValueCommand ? command.input.VersionStage : undefined,
    );
    expect(stages.sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
    expect(new Set(send.mock.contexts).size).toBe(1);
  });
});
