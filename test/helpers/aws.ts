import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { provision } from '../../cli/local/provision.ts';
import type { Provisioned, ProvisionOptions } from '../../cli/local/provision.ts';
import { createAwsClients } from '../../shared/aws/clients.ts';
import type { AwsClients } from '../../shared/aws/clients.ts';
import { loadConfig } from '../../shared/config.ts';
import type { Config } from '../../shared/config.ts';
import { tableDefinition } from '../../shared/store/table-definition.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    sqsEndpoint: string;
    s3Endpoint: string;
  }
}

export const TEST_REGION = 'us-east-1';

/** SDK clients on the emulators started by test/global-setup.ts (integration project only). */
export const testClients = (): AwsClients =>
  createAwsClients({
    region: TEST_REGION,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    sqsEndpoint: inject('sqsEndpoint'),
    s3Endpoint: inject('s3Endpoint'),
  });

export interface TestResources extends Provisioned, ProvisionOptions {
  clients: AwsClients;
}

/**
 * A table, a queue with its DLQ, and a bucket named for one test file, so that
 * files running in parallel on the shared emulators never see each other's data.
 */
export const freshResources = async (
  prefix: string,
  options: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<TestResources> => {
  // Lower-case letters, digits and '-' suit tables, queues and buckets (3–63 characters) alike.
  const base = `${prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 40)}-${randomBytes(4).toString('hex')}`;
  const clients = testClients();
  const names = {
    tableName: `${base}-table`,
    queueName: `${base}-runs`,
    dlqName: `${base}-dlq`,
    bucketName: `${base}-payloads`,
    maxReceiveCount: options.maxReceiveCount ?? 3,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 30,
  };
  const provisioned = await provision(clients, names);
  return { clients, ...names, ...provisioned };
};

/** The functions' config on `res` and the emulators, as a deployed stack's environment would give it; `env` adds to it. */
export const resourcesConfig = (res: TestResources, env: Record<string, string> = {}): Config =>
  loadConfig({
    TRIGGERHUB_TABLE: res.tableName,
    TRIGGERHUB_QUEUE_URL: res.queueUrl,
    TRIGGERHUB_PAYLOAD_BUCKET: res.bucketName,
    TRIGGERHUB_DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
    TRIGGERHUB_SQS_ENDPOINT: inject('sqsEndpoint'),
    TRIGGERHUB_S3_ENDPOINT: inject('s3Endpoint'),
    AWS_REGION: TEST_REGION,
    ...env,
  });

/** A new, empty single table on dynalite (`<prefix>-<random>`), ACTIVE: a store's options. */
export const freshTable = async (prefix: string) => {
  const clients = testClients();
  const tableName = `${prefix}-${randomBytes(6).toString('hex')}`;
  await clients.ddb.send(new CreateTableCommand(tableDefinition(tableName)));
  // Even with createTableMs: 0, dynalite turns a table ACTIVE a moment after answering.
  for (let i = 0; i < 200; i++) {
    const { Table } = await clients.ddb.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return { client: clients.ddb, tableName };
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
};
