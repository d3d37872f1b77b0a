import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  Context,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import type { HttpHandler } from '../functions/http-handler.ts';
import { createIngestHandler } from '../functions/ingest/app.ts';
import { createWorkerLambda } from '../functions/worker/app.ts';
import logEvent from '../integrations/log-event/index.ts';
import type { AwsClients } from '../shared/aws/clients.ts';
import { createAwsClients } from '../shared/aws/clients.ts';
import type { Config } from '../shared/config.ts';
import { loadConfig } from '../shared/config.ts';
import type { JobInput, TriggerEvent } from '../shared/model/index.ts';
import { JobSchema } from '../shared/model/index.ts';
import type { IntegrationLogger } from '../shared/sdk/index.ts';
import { DynamoJobStore } from '../shared/store/dynamo-job-store.ts';
import { CannedTransport } from './canned-transport.ts';
import { contextOutsideRun } from '../shared/runtime/toolbox/index.ts';

/**
 * What the CPU, decision and memory figures share: the real handlers built as
 * the Lambda entry points build them, their bare same-calls baselines, and
 * the events API Gateway and SQS hand them. Everything goes through the real
 * SDK v3 clients onto a {@link CannedTransport}.
 */

export const JOB_ID = 'bench';
export const SECRET_NAME = 'triggerhub/bench';
export const SECRET_VALUE = 's3cr3t-value-for-the-bench';
export const SECRET_HEADER = 'x-shared-secret';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/**
 * The environment a Lambda function sees: the variables the stack sets, and
 * the execution role's credentials as the runtime puts them in the
 * environment (fake here; the transport never checks a signature, but the
 * SDK computes it as in AWS). No instance metadata: the bench never leaves
 * the process.
 */
