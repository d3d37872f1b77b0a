import {
  CreateSecretCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminDeps } from '../../functions/admin/deps.ts';
import { loadConfig } from '../../shared/config.ts';
import { SecretsManagerWriter } from '../../shared/secrets/secrets-manager-writer.ts';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const client = new SecretsManagerClient({ region: 'eu-west-1' });
const sm = mockClient(client);
const notFound = (): ResourceNotFoundException =>
  new ResourceNotFoundException({
    message: "Secrets Manager can't find the specified secret.",
    $metadata: {},
  });

beforeEach(() => {
  sm.reset();
  // A new masked global: no secret yet, so PutSecretValue fails and CreateSecret makes it.
  sm.on(PutSecretValueCommand).rejects(notFound());
  sm.on(CreateSecretCommand).resolves({});
});

const config = (env: Record<string, string> = {}) =>
  loadConfig({ TRIGGERHUB_TABLE: 't', TRIGGERHUB_QUEUE_URL: 'q', TRIGGERHUB_PAYLOAD_BUCKET: 'b', ...env });

describe('a masked global created under the configured KMS key', () => {
  it('CreateSecret carries KmsKeyId when the writer is given a key', async () => {
    await new SecretsManagerWriter({ prefix: 'triggerhub/', client: () => client, kmsKeyId: KEY }).put(
      'global/token',
      'v1',
    );
    expect(sm.commandCalls(CreateSecretCommand).map((c) => c.args[0].input.KmsKeyId)).toEqual([KEY]);
  });

  it('CreateSecret names no key without one (the AWS-managed key)', async () => {
    await new SecretsManagerWriter({ prefix: 'triggerhub/', client: () => client }).put('global/token', 'v1');
    const [create] = sm.commandCalls(CreateSecretCommand);
    expect(create?.args[0].input).not.toHaveProperty('KmsKeyId');
  });

  it('admin’s wiring passes TRIGGERHUB_SECRETS_KMS_KEY_ARN to the writer', async () => {
    // Prepare
    const deps = createAdminDeps(config({ TRIGGERHUB_SECRETS_KMS_KEY_ARN: KEY }), {
      clients: { secretsManager: client },
    });

    // Act
    await deps.secretWriter?.put('global/token', 'v1');

    // Assess
    expect(sm.commandCalls(CreateSecretCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ Name: 'triggerhub/global/token', KmsKeyId: KEY }),
    ]);
  });

  it('the configuration refuses a key alias or anything but a key ARN', () => {
    expect(() => config({ TRIGGERHUB_SECRETS_KMS_KEY_ARN: 'alias/triggerhub' })).toThrow(
      /TRIGGERHUB_SECRETS_KMS_KEY_ARN: a KMS key ARN/,
    );
    expect(config({ TRIGGERHUB_SECRETS_KMS_KEY_ARN: KEY }).TRIGGERHUB_SECRETS_KMS_KEY_ARN).toBe(KEY);
  });
});
