import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmulators } from '../../cli/local/emulators.ts';
import type { Emulators } from '../../cli/local/emulators.ts';
import { provision } from '../../cli/local/provision.ts';
import { createAwsClients } from '../../shared/aws/clients.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { TEST_REGION } from '../helpers/aws.ts';

const NAMES = {
  tableName: 'persisted',
  queueName: 'persisted-runs',
  dlqName: 'persisted-dlq',
  bucketName: 'persisted-payloads',
  maxReceiveCount: 3,
  visibilityTimeoutSeconds: 30,
};

const openStore = async (emulators: Emulators): Promise<DynamoJobStore> => {
  const clients = createAwsClients({ region: TEST_REGION, ...emulators });
  // As `npm start` does on every start: must find the table rather than fail on it.
  await provision(clients, NAMES);
  return new DynamoJobStore({ client: clients.ddb, tableName: NAMES.tableName });
};

describe('emulators on disk', () => {
  const running: Emulators[] = [];
  let dataDir: string | undefined;

  afterAll(async () => {
    await Promise.all(running.map((e) => e.stop()));
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps DynamoDB items across a restart of the emulators', async () => {
    // Prepare
    dataDir = await mkdtemp(join(tmpdir(), 'triggerhub-emulators-'));
    const job = JobSchema.parse({ id: 'kept', name: 'Kept', integration: 'echo', auth: { secret: 'demo' } });
    const first = await startEmulators({ dataDir });
    running.push(first);
    await (await openStore(first)).put(job);

    // Act
    await first.stop();
    const second = await startEmulators({ dataDir });
    running.push(second);
    const read = await (await openStore(second)).get('kept');

    // Assess
    expect(first.dynamodbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(read).toEqual(job);
  });
});
