import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { CannedTransport } from '../../bench/canned-transport.ts';
import { packageOfInput } from '../../functions/sdk-clients.ts';
import { jobSecrets } from '../../functions/wiring/secrets.ts';
import { createSecretsManagerClient } from '../../shared/aws/secrets-manager-client.ts';
import { loadConfig } from '../../shared/config.ts';
import { useFixedAwsCredentials } from '../helpers/aws-credentials.ts';
import { importGraphOf } from '../helpers/lambda-bundle.ts';

useFixedAwsCredentials();

describe('createSecretsManagerClient', () => {
  it('builds the client for the region, on the transport given', async () => {
    // Prepare
    const transport = new CannedTransport({ secrets: { 'triggerhub/demo': 's3cr3t' } });
    const client = createSecretsManagerClient({ region: 'eu-west-3', requestHandler: transport });

    // Act
    const out = await client.send(new GetSecretValueCommand({ SecretId: 'triggerhub/demo' }));

    // Assess
    expect(await client.config.region()).toBe('eu-west-3');
    expect(out.SecretString).toBe('s3cr3t');
    expect(transport.count('SecretsManager.GetSecretValue')).toBe(1);
  });
});

describe('the functions’ job secrets (functions/wiring/secrets.ts)', () => {
  it('read both version stages through the one client, with the configured prefix, then from the cache', async () => {
    // Prepare
    const transport = new CannedTransport({ secrets: { 'acme/demo': 'v1' } });
    const config = loadConfig({
      TRIGGERHUB_TABLE: 't',
      TRIGGERHUB_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
      TRIGGERHUB_PAYLOAD_BUCKET: 'b',
      TRIGGERHUB_SECRET_PREFIX: 'acme/',
    });
    const secrets = jobSecrets(config, { requestHandler: transport });

    // Act
    const first = await secrets.getVersions('demo');
    const cached = await secrets.getVersions('demo');

    // Assess
    expect(first).toEqual(['v1']);
    expect(cached).toEqual(['v1']);
    expect(transport.count('SecretsManager.GetSecretValue')).toBe(2);
    expect(transport.total()).toBe(2);
  });

  it('bundle no Powertools Parameters, nor the commons package it brings', async () => {
    // Act
    const graph = await importGraphOf('functions/wiring/secrets.ts');

    // Assess
    const packages = new Set(Object.keys(graph.inputs).map(packageOfInput));
    expect(packages).toContain('@aws-sdk/client-secrets-manager');
    for (const pkg of ['@aws-lambda-powertools/parameters', '@aws-lambda-powertools/commons']) {
      expect(packages).not.toContain(pkg);
    }
  });
});
