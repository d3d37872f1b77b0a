import { mkdir } from 'node:fs/promises';
import { relative, resolve, join, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { httpHandler } from '../../functions/http-handler.ts';
import { createWorkerHandler } from '../../functions/worker/create-handler.ts';
import { createAwsClients } from '../../shared/aws/clients.ts';
import { loadConfig } from '../../shared/config.ts';
import { ConflictError, errorMessage } from '../../shared/errors.ts';
import { consoleAssets } from '../../console/assets.generated.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { createConsoleHandler } from '../../shared/http/console-app.ts';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import { FilePayloadStore } from '../../shared/payloads/file-payload-store.ts';
import { SqsDeadLetterQueue } from '../../shared/queue/sqs-dead-letter-queue.ts';
import { createDeps } from '../../functions/create-deps.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import type { SecretWriter } from '../../shared/ports.ts';
import { requeueUnfinished, sweepSettings, sweepStaleRuns } from '../../shared/runtime/recovery.ts';
import { checkOverdueSchedules, runScheduler } from '../../shared/runtime/scheduler.ts';
import { ChildProcessScriptRunner } from '../../shared/scripts/child-process-runner.ts';
import { LocalSecretStore, secretFilePath } from '../../shared/secrets/local-secret-store.ts';
import type { AnyIntegration } from '../../shared/sdk/index.ts';
import { shellWord } from '../commands/context.ts';
import type { HttpLambdaHandler } from './apigw-server.ts';
import { startApiServer } from './apigw-server.ts';
import { startEmulators } from './emulators.ts';
import { localDataDir, removeEndpointRecord, writeEndpointRecord } from './endpoint-record.ts';
import { seedExampleJobs } from './examples.ts';
import { lockDataDir } from './lock.ts';
import { startPoller } from './poller.ts';
import { provision } from './provision.ts';
import { startSchedulerTimer } from './scheduler-timer.ts';

export interface LocalOptions {
  port: number;
  dataDir: string;
  /** Folder of job definitions created on the first start (see `seedExampleJobs`). @default the repo's examples/jobs */
  examplesDir?: string;
  /** Create the example jobs this data folder never had (`--no-examples`: false). @default true */
  examples?: boolean;
  /** Where the ready line goes. @default stdout */
  print?: (line: string) => void;
  /** Resolves to stop the stack. @default SIGINT or SIGTERM */
  until?: Promise<unknown>;
  /** Exit the process once stopped if runs were still executing (the CLI's `start`). @default false */
  exitWhenStopped?: boolean;
  /** Integrations besides the built-in ones (tests, or your own). */
  integrations?: readonly AnyIntegration[];
  /**
   * The scheduler's timer ticks every this many ms instead of just after each
   * whole minute (tests, with `schedulerNow`). @default after each whole minute
   */
  schedulerIntervalMs?: number;
  /** The time each scheduler tick takes as now (tests: minutes passing in seconds). @default the system clock */
  schedulerNow?: () => Date;
  /** Called once everything listens. */
  onReady?: (stack: { url: string; deps: Deps; sqs: SQSClient; dlqUrl: string }) => void;
}

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
export const LOCAL_NAMES = {
  table: 'triggerhub',
  queue: 'triggerhub-runs',
  dlq: 'triggerhub-runs-dlq',
  bucket: 'triggerhub-payloads',
} as const;
/** Like the AWS queue's redrive policy. */
const MAX_RECEIVE_COUNT = 3;
const WORKER_TIMEOUT_SECONDS = 300;
const VISIBILITY_TIMEOUT_SECONDS = 6 * WORKER_TIMEOUT_SECONDS;

const signals = (): Promise<string> =>
  new Promise((resolveSignal) => {
    const onSignal = (s: string) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolveSignal(s);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });

/**
 * The whole pipeline on one machine: dynalite and fauxqs in-process on
 * loopback, the ingest and admin Lambda handlers behind an API Gateway-shaped
 * server, and a poller feeding SQS batches to the worker handler. Resolves
 * once stopped (Ctrl-C).
 */
export const runLocal = async (opts: LocalOptions): Promise<void> => {
  // The Lambda runtime is newer than the Node this may run on: the SDK's notice is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const dataDir = resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const lock = await lockDataDir(dataDir);
  // Whatever started is stopped again, in reverse order, however start-up or the run ends.
  const stops: (() => Promise<unknown>)[] = [() => lock.release()];
  let inFlight = false;
  try {
    const emulators = await startEmulators({ dataDir });
    stops.push(() => emulators.stop());
    const region = process.env.AWS_REGION ?? 'us-east-1';
    const clients = createAwsClients({
      region,
      dynamodbEndpoint: emulators.dynamodbEndpoint,
      sqsEndpoint: emulators.sqsEndpoint,
      s3Endpoint: emulators.s3Endpoint,
    });
    const resources = await provision(clients, {
      tableName: LOCAL_NAMES.table,
      queueName: LOCAL_NAMES.queue,
      dlqName: LOCAL_NAMES.dlq,
      bucketName: LOCAL_NAMES.bucket,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      // As in AWS (6 × the worker's time-out): a message reappears only if its attempt died.
      visibilityTimeoutSeconds: 1800,
    });
    const config = loadConfig({
      ...process.env,
      AWS_REGION: region,
      TRIGGERHUB_TABLE: LOCAL_NAMES.table,
      TRIGGERHUB_QUEUE_URL: resources.queueUrl,
      TRIGGERHUB_PAYLOAD_BUCKET: LOCAL_NAMES.bucket,
      TRIGGERHUB_MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
      TRIGGERHUB_RETRY_BASE_SECONDS: process.env.TRIGGERHUB_RETRY_BASE_SECONDS ?? '1',
      TRIGGERHUB_DYNAMODB_ENDPOINT: emulators.dynamodbEndpoint,
      TRIGGERHUB_SQS_ENDPOINT: emulators.sqsEndpoint,
      TRIGGERHUB_S3_ENDPOINT: emulators.s3Endpoint,
    });
    const secrets = new LocalSecretStore({ dataDir, env: process.env });
    // Large payloads as files beside the table: fauxqs's S3 would forget them at a restart.
    const payloads = new FilePayloadStore({ dir: join(dataDir, 'payloads') });
    // Masked globals are written where the stack reads secrets: files beside the table.
    const secretWriter: SecretWriter = {
      put: async (name, value) => {
        await secrets.setSecret(name, value);
      },
      delete: (name) => secrets.deleteSecret(name),
    };
    const deps = createDeps(config, {
      secrets,
      secretWriter,
      payloads,
      integrations: opts.integrations,
      // Uploaded scripts: one child process per run, with nothing secret in its environment.
      scriptRunner: new ChildProcessScriptRunner(),
    });
    // The admin API's dead letters (list, redrive); fauxqs answers short polls exactly.
    deps.deadLetters = new SqsDeadLetterQueue({
      client: clients.sqs,
      queueUrl: resources.dlqUrl,
      waitSeconds: 0,
    });

    if (opts.examples !== false) {
      await seedExampleJobs(
        deps,
        secrets,
        dataDir,
        opts.examplesDir ?? join(REPO_ROOT, 'examples', 'jobs'),
        print,
      );
    }
    // What the table holds, seeded or not (the user's own jobs, and examples kept from earlier starts).
    const firstJobs = await deps.jobs.list({ limit: 100 });
    const jobs = firstJobs.items.map((j) => j.id);
    const jobsShown = `${jobs.join(', ') || 'none'}${firstJobs.nextCursor === undefined ? '' : ', …'}`;
    const requeued = await requeueUnfinished(deps);

    const ingestHandler: HttpLambdaHandler = httpHandler(createIngestApp(deps));
    const adminHandler: HttpLambdaHandler = httpHandler(createAdminApp(deps));
    // The console's page and files; on loopback it calls /admin itself, with no sign-in.
    const consoleHandler: HttpLambdaHandler = createConsoleHandler(consoleAssets, {
      apiBase: '/admin',
      auth: { type: 'none' },
    });
    const api = await startApiServer(
      [
        { prefix: '/admin', handler: adminHandler },
        { prefix: '/console', handler: consoleHandler },
        { prefix: '/', handler: ingestHandler },
      ],
      { port: opts.port },
    ).catch((e: unknown) => {
      if (e instanceof Error && 'code' in e && e.code === 'EADDRINUSE') {
        throw new ConflictError(
          `port ${opts.port} on 127.0.0.1 is in use: choose another with PORT=<n> npm start (or npm start -- --port <n>)`,
          'port_in_use',
        );
      }
      throw e;
    });
    stops.push(() => api.close());
    // The CLI run on this data folder finds the stack here (removed at stop; ignored once this process is gone).
    await writeEndpointRecord(dataDir, {
      url: api.url,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    });
    stops.push(() => removeEndpointRecord(dataDir));
    const poller = startPoller({
      sqs: clients.sqs,
      queueUrl: resources.queueUrl,
      queueArn: resources.queueArn,
      handler: createWorkerHandler(deps),
    });
    // EventBridge's part: the sweep, every minute (its thresholds follow the queue's timeouts),
    // with its check that no schedule is overdue.
    const sweep = setInterval(() => {
      sweepStaleRuns(deps, sweepSettings(VISIBILITY_TIMEOUT_SECONDS, WORKER_TIMEOUT_SECONDS))
        .then(() => checkOverdueSchedules(deps))
        .catch((e: unknown) => print(`sweep failed: ${errorMessage(e)}`));
    }, 60_000);
    sweep.unref();
    stops.push(() => Promise.resolve(clearInterval(sweep)));
    // Runs still in flight after the grace period are taken over at the next start.
    stops.push(async () => {
      const drained = await Promise.race([
        poller.stop().then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 5_000).unref()),
      ]);
      if (!drained) {
        inFlight = true;
        print('runs still in flight: they are taken over at the next start');
      }
    });

    // EventBridge's other part: the scheduler, now (what was missed while stopped) and after each minute.
    const scheduler = startSchedulerTimer({
      tick: (now) => runScheduler(deps, { now }),
      print,
      ...(opts.schedulerIntervalMs === undefined ? {} : { intervalMs: opts.schedulerIntervalMs }),
      ...(opts.schedulerNow === undefined ? {} : { now: opts.schedulerNow }),
    });
    stops.push(() => scheduler.stop());

    // Paths in the hints: relative when under the current folder, as a user would type them.
    const shown = (path: string): string => {
      const rel = relative(process.cwd(), path);
      return isAbsolute(rel) || rel.startsWith('..') ? path : rel;
    };
    const shownPath = shown(secretFilePath(dataDir, 'demo'));
    print(
      `triggerhub is ready on ${api.url} (console ${api.url}/console; data in ${dataDir}; jobs: ${jobsShown}; requeued ${requeued})`,
    );
    if (jobs.includes('demo')) {
      // The CLI finds this stack through the data folder: name it when it is not the one of this folder.
      const cli =
        localDataDir({}) === dataDir
          ? 'npx triggerhub'
          : `TRIGGERHUB_DATA_DIR=${shellWord(shown(dataDir))} npx triggerhub`;
      print(`  try: ${cli} send demo -d '{"hello":"world"}' --wait`);
      print(
        `   or: curl -sS -X POST ${api.url}/hooks/demo -H 'content-type: application/json' ` +
          `-H "X-Shared-Secret: $(cat ${shownPath})" -d '{"hello":"world"}'`,
      );
      print(`  then: ${cli} runs list demo   (Ctrl-C stops)`);
    }
    opts.onReady?.({ url: api.url, deps, sqs: clients.sqs, dlqUrl: resources.dlqUrl });

    await (opts.until ?? signals());
    print('stopping…');
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
  print('stopped');
  // A run still executing in this process must not go on beside the next start's attempt.
  if (inFlight && opts.exitWhenStopped) process.exit(0);
};
