import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { HttpRequest, HttpResponse } from '@smithy/types';
import { afterAll } from 'vitest';
import { bodyText } from '../../bench/canned-transport.ts';
import { LocalSecretStore, secretFilePath } from '../../shared/secrets/local-secret-store.ts';
import { SecretsManagerStore } from '../../shared/secrets/secrets-manager-store.ts';
import { useFixedAwsCredentials } from '../helpers/aws-credentials.ts';
import type { SecretSeed } from '../contract/secret-store.contract.ts';
import { describeSecretStoreContract } from '../contract/secret-store.contract.ts';
import { MemorySecrets } from '../helpers/memory-deps.ts';

// The fake the unit tests use, the local store of `npm start` and the Secrets
// Manager adapter answer alike. The adapter runs on the real SDK client (its
// serialization, signing and error parsing), over an in-process transport
// that answers GetSecretValue as Secrets Manager does.

useFixedAwsCredentials();

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const versionsOf = ({ current, previous }: SecretSeed): string[] =>
  previous === undefined ? [current] : [current, previous];

describeSecretStoreContract('MemorySecrets', (secrets) =>
  Promise.resolve(
    new MemorySecrets(Object.fromEntries(Object.entries(secrets).map(([n, s]) => [n, versionsOf(s)]))),
  ),
);

describeSecretStoreContract('LocalSecretStore', async (secrets) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'triggerhub-secret-contract-'));
  dirs.push(dataDir);
  const store = new LocalSecretStore({ dataDir, env: {} });
  for (const [name, { current, previous }] of Object.entries(secrets)) {
    await store.setSecret(name, current);
    if (previous !== undefined) await writeFile(`${secretFilePath(dataDir, name)}.previous`, previous);
  }
  return store;
});

const json = (status: number, body: object, errorType?: string): { response: HttpResponse } => ({
  response: {
    statusCode: status,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
    },
    body: Buffer.from(JSON.stringify(body)),
  },
});

/** Secrets Manager's GetSecretValue, by secret id and version stage; anything else is a test bug. */
const secretsManagerTransport = (secrets: Readonly<Record<string, SecretSeed>>) => ({
  metadata: { handlerProtocol: 'h1' },
  updateHttpClientConfig: () => undefined,
  httpHandlerConfigs: () => ({}),
  destroy: () => undefined,
  handle: (request: HttpRequest) => {
    if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
      return Promise.reject(new Error(`unexpected call ${String(request.headers['x-amz-target'])}`));
    }
    const { SecretId, VersionStage } = JSON.parse(bodyText(request.body)) as Record<string, string>;
    const seed = secrets[SecretId ?? ''];
    const value = VersionStage === 'AWSPREVIOUS' ? seed?.previous : seed?.current;
    return Promise.resolve(
      value === undefined
        ? json(
            400,
            {
              __type: 'ResourceNotFoundException',
              message: "Secrets Manager can't find the specified secret.",
            },
            'ResourceNotFoundException',
          )
        : json(200, { Name: SecretId, SecretString: value, VersionStages: [VersionStage] }),
    );
  },
});

describeSecretStoreContract('SecretsManagerStore (real SDK client)', (secrets) => {
  const prefix = 'contract/';
  const ids = Object.fromEntries(Object.entries(secrets).map(([n, s]) => [`${prefix}${n}`, s]));
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    requestHandler: secretsManagerTransport(ids),
  });
  return Promise.resolve(new SecretsManagerStore({ client, prefix }));
});