export const lambdaConfig = (): Config => {
  process.env.AWS_ACCESS_KEY_ID = 'ASIABENCHBENCHBENCH0';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench/secret/access/key/bench/bench/bench0';
  process.env.AWS_SESSION_TOKEN = 'bench-session-token';
  process.env.AWS_REGION = REGION;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return loadConfig({
    TRIGGERHUB_TABLE: 'triggerhub-table',
    TRIGGERHUB_QUEUE_URL: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/triggerhub-runs`,
    TRIGGERHUB_PAYLOAD_BUCKET: `triggerhub-payloads-${ACCOUNT}`,
    AWS_REGION: REGION,
  });
};

/** A transport with the bench job stored (written through the real job store) and its secret. */
export const transportWithJob = (
  config: Config,
  job: Partial<JobInput>,
  options: ConstructorParameters<typeof CannedTransport>[0] = {},
): Promise<CannedTransport> => {
  const transport = new CannedTransport({ ...options, secrets: { [SECRET_NAME]: SECRET_VALUE } });
  return seedJob(config, transport, job).then(() => transport);
};

/** Stores a job as admin would (the real job store, the real marshaller), then seeds its item into `transport`. */
export const seedJob = async (
  config: Config,
  transport: CannedTransport,
  job: Partial<JobInput>,
): Promise<void> => {
  const keeping = new CannedTransport({ keepWrites: true });
  const { ddb } = createAwsClients({ region: config.AWS_REGION, requestHandler: keeping });
  await new DynamoJobStore({ client: ddb, tableName: config.TRIGGERHUB_TABLE }).put(
    JobSchema.parse({
      id: JOB_ID,
      name: 'Bench',
      integration: 'log-event',
      auth: { secret: SECRET_NAME.replace(/^triggerhub\//, '') },
      ...job,
    }),
  );
  for (const item of keeping.items.values()) transport.seed(item);
};

/** The ingest Lambda as its first request loads it (`functions/ingest/app.ts`), on `transport`. */
export const realIngestHandler = (config: Config, transport: CannedTransport): HttpHandler =>
  createIngestHandler(config, { requestHandler: transport });

/** The worker Lambda as its first batch loads it (`functions/worker/app.ts`), on `transport`. */
export const realWorkerHandler = (config: Config, transport: CannedTransport) =>
  createWorkerLambda(config, { requestHandler: transport });

let invocations = 0;

/** A Lambda context as the runtime passes it (only what the handlers read is real). */
export const lambdaContext = (functionName: string): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${functionName}`,
  memoryLimitInMB: '512',
  awsRequestId: `00000000-0000-4000-8000-${(invocations++).toString(16).padStart(12, '0')}`,
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: '2026/11/29/[$LATEST]00000000000000000000000000000000',
  getRemainingTimeInMillis: () => 29_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/**
 * Every bench path's webhook body: 2 KiB, a ticket event with 8 firewall
 * rules. The CPU rows and the counted rows (calls, units, log bytes) send the
 * same body, so the cost table prices one delivery, not two different ones.
 */
export const BODY_BYTES = 2 * 1024;
const BODY_RULES = 8;

/**
 * A webhook body of exactly `bytes`, unique per `seq` so the dedupe window
 * accepts every one: a ticket event with a few nested fields and `rules`
 * firewall rules, padded with a note.
 */
export const ticketBody = (seq: number, bytes: number, rules = 0): string => {
  const event = {
    seq,
    event: 'ticket.updated',
    ticket: {
      id: `TCK-${String(seq).padStart(8, '0')}`,
      subject: 'Open TCP 443 from app-tier to db-tier',
      priority: 'high',
      tags: ['firewall', 'change', 'bench'],
      requester: { name: 'Alice Example', email: 'alice@example.com' },
      ...(rules === 0
        ? {}
        : {
            rules: Array.from({ length: rules }, (_, i) => ({
              source: `10.0.${i}.0/24`,
              destination: `10.1.${i}.10`,
              service: 'tcp/443',
              action: 'accept',
            })),
          }),
    },
    note: '',
  };
  const pad = bytes - Buffer.byteLength(JSON.stringify(event));
  return JSON.stringify({ ...event, note: 'n'.repeat(Math.max(0, pad)) });
};

/** The bench's webhook body number `seq` (see {@link BODY_BYTES}). */
export const bodyOf = (seq: number): string => ticketBody(seq, BODY_BYTES, BODY_RULES);

/** An HTTP API (payload 2.0) event for `POST /hooks/bench`, as API Gateway sends it. */
export const hookEvent = (
  body: string,
  extraHeaders: Readonly<Record<string, string>> = {},
): APIGatewayProxyEventV2 => {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: 'POST /hooks/{jobId}',
    rawPath: `/hooks/${JOB_ID}`,
    rawQueryString: '',
    headers: {
      accept: '*/*',
      'content-length': String(Buffer.byteLength(body)),
      'content-type': 'application/json',
      host: `abcdef1234.execute-api.${REGION}.amazonaws.com`,
      'user-agent': 'Tufin-SecureChange/R25-1',
      'x-amzn-trace-id': 'Root=1-00000000-000000000000000000000000',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      [SECRET_HEADER]: SECRET_VALUE,
      ...extraHeaders,
    },
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'abcdef1234',
      domainName: `abcdef1234.execute-api.${REGION}.amazonaws.com`,
      domainPrefix: 'abcdef1234',
      http: {
        method: 'POST',
        path: `/hooks/${JOB_ID}`,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'Tufin-SecureChange/R25-1',
      },
      requestId: `req${now.toString(36)}`,
      routeKey: 'POST /hooks/{jobId}',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    pathParameters: { jobId: JOB_ID },
    body,
    isBase64Encoded: false,
  };
};

/** An SQS event of run messages, as the event source mapping delivers a batch. */
export const sqsEvent = (bodies: readonly string[], config: Config): SQSEvent => ({
  Records: bodies.map((body, i): SQSRecord => ({
    messageId: `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    receiptHandle: `AQEB${i}bench`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1764400000000',
      SenderId: 'AROABENCH:triggerhub-ingest',
      ApproximateFirstReceiveTimestamp: '1764400000001',
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:${config.TRIGGERHUB_QUEUE_URL.split('/').pop() ?? ''}`,
    awsRegion: REGION,
  })),
});

const SECRET_BYTES = Buffer.from(SECRET_VALUE);
const runLogEvent =
  logEvent.run?.bind(logEvent) ??
  ((): never => {
    throw new Error('log-event has no run');
  });
const RETENTION_SECONDS = 30 * 86_400;

/** Headers a bare handler keeps with the event: all but the credential. */
const keptHeaders = (headers: APIGatewayProxyEventV2['headers']): Record<string, string> => {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name !== SECRET_HEADER && value !== undefined) kept[name] = value;
  }
  return kept;
};

/** What the bare ingest knows of a job: what accepting its webhook needs. */
interface BareJob {
  secret: string;
  maxBodyBytes: number;
  dedupeWindowMs: number;
}

