import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminDeps } from '../../functions/admin/deps.ts';
import { loadConfig } from '../../shared/config.ts';

const client = new SecretsManagerClient({ region: 'eu-west-1' });
const sm = mockClient(client);

beforeEach(() => {
  sm.reset();
});

const config = () =>
  loadConfig({
    TRIGGERHUB_TABLE: 't',
    TRIGGERHUB_QUEUE_URL: 'q',
    TRIGGERHUB_PAYLOAD_BUCKET: 'b',
    TRIGGERHUB_SECRET_PREFIX: 'triggerhub-prod/',
  });

describe('the admin function reads job secrets (a ticket job’s target calls)', () => {
  it('under the stack’s prefix, on first use', async () => {
    // Prepare
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'jira-token-value', VersionId: 'v1' });
    const deps = createAdminDeps(config(), { clients: { secretsManager: client } });
    const before = sm.calls().length;

    // Act
    const versions = await deps.secrets.getVersions('jira');

    // Assess
    expect(before).toBe(0);
    expect(versions[0]).toBe('jira-token-value');
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input.SecretId)).toContain(
      'triggerhub-prod/jira',
    );
  });

  it('masked globals in one batch read', async () => {
    // Prepare
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [{ Name: 'triggerhub-prod/global/proxy', SecretString: 'http://u:p@proxy:3128' }],
      Errors: [],
    });
    const deps = createAdminDeps(config(), { clients: { secretsManager: client } });

    // Act
    const found = await deps.secrets.getMany?.(['global/proxy']);

    // Assess
    expect(found?.get('global/proxy')).toBe('http://u:p@proxy:3128');
    expect(sm.commandCalls(BatchGetSecretValueCommand)).toHaveLength(1);
  });
});
