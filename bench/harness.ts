import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startEmulators } from '../cli/local/emulators.ts';
import type { Emulators } from '../cli/local/emulators.ts';
import { provision } from '../cli/local/provision.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import type { AwsClients } from '../shared/aws/clients.ts';
import { loadConfig } from '../shared/config.ts';
import type { Config } from '../shared/config.ts';
import { tableDefinition } from '../shared/store/table-definition.ts';
import type { TableSpec, WireItem } from './counting.ts';
import { CountingHandler, tableSpec } from './counting.ts';
import type { BenchSection } from './row.ts';
import { verdictOf } from './row.ts';
import { fixed } from './stats.ts';

/**
 * What the counted bench paths share: dynalite and fauxqs in this process,
 * real SDK clients behind a {@link CountingHandler}, a fresh table per
 * scenario (the layout `tableDefinition()` declares), the run queue, and the
 * log lines the handlers write, captured.
 */

export const REGION = 'us-east-1';
export const SECRET = 's3cr3t-value';
export const SECRET_ID = `triggerhub/demo`;
export { BODY_BYTES, bodyOf } from './lambda.ts';

/**
 * Runs `fn` with stdout and stderr captured (not printed): the bytes and
 * lines our handlers log, which CloudWatch Logs ingests in AWS.
 */
export const captureOutput = async <T>(
  fn: () => Promise<T>,
): Promise<{ value: T; bytes: number; lines: number }> => {
  const out = process.stdout.write;
  const err = process.stderr.write;
  let bytes = 0;
  let lines = 0;
  const count = (chunk: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    bytes += Buffer.byteLength(text);
    lines += text.split('\n').length - 1;
    return true;
  };
  process.stdout.write = count;
  process.stderr.write = count;
  try {
    return { value: await fn(), bytes, lines };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
};

export interface Bench {
  emulators: Emulators;
  plain: AwsClients;
  observer: DynamoDBClient;
  counter: CountingHandler;
  tables: Record<string, TableSpec>;
  queueUrl: string;
  bucket: string;
}

let tableSeq = 0;

/** A fresh table (same layout as production) behind the counter; the queue and bucket are shared. */
export const freshTable = async (
  bench: Bench,
  label: string,
): Promise<{ tableName: string; config: Config }> => {
  const tableName = `bench-${label}-${++tableSeq}`;
  await provision(bench.plain, {
    tableName,
    queueName: 'bench-runs',
    dlqName: 'bench-dlq',
    bucketName: bench.bucket,
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
  });
  bench.tables[tableName] = tableSpec(tableDefinition(tableName));
  const config = loadConfig({
    TRIGGERHUB_TABLE: tableName,
    TRIGGERHUB_QUEUE_URL: bench.queueUrl,
    TRIGGERHUB_PAYLOAD_BUCKET: bench.bucket,
    TRIGGERHUB_DYNAMODB_ENDPOINT: bench.emulators.dynamodbEndpoint,
    TRIGGERHUB_SQS_ENDPOINT: bench.emulators.sqsEndpoint,
    TRIGGERHUB_S3_ENDPOINT: bench.emulators.s3Endpoint,
    AWS_REGION: REGION,
  });
  return { tableName, config };
};

export const startBench = async (): Promise<Bench> => {
  // The SDK's default credential chain would look for a profile or instance metadata; the emulators take any key.
  process.env.AWS_ACCESS_KEY_ID ??= 'triggerhub-bench';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'triggerhub-bench';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const emulators = await startEmulators();
  const plain = createAwsClients({
    region: REGION,
    dynamodbEndpoint: emulators.dynamodbEndpoint,
    sqsEndpoint: emulators.sqsEndpoint,
    s3Endpoint: emulators.s3Endpoint,
  });
  const observer = new DynamoDBClient({
    region: REGION,
    endpoint: emulators.dynamodbEndpoint,
    credentials: { accessKeyId: 'triggerhub-bench', secretAccessKey: 'triggerhub-bench' },
  });
  const tables: Record<string, TableSpec> = {};
  const counter = new CountingHandler({
    inner: new NodeHttpHandler(),
    observer,
    tables,
    secrets: { [SECRET_ID]: SECRET },
  });
  const bucket = 'bench-payloads';
  const { queueUrl } = await provision(plain, {
    tableName: 'bench-setup',
    queueName: 'bench-runs',
    dlqName: 'bench-dlq',
    bucketName: bucket,
    maxReceiveCount: 3,
    visibilityTimeoutSeconds: 30,
  });
  return { emulators, plain, observer, counter, tables, queueUrl, bucket };
};

/** Runs `measure` on a fresh bench (dynalite and fauxqs in this process), and stops it after. */
export const withBench = async <T>(measure: (bench: Bench) => Promise<T>): Promise<T> => {
  const bench = await startBench();
  try {
    return await measure(bench);
  } finally {
    bench.observer.destroy();
    await bench.emulators.stop();
  }
};

export const scanAll = async (bench: Bench, tableName: string): Promise<WireItem[]> => {
  const items: WireItem[] = [];
  let start: Record<string, AttributeValue> | undefined;
  for (let page = 0; page < 10_000; page++) {
    const out = await bench.observer.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
    if (start === undefined) break;
  }
  return items;
};

/** Receives (uncounted: the Lambda event source does it in AWS) every run message sent so far. */
export const receiveAll = async (
  bench: Bench,
  expected: number,
): Promise<{ body: string; receiptHandle: string }[]> => {
  const messages: { body: string; receiptHandle: string }[] = [];
  for (let attempt = 0; attempt < 200 && messages.length < expected; attempt++) {
    const out = await bench.plain.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: bench.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const batch = (out.Messages ?? []).map((m) => ({
      body: m.Body ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
    }));
    messages.push(...batch);
    if (batch.length > 0) {
      await bench.plain.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: bench.queueUrl,
          Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle })),
        }),
      );
    }
  }
  return messages;
};

/** Drains the run queue, so a scenario's sends do not reach the next one's receive. */
export const drainQueue = async (bench: Bench): Promise<void> => {
  for (let i = 0; i < 1000; i++) if ((await receiveAll(bench, 1)).length === 0) return;
};

/** Progress on stderr, like the rest of the bench: the table goes to stdout. */
export const phase = async <T>(label: string, measure: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const value = await measure();
  process.stderr.write(`bench: units: ${label} (${fixed((performance.now() - started) / 1000, 1)} s)\n`);
  return value;
};

export const kib = (bytes: number): string => `${fixed(bytes / 1024, 1)} KiB`;

/**
 * `npx tsx bench/<name>.ts`: one section alone, its rows and notes on stdout;
 * exits 1 when a budget is missed, 2 when the bench itself failed.
 */
export const runSectionAlone = async (name: string, measure: () => Promise<BenchSection>): Promise<void> => {
  try {
    const { rows, notes } = await measure();
    for (const r of rows) process.stdout.write(`${verdictOf(r)}  ${r.name}: ${r.measured} | ${r.target}\n`);
    for (const note of notes) process.stdout.write(`- ${note}\n`);
    process.exitCode = rows.some((r) => r.pass === false) ? 1 : 0;
  } catch (e) {
    process.stderr.write(
      `${name} bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exitCode = 2;
  }
};