/** How long a warm function serves a job definition unread: ours's (JOB_CACHE_MS, shared/resilience/last-known.ts). */
const BARE_JOB_CACHE_MS = 5_000;

/**
 * The floor of an async ingest: what any handler accepting this webhook must
 * do, written the shortest way — find the job named by the path and its
 * secret (warm: in memory, the job read again once it is 5 s old, as ours
 * does), check the shared secret, bound the body, parse it, claim the dedupe
 * key (a conditional put), store the run with its event (a conditional put of
 * an item as large as ours), send the run's id, answer 202. Its own SDK
 * clients, on the same transport. (The secret is not read again after a
 * minute, as ours does: one call a minute.)
 */
export const bareIngestHandler = (
  config: Config,
  transport: CannedTransport,
): ((event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResult>) => {
  const { ddb, sqs }: AwsClients = createAwsClients({ region: config.AWS_REGION, requestHandler: transport });
  const table = config.TRIGGERHUB_TABLE;
  const jobs = new Map<string, { job: BareJob; at: number }>();
  const secrets = new Map<string, { value: Buffer; until: number }>([
    [SECRET_NAME.replace(/^triggerhub\//, ''), { value: SECRET_BYTES, until: Infinity }],
  ]);
  const jobOf = async (jobId: string): Promise<BareJob | undefined> => {
    const hit = jobs.get(jobId);
    if (hit !== undefined && Date.now() - hit.at < BARE_JOB_CACHE_MS) return hit.job;
    const { Item } = await ddb.send(
      new GetCommand({ TableName: table, Key: { pk: `JOB#${jobId}`, sk: 'JOB' } }),
    );
    if (Item === undefined) return undefined;
    const auth = Item.auth as { secret: string };
    const job: BareJob = {
      secret: auth.secret,
      maxBodyBytes: Number(Item.maxBodyBytes),
      dedupeWindowMs: Number(Item.dedupeWindowSeconds) * 1000,
    };
    jobs.set(jobId, { job, at: Date.now() });
    return job;
  };
  const refuse = (statusCode: number, error: string): APIGatewayProxyResult => ({
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error }),
  });
  return async (event) => {
    const jobId = event.pathParameters?.jobId ?? '';
    const job = await jobOf(jobId);
    if (job === undefined) return refuse(404, 'not_found');
    const secret = secrets.get(job.secret);
    const given = Buffer.from(event.headers[SECRET_HEADER] ?? '');
    if (
      secret === undefined ||
      secret.until < Date.now() ||
      given.length !== secret.value.length ||
      !timingSafeEqual(given, secret.value)
    ) {
      return refuse(401, 'unauthorized');
    }
    const body = event.body ?? '';
    if (Buffer.byteLength(body) > job.maxBodyBytes) return refuse(413, 'payload_too_large');
    const payload: unknown = JSON.parse(body);
    const now = new Date();
    const at = now.toISOString();
    const deliveryId = randomUUID();
    const runId = randomUUID();
    const expiresAt = Math.floor(now.getTime() / 1000) + RETENTION_SECONDS;
    const dedupeKey = createHash('sha256').update(body).digest('base64url');
    await ddb.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: `JOB#${jobId}`,
          sk: `DELIVERY#body:${dedupeKey}`,
          id: deliveryId,
          runId,
          receivedAt: at,
          dedupeUntil: new Date(now.getTime() + job.dedupeWindowMs).toISOString(),
          expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(pk) OR #dedupeUntil < :now',
        ExpressionAttributeNames: { '#dedupeUntil': 'dedupeUntil' },
        ExpressionAttributeValues: { ':now': at },
      }),
    );
    const stored: TriggerEvent = {
      source: 'generic',
      trigger: 'webhook',
      deliveryId,
      receivedAt: at,
      headers: keptHeaders(event.headers),
      query: {},
      contentType: event.headers['content-type'],
      payload,
    };
    await ddb.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: `RUN#${runId}`,
          sk: 'RUN',
          gsi1pk: `JOB#${jobId}`,
          gsi1sk: `RUN#${runId}`,
          gsi2pk: 'OPEN#queued#0',
          gsi2sk: `${at}#${runId}`,
          id: runId,
          jobId,
          deliveryId,
          source: 'generic',
          trigger: 'webhook',
          mode: 'async',
          status: 'queued',
          attempt: 0,
          createdAt: at,
          eventJson: JSON.stringify(stored),
          expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: config.TRIGGERHUB_QUEUE_URL,
        MessageBody: JSON.stringify({ runId, jobId }),
      }),
    );
    return {
      statusCode: 202,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ runId, deliveryId, status: 'queued' }),
    };
  };
};

/**
 * The floor of a worker run: per record, start the run (one conditional
 * UpdateItem returning it, as ours), read the job's checkpoint (one
 * consistent GetItem: every run's `ctx.checkpoint`), run the same integration
 * on its event with a logger that only collects lines, record the outcome and
 * the log (one conditional UpdateItem), then move the checkpoint (one
 * conditional UpdateItem). Its own SDK clients, on the same transport.
 */
export const bareWorkerHandler = (
  config: Config,
  transport: CannedTransport,
): ((event: SQSEvent) => Promise<SQSBatchResponse>) => {
  const { ddb } = createAwsClients({ region: config.AWS_REGION, requestHandler: transport });
  const table = config.TRIGGERHUB_TABLE;
  const signal = new AbortController().signal;
  return async (event) => {
    for (const record of event.Records) {
      const { runId } = JSON.parse(record.body) as { runId: string };
      const started = new Date();
      const startedAt = started.toISOString();
      const { Attributes: run } = await ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: `RUN#${runId}`, sk: 'RUN' },
          UpdateExpression: 'SET #status = :running, #attempt = #attempt + :one, #startedAt = :startedAt',
          ConditionExpression: '#status = :queued',
          ExpressionAttributeNames: { '#status': 'status', '#attempt': 'attempt', '#startedAt': 'startedAt' },
          ExpressionAttributeValues: {
            ':running': 'running',
            ':queued': 'queued',
            ':one': 1,
            ':startedAt': startedAt,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (run === undefined) throw new Error(`bare worker: run ${runId} not returned`);
      const checkpointKey = { pk: `JOB#${String(run.jobId)}`, sk: 'CHECKPOINT' };
      await ddb.send(new GetCommand({ TableName: table, Key: checkpointKey, ConsistentRead: true }));
      const triggerEvent = JSON.parse(String(run.eventJson)) as TriggerEvent;
      const logs: { ts: string; level: string; message: string }[] = [];
      const log =
        (level: string) =>
        (message: string): void => {
          logs.push({ ts: new Date().toISOString(), level, message });
        };
      const logger: IntegrationLogger = {
        debug: log('DEBUG'),
        info: log('INFO'),
        warn: log('WARN'),
        error: log('ERROR'),
      };
      const result = await runLogEvent({
        event: triggerEvent,
        params: { prefix: '', waitSeconds: 0 },
        logger,
        signal,
        runId,
        jobId: String(run.jobId),
        ...contextOutsideRun(),
      });
      const ended = new Date();
      await ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: `RUN#${runId}`, sk: 'RUN' },
          UpdateExpression:
            'SET #status = :status, #endedAt = :endedAt, #durationMs = :durationMs, #message = :message, #outputJson = :outputJson, #logsJson = :logsJson REMOVE #gsi2pk, #gsi2sk',
          ConditionExpression: '#attempt = :attempt',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#endedAt': 'endedAt',
            '#durationMs': 'durationMs',
            '#message': 'message',
            '#outputJson': 'outputJson',
            '#logsJson': 'logsJson',
            '#gsi2pk': 'gsi2pk',
            '#gsi2sk': 'gsi2sk',
            '#attempt': 'attempt',
          },
          ExpressionAttributeValues: {
            ':status': 'succeeded',
            ':endedAt': ended.toISOString(),
            ':durationMs': ended.getTime() - started.getTime(),
            ':message': result?.message ?? '',
            ':outputJson': JSON.stringify(result?.output ?? null),
            ':logsJson': JSON.stringify(logs),
            ':attempt': run.attempt,
          },
        }),
      );
      await ddb.send(
        new UpdateCommand({
          TableName: table,
          Key: checkpointKey,
          UpdateExpression: 'SET lastRunAt = :s, lastSuccessfulRunAt = :s, successKey = :k, updatedAt = :u',
          ConditionExpression: 'attribute_not_exists(successKey) OR successKey < :k',
          ExpressionAttributeValues: {
            ':s': startedAt,
            ':k': `${startedAt}#${runId}`,
            ':u': ended.toISOString(),
          },
        }),
      );
    }
    return { batchItemFailures: [] };
  };
};
