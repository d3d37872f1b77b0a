import type { StackProps } from 'aws-cdk-lib';
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Grant, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { STAGE_PATTERN } from '../shared/model/job.ts';
import { acknowledgeWildcardResource } from './nag.ts';
import { throwIfProblems } from './props-check.ts';
import {
  DEFAULT_SECRET_PREFIX,
  JobSecret,
  checkJobSecretProps,
  grantReadJobSecrets,
  jobSecretsArn,
} from './constructs/job-secret.ts';
import { AlarmTopic, checkAlarmEmail } from './constructs/alarm-topic.ts';
import { PayloadBucket, checkPayloadBucketProps } from './constructs/payload-bucket.ts';
import { RunQueue, checkRunQueueProps } from './constructs/run-queue.ts';
import { TriggerhubFunction, checkLambdaTimeout } from './constructs/triggerhub-function.ts';
import { SCRIPT_RUNNER_BUNDLE } from './function-bundle.ts';
import { TriggerhubHttpApi, checkTriggerhubHttpApiProps } from './constructs/triggerhub-http-api.ts';
import { ConsoleAuth, checkConsoleAuthProps } from './constructs/console-auth.ts';
import { GSI1_NAME, GSI2_NAME, TriggerhubTable } from './constructs/triggerhub-table.ts';
import { REFUSAL_METRIC_NAME, WebhookRefusals } from './constructs/webhook-refusals.ts';

/** Log levels Powertools Logger understands. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Props of {@link TriggerhubStack}.
 */
export interface TriggerhubStackProps extends StackProps {
  /**
   * Which deployment this is (`prod`, `test`…), so several live side by side in
   * one account: it names the default secret prefix, the refusals query and
   * metric namespace (and, in the app, the stack). Lower-case letters, digits
   * and `-`, at most 20 characters.
   *
   * @default - the unnamed default stage: `triggerhub/` secrets, `Triggerhub` namespace
   */
  readonly stage?: string;
  /**
   * Prefix of the Secrets Manager names of job secrets (`TRIGGERHUB_SECRET_PREFIX`).
   * Must end with `/`. The default stage's `triggerhub/` does not cover a named
   * stage's `triggerhub-<stage>/`, so no stage can read another's secrets.
   *
   * @default 'triggerhub/', or 'triggerhub-<stage>/' with a stage
   */
  readonly secretPrefix?: string;
  /**
   * ARN of the customer-managed KMS key job secrets are encrypted with, if not
   * the AWS-managed `aws/secretsmanager` key: the functions that read secrets
   * may then decrypt with it, through Secrets Manager only.
   *
   * @default - secrets use the AWS-managed key; no KMS grant
   */
  readonly secretsKmsKeyArn?: string;
  /**
   * An e-mail address notified when an alarm fires (the DLQ holds a message).
   *
   * @default - no subscription; subscribe to the `AlarmTopicArn` output yourself
   */
  readonly alarmEmail?: string;
  /**
   * The demo job's secret name, without the prefix.
   *
   * @default 'demo'
   */
  readonly demoSecretName?: string;
  /**
   * Receives of a run message before it moves to the DLQ (`TRIGGERHUB_MAX_RECEIVE_COUNT`).
   *
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * Days run history and stored payloads are kept (`TRIGGERHUB_RETENTION_DAYS`, bucket expiry).
   *
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * Timeout of the worker, the longest an integration run may take.
   *
   * @default Duration.minutes(5)
   */
  readonly workerTimeout?: Duration;
  /**
   * Visibility timeout of the run queue; at least 6 × `workerTimeout`.
   *
   * @default 6 × workerTimeout
   */
  readonly queueVisibilityTimeout?: Duration;
  /**
   * Retention of the functions' and the API's log groups.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * `POWERTOOLS_LOG_LEVEL` of every function.
   *
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Default throttling of the HTTP API.
   *
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly apiThrottle?: ThrottleSettings;
  /**
   * Write S3 server access logs of the payload bucket to a log bucket.
   *
   * @default true
   */
  readonly payloadAccessLogs?: boolean;
  /**
   * The prefix of the console's sign-in domain, `https://<prefix>.auth.<region>.amazoncognito.com`
   * (unique per region across all AWS accounts; see `ConsoleAuthProps.domainPrefix`).
   *
   * @default - the stack name and eight hex digits of the stack's id
   */
  readonly consoleDomainPrefix?: string;
}

const DEFAULT_WORKER_TIMEOUT = Duration.minutes(5);

/** A stage name: it ends up in a stack name, a secret prefix and a metric namespace. */
/** A KMS key (not an alias: Secrets Manager decrypts with the key, and grants name keys). */
const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** The problems in a stage name; `undefined` (the default stage) passes. */
export const checkStage = (stage: string | undefined): string[] =>
  stage === undefined || STAGE_PATTERN.test(stage)
    ? []
    : [
        `stage "${stage}" must be 1 to 20 lower-case letters, digits and "-", starting and ending with a letter or digit`,
      ];

/** What a stage's names start with: `triggerhub` for the default stage, `triggerhub-<stage>` otherwise. */
export const stageName = (stage: string | undefined): string =>
  stage === undefined ? 'triggerhub' : `triggerhub-${stage}`;

/** The default `TRIGGERHUB_SECRET_PREFIX` of a stage: `triggerhub/`, or `triggerhub-<stage>/`. */
export const defaultSecretPrefix = (stage: string | undefined): string =>
  stage === undefined ? DEFAULT_SECRET_PREFIX : `${stageName(stage)}/`;

/** How often the sweeper looks for stuck runs. */
export const SWEEP_INTERVAL = Duration.minutes(5);

/** How often the scheduler fires due occurrences: the tick of shared/schedule (`TICK_MS`). */
export const SCHEDULER_INTERVAL = Duration.minutes(1);

/**
 * The longest timeout a job may have (`timeoutSeconds` of shared/model/job.ts, at most 280):
 * the longest an uploaded script may run.
 */
export const LONGEST_JOB_TIMEOUT = Duration.seconds(280);

/**
 * The script runner's timeout beyond the worker's: the worker's own deadline for a script
 * (within its timeout) then always ends first, and the runner still has time to answer.
 */
export const SCRIPT_RUNNER_MARGIN = Duration.seconds(20);

/** Renames the leading prop name of each problem from a construct's name to the stack's. */
const renameProps = (problems: readonly string[], names: Readonly<Record<string, string>>): string[] =>
  problems.map((problem) => {
    const [first = '', ...rest] = problem.split(' ');
    return [names[first] ?? first, ...rest].join(' ');
  });

/**
 * Every problem in {@link TriggerhubStackProps}, including those the
 * constructs would find, named by the stack's props, so one synth reports
 * them all.
 */
export const checkTriggerhubStackProps = (props: TriggerhubStackProps): string[] => {
  const workerTimeout = props.workerTimeout ?? DEFAULT_WORKER_TIMEOUT;
  const stageProblems = checkStage(props.stage);
  return [
    ...stageProblems,
    ...renameProps(
      checkJobSecretProps({
        // A bad stage is reported once, not again through the prefix it would make.
        prefix: props.secretPrefix ?? defaultSecretPrefix(stageProblems.length > 0 ? undefined : props.stage),
        jobSecretName: props.demoSecretName ?? 'demo',
      }),
      { jobSecretName: 'demoSecretName' },
    ),
    ...renameProps(checkPayloadBucketProps({ expiryDays: props.retentionDays }), {
      expiryDays: 'retentionDays',
    }),
    ...checkLambdaTimeout('workerTimeout', props.workerTimeout),
    ...renameProps(
      checkRunQueueProps({
        consumerTimeout: workerTimeout,
        visibilityTimeout: props.queueVisibilityTimeout,
        maxReceiveCount: props.maxReceiveCount,
      }),
      { visibilityTimeout: 'queueVisibilityTimeout' },
    ),
    ...(props.logLevel === undefined || LOG_LEVELS.includes(props.logLevel)
      ? []
      : [`logLevel must be one of ${LOG_LEVELS.join(', ')} (got ${String(props.logLevel)})`]),
    ...renameProps(checkTriggerhubHttpApiProps({ throttle: props.apiThrottle }), {
      'throttle.rateLimit': 'apiThrottle.rateLimit',
      'throttle.burstLimit': 'apiThrottle.burstLimit',
    }),
    ...(props.secretsKmsKeyArn === undefined || KMS_KEY_ARN_PATTERN.test(props.secretsKmsKeyArn)
      ? []
      : [
          `secretsKmsKeyArn "${props.secretsKmsKeyArn}" must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`,
        ]),
    ...checkAlarmEmail('alarmEmail', props.alarmEmail),
    ...renameProps(checkConsoleAuthProps({ domainPrefix: props.consoleDomainPrefix }), {
      domainPrefix: 'consoleDomainPrefix',
    }),
  ];
};

/**
 * triggerhub in one stack: the HTTP API, the ingest, worker and admin
 * functions, the sweeper and its schedule, the run queue with its DLQ, the
 * table, the payload bucket and the demo job's secret. Each function gets the
 * same environment (see `shared/config.ts`) and only the permissions it uses.
 */
export class TriggerhubStack extends Stack {
  public readonly table: TriggerhubTable;
  public readonly payloads: PayloadBucket;
  public readonly runQueue: RunQueue;
  public readonly demoSecret: JobSecret;
  public readonly ingest: TriggerhubFunction;
  public readonly worker: TriggerhubFunction;
  public readonly admin: TriggerhubFunction;
  /** Requeues runs stuck `queued` and fails runs whose last attempt died, every {@link SWEEP_INTERVAL}. */
  public readonly sweeper: TriggerhubFunction;
  /** The EventBridge schedule invoking {@link TriggerhubStack.sweeper}. */
  public readonly sweepSchedule: Rule;
  /** Fires the scheduled jobs' due occurrences, once each, every {@link SCHEDULER_INTERVAL}. */
  public readonly scheduler: TriggerhubFunction;
  /** The EventBridge schedule invoking {@link TriggerhubStack.scheduler}. */
  public readonly schedulerTick: Rule;
  /** Runs one uploaded script per invocation, for the worker; its role may write its own logs and nothing else. */
  public readonly scriptRunner: TriggerhubFunction;
  public readonly api: TriggerhubHttpApi;
  /** The operator console's sign-in: the Cognito user pool, its domain and app client, the JWT authorizer. */
  public readonly consoleAuth: ConsoleAuth;
  /** Serves the console's static files (`GET /console/*`); its role may write its own logs and nothing else. */
  public readonly console: TriggerhubFunction;
  /** The user pool's pre-token-generation trigger; its role may write its own logs and nothing else. */
  public readonly consoleTokenClaims: TriggerhubFunction;
  /** The refusal metric and the saved Logs Insights query over the ingest log. */
  public readonly refusals: WebhookRefusals;
  /** Where alarms are published: the DLQ alarm's action. */
  public readonly alarmTopic: AlarmTopic;
  /** The `TRIGGERHUB_SECRET_PREFIX` in force. */
  public readonly secretPrefix: string;

  constructor(scope: Construct, id: string, props: TriggerhubStackProps = {}) {
    super(scope, id, props);
    throwIfProblems(`TriggerhubStack ${id}`, checkTriggerhubStackProps(props));

    const secretPrefix = props.secretPrefix ?? defaultSecretPrefix(props.stage);
    this.secretPrefix = secretPrefix;
    const retentionDays = props.retentionDays ?? 30;
    const workerTimeout = props.workerTimeout ?? DEFAULT_WORKER_TIMEOUT;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    this.table = new TriggerhubTable(this, 'Table');
    this.payloads = new PayloadBucket(this, 'Payloads', {
      expiryDays: retentionDays,
      serverAccessLogs: props.payloadAccessLogs,
    });
    this.runQueue = new RunQueue(this, 'RunQueue', {
      consumerTimeout: workerTimeout,
      visibilityTimeout: props.queueVisibilityTimeout,
      maxReceiveCount: props.maxReceiveCount,
    });
    this.demoSecret = new JobSecret(this, 'DemoSecret', {
      jobSecretName: props.demoSecretName ?? 'demo',
      prefix: secretPrefix,
    });

    // Before the environment: error notifications are published to it (TRIGGERHUB_NOTIFICATION_TOPIC_ARN).
    this.alarmTopic = new AlarmTopic(this, 'Alarms', {
      alarms: [this.runQueue.deadLetterAlarm],
      email: props.alarmEmail,
    });

    const environment: Record<string, string> = {
      TRIGGERHUB_TABLE: this.table.table.tableName,
      TRIGGERHUB_QUEUE_URL: this.runQueue.queue.queueUrl,
      TRIGGERHUB_PAYLOAD_BUCKET: this.payloads.bucket.bucketName,
      // Every function, admin included: `GET /admin/settings` tells the CLI where job secrets live.
      TRIGGERHUB_SECRET_PREFIX: secretPrefix,
      ...(props.stage === undefined ? {} : { TRIGGERHUB_STAGE: props.stage }),
      TRIGGERHUB_MAX_RECEIVE_COUNT: String(this.runQueue.maxReceiveCount),
      TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS: String(this.runQueue.visibilityTimeout.toSeconds()),
      TRIGGERHUB_RETENTION_DAYS: String(retentionDays),
      // Every function may raise an error notification (ingest: a decision's run), published here.
      TRIGGERHUB_NOTIFICATION_TOPIC_ARN: this.alarmTopic.topic.topicArn,
      POWERTOOLS_SERVICE_NAME: 'triggerhub',
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
    };
    this.ingest = new TriggerhubFunction(this, 'Ingest', {
      entry: 'functions/ingest/index.ts',
      description: 'triggerhub ingest: authenticates webhooks, stores the delivery, enqueues the run',
      environment,
      logRetention,
    });
    // The script runner holds nothing a script could misuse: no environment but Lambda's own, no
    // VPC, no tracing, and a role that may write its own log group and nothing else (no table,
    // queue, bucket, secret or key). The worker hands it the script and its arguments and redacts
    // what comes back. Its timeout covers the longest job's plus a margin, so the worker's deadline
    // (inside the job's timeout) always ends a script first. No reserved concurrency: each invocation
    // is one worker invocation's synchronous call, so the run queue's event source already bounds
    // it, and a reservation would only take capacity from the account's pool (and throttle
    // the worker's calls when it is reached).
    this.scriptRunner = new TriggerhubFunction(this, 'ScriptRunner', {
      ...SCRIPT_RUNNER_BUNDLE,
      description: 'triggerhub script runner: runs one uploaded script in an isolated worker thread',
      timeout: LONGEST_JOB_TIMEOUT.plus(SCRIPT_RUNNER_MARGIN),
      // Scripts parse CSV and XML in memory; Lambda's CPU share grows with memory too.
      memorySize: 1024,
      logRetention,
      tracing: false,
    });

    this.worker = new TriggerhubFunction(this, 'Worker', {
      entry: 'functions/worker/index.ts',
      description: 'triggerhub worker: runs queued jobs',
      timeout: workerTimeout,
      environment: {
        ...environment,
        // Uploaded scripts run there (lambda:InvokeFunction on that function only, below).
        TRIGGERHUB_SCRIPT_RUNNER_FUNCTION: this.scriptRunner.lambdaFunction.functionName,
      },
      logRetention,
    });
    this.admin = new TriggerhubFunction(this, 'Admin', {
      entry: 'functions/admin/index.ts',
      description: 'triggerhub admin API',
      // A masked global admin creates is created under the key job secrets use.
      environment: {
        ...environment,
        // `GET /admin/dlq` and `POST /admin/dlq/redrive` read it.
        TRIGGERHUB_DLQ_URL: this.runQueue.deadLetterQueue.queueUrl,
        ...(props.secretsKmsKeyArn === undefined
          ? {}
          : { TRIGGERHUB_SECRETS_KMS_KEY_ARN: props.secretsKmsKeyArn }),
      },
      logRetention,
    });
    // The sweeper judges a run stuck by comparing its age with the queue's visibility timeout
    // (a queued message not yet picked up) and the worker's timeout (a running attempt that died).
    this.sweeper = new TriggerhubFunction(this, 'Sweeper', {
      entry: 'functions/sweeper/index.ts',
      description: 'triggerhub sweeper: requeues runs stuck queued, fails runs whose last attempt died',
      timeout: Duration.minutes(2),
      environment: {
        ...environment,
        TRIGGERHUB_WORKER_TIMEOUT_SECONDS: String(workerTimeout.toSeconds()),
      },
      logRetention,
    });
    // A failed sweep is not retried by Lambda: the next scheduled sweep redoes it, and a
    // retry would only overlap with that one.
    this.sweeper.lambdaFunction.configureAsyncInvoke({ retryAttempts: 0 });
    this.sweepSchedule = new Rule(this, 'SweepSchedule', {
      description: 'Invokes the triggerhub sweeper',
      schedule: Schedule.rate(SWEEP_INTERVAL),
      targets: [
        // Retries here cover EventBridge failing to invoke (throttling), not a failed sweep.
        new LambdaFunction(this.sweeper.lambdaFunction, {
          maxEventAge: Duration.hours(1),
          retryAttempts: 2,
        }),
      ],
    });

    // The scheduler works from its clock, not from the event: a late or retried invocation fires what
    // is due then, and its occurrence claims (conditional puts) keep a retry, or two overlapping ticks,
    // from firing anything twice. So both retries stay on — Lambda's (a tick that failed half-way is
    // finished by its retry, within a minute) and EventBridge's (it could not invoke) — but an event
    // older than a few ticks is dropped: the next tick has done its work by then.
    this.scheduler = new TriggerhubFunction(this, 'Scheduler', {
      entry: 'functions/scheduler/index.ts',
      description: 'triggerhub scheduler: fires due occurrences of scheduled jobs, once each',
      // Under the tick: a slow tick ends before the next one starts piling up behind it.
      timeout: Duration.seconds(55),
      environment,
      logRetention,
    });
    this.scheduler.lambdaFunction.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.minutes(5),
    });
    this.schedulerTick = new Rule(this, 'SchedulerTick', {
      description: 'Invokes the triggerhub scheduler every minute',
      schedule: Schedule.rate(SCHEDULER_INTERVAL),
      targets: [
        new LambdaFunction(this.scheduler.lambdaFunction, {
          maxEventAge: Duration.minutes(5),
          retryAttempts: 2,
        }),
      ],
    });

    this.worker.lambdaFunction.addEventSource(
      new SqsEventSource(this.runQueue.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(3),
        reportBatchItemFailures: true,
      }),
    );

    // Least privilege: each function gets what its handler uses, nothing more.
    // DynamoDB: the exact item operations of the stores each handler calls. `table.grant` adds
    // `<table>/index/*` to every action once the table has a GSI, so only admin (which lists
    // through gsi1) gets it; the others are granted on the table ARN alone. The table uses
    // AWS-managed encryption: no KMS key, so no kms grant.
    const tableOnly = (grantee: TriggerhubFunction, actions: string[]): void => {
      Grant.addToPrincipal({ grantee, actions, resourceArns: [this.table.table.tableArn] });
    };
    // The integration toolbox (ctx.state, ctx.checkpoint, ctx.globals, ctx.notifier, ctx.effect) runs
    // wherever a run does: in the worker, and in ingest for a decision. Its items live in the table,
    // never in an index (notifications are listed through gsi1 by admin only):
    // - state: get (GetItem), set (UpdateItem, + the key count), delete (DeleteItem), list and the
    //   key-count repair (Query on the job's partition);
    // - checkpoint: read (GetItem), commit (conditional UpdateItem);
    // - globals: one Query of the `GLOBAL` partition;
    // - notifications: one PutItem each;
    // - effects: claim (conditional PutItem), read-back (GetItem), done and take-over (UpdateItem),
    //   release of a claim whose function threw (DeleteItem).
    // ingest: job lookup, delivery and run read-back on a duplicate (GetItem); delivery claim,
    // incl. taking over a stale one, and run creation (conditional PutItem); delivery release
    // when the queue refuses (DeleteItem); an unqueued run marked failed (UpdateItem); a decision's
    // toolbox (above: Query besides).
    tableOnly(this.ingest, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
    ]);
    // worker: job lookup (GetItem); run start, finish and release (conditional UpdateItem); the toolbox.
    tableOnly(this.worker, [
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
    ]);
    // admin: job and run reads, job put and delete; jobs, a job's runs and all notifications listed
    // through gsi1. On the table: globals (GetItem, conditional UpdateItem, DeleteItem, Query of
    // `GLOBAL`), a job's state, effects and notifications (Query of its partition), state and effect
    // keys deleted (DeleteItem, + the key count: UpdateItem), the checkpoint read and rewound
    // (GetItem, UpdateItem) with its notification (PutItem).
    // No Scan: `scanOpen` (start-up recovery) runs only in the local stack; the sweeper reads gsi2.
    tableOnly(this.admin, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
    ]);
    Grant.addToPrincipal({
      grantee: this.admin,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.table.table.tableArn}/index/*`],
    });
    // admin: the jobs grid reads a page of jobs' checkpoints (last run) and schedules (next run) with
    // one BatchGetItem each, not a read per job. Reads only: no BatchWriteItem.
    Grant.addToPrincipal({
      grantee: this.admin,
      actions: ['dynamodb:BatchGetItem'],
      resourceArns: [this.table.table.tableArn],
    });
    // scheduler: due schedules listed through gsi1 (`SCHEDULES`, Query); a schedule, job, lease or
    // occurrence claim read (GetItem); the occurrence claimed and the run created, or a skipped run
    // recorded (conditional PutItem); the schedule advanced or marked overdue-notified (UpdateItem);
    // the schedule of a job gone removed (DeleteItem); `schedule_overdue` notifications (PutItem).
    tableOnly(this.scheduler, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ]);
    Grant.addToPrincipal({
      grantee: this.scheduler,
      actions: ['dynamodb:Query'],
      resourceArns: [`${this.table.table.tableArn}/index/${GSI1_NAME}`],
    });
    // sweeper: open runs read through the sparse index gsi2 only (Query); a run re-read before
    // acting (GetItem); requeue bookkeeping or failure recorded (conditional UpdateItem); the
    // `run_failed` notification of a run it fails (PutItem); a run it finishes leaves its order
    // key's line (DeleteItem of its `TURN#` item).
    tableOnly(this.sweeper, [
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
    ]);
    // sweeper: and the schedules overdue (gsi1 `SCHEDULES`), for `schedule_overdue` alerts; their
    // occurrence claim and job read (GetItem), the alert marked raised (UpdateItem).
    Grant.addToPrincipal({
      grantee: this.sweeper,
      actions: ['dynamodb:Query'],
      resourceArns: [
        `${this.table.table.tableArn}/index/${GSI2_NAME}`,
        `${this.table.table.tableArn}/index/${GSI1_NAME}`,
      ],
    });
    this.runQueue.queue.grantSendMessages(this.ingest);
    // sweeper: requeues with SendMessage alone; the queue URL comes from the environment, and the
    // queues use SQS-managed keys, so no GetQueueUrl, GetQueueAttributes or KMS.
    Grant.addToPrincipal({
      grantee: this.sweeper,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.runQueue.queue.queueArn],
    });
    // scheduler and admin (run now, replays, DLQ redrive): each run they create is sent with
    // SendMessage (or SendMessageBatch, which IAM authorizes as SendMessage), on the run queue only.
    for (const fn of [this.scheduler, this.admin]) {
      Grant.addToPrincipal({
        grantee: fn,
        actions: ['sqs:SendMessage'],
        resourceArns: [this.runQueue.queue.queueArn],
      });
    }
    // admin: `GET /admin/dlq` peeks at dead-lettered runs (ReceiveMessage, hiding them a few seconds,
    // then showing them again: ChangeMessageVisibility, which the batch call is authorized as), and a
    // redrive deletes each once its new run is queued (DeleteMessage). The DLQ's URL comes from the
    // environment: no GetQueueUrl or GetQueueAttributes.
    Grant.addToPrincipal({
      grantee: this.admin,
      actions: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
      resourceArns: [this.runQueue.deadLetterQueue.queueArn],
    });
    // worker: a run deferred by a rate limit (ctx.http) goes back as a new, delayed message:
    // SendMessage alone, on the run queue only (a visibility change would spend a receive).
    Grant.addToPrincipal({
      grantee: this.worker,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.runQueue.queue.queueArn],
    });
    // Consume rights (incl. sqs:ChangeMessageVisibility for back-off) come with the event source.
    Grant.addToPrincipal({
      grantee: this.ingest,
      actions: ['s3:PutObject'],
      resourceArns: [this.payloads.bucket.arnForObjects('*')],
    });
    Grant.addToPrincipal({
      grantee: this.worker,
      actions: ['s3:GetObject'],
      resourceArns: [this.payloads.bucket.arnForObjects('*')],
    });
    // admin: uploaded scripts' sources (`scripts/<id>/<version>-<sha256>.js`): written by an upload,
    // read by a download. And the event of a run it creates when that event is too large to stay in
    // the run item (`events/<jobId>/<runId>.json`): a replay or redrive of a decision, whose event
    // stayed inline up to 96 KiB, is a queued run, whose limit is 4 KiB. A replay of a claim-checked
    // event copies its reference after checking the object is still there (PayloadStore.exists: a
    // ranged GetObject of its first byte), so admin also reads under events/.
    Grant.addToPrincipal({
      grantee: this.admin,
      actions: ['s3:PutObject'],
      resourceArns: [
        this.payloads.bucket.arnForObjects('scripts/*'),
        this.payloads.bucket.arnForObjects('events/*'),
      ],
    });
    Grant.addToPrincipal({
      grantee: this.admin,
      actions: ['s3:GetObject'],
      resourceArns: [
        this.payloads.bucket.arnForObjects('scripts/*'),
        this.payloads.bucket.arnForObjects('events/*'),
      ],
    });
    // Without ListBucket, S3 answers the existence check of an expired event with 403 (an error)
    // instead of NoSuchKey (the event is gone: nothing to replay). Unconditioned, like
    // the worker's: S3 checks ListBucket on the bucket for a GetObject of a missing key, a request
    // with no s3:prefix to match a condition against.
    Grant.addToPrincipal({
      grantee: this.admin,
      actions: ['s3:ListBucket'],
      resourceArns: [this.payloads.bucket.bucketArn],
    });
    // worker: uploaded scripts run in the script runner, invoked by name (unqualified: no version or
    // alias ARN is granted).
    Grant.addToPrincipal({
      grantee: this.worker,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [this.scriptRunner.lambdaFunction.functionArn],
    });
    // Without ListBucket, S3 answers a missing key with 403 (which the worker retries) instead
    // of NoSuchKey (a permanent failure).
    Grant.addToPrincipal({
      grantee: this.worker,
      actions: ['s3:ListBucket'],
      resourceArns: [this.payloads.bucket.bucketArn],
    });
    // admin too: a ticket job's calls to its target (validate on apply, queues, fields, default
    // mappings) resolve its password parameters and the masked globals as a run does.
    for (const fn of [this.ingest, this.worker, this.admin]) {
      grantReadJobSecrets(this, fn, secretPrefix);
      // Masked globals (`<prefix>global/<name>`), read 20 a call. BatchGetSecretValue has no resource
      // to name (AWS requires "*"); each secret it returns is still checked against GetSecretValue
      // above, so it reads nothing outside the prefix.
      Grant.addToPrincipal({
        grantee: fn,
        actions: ['secretsmanager:BatchGetSecretValue'],
        resourceArns: ['*'],
      });
      // A secret under a customer-managed key is decrypted by Secrets Manager on the caller's behalf
      // (admin's Decrypt through Secrets Manager is in its own statement, below, with GenerateDataKey).
      if (props.secretsKmsKeyArn !== undefined && fn !== this.admin) {
        fn.role.addToPrincipalPolicy(
          new PolicyStatement({
            actions: ['kms:Decrypt'],
            resources: [props.secretsKmsKeyArn],
            conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` } },
          }),
        );
      }
    }

    // admin: masked globals' values are written under `<prefix>global/`: created, replaced, and
    // deleted without a recovery window so that a name can be used again at once.
    const globalSecrets = jobSecretsArn(this, `${secretPrefix}global/`);
    Grant.addToPrincipal({
      grantee: this.admin,
      actions: [
        'secretsmanager:CreateSecret',
        'secretsmanager:PutSecretValue',
        'secretsmanager:DeleteSecret',
      ],
      resourceArns: [globalSecrets],
    });
    if (props.secretsKmsKeyArn !== undefined) {
      // Masked globals are created under that key (TRIGGERHUB_SECRETS_KMS_KEY_ARN) and written through
      // Secrets Manager, which needs both for a customer-managed key: a data key for the new value, and
      // Decrypt (of the secret's encrypted data key) when it stores a version; Decrypt also serves its
      // reads of job secrets (a ticket job's target calls).
      this.admin.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [props.secretsKmsKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` } },
        }),
      );
    }
    acknowledgeWildcardResource(
      this.admin.role,
      globalSecrets,
      `Masked globals are created by operators after deployment under ${secretPrefix}global/; ` +
        'admin may create, replace and delete those secrets only (it reads secrets only through GetSecretValue under the prefix).',
    );
    // Error notifications go to the alarm topic, encrypted with its own key: Publish on the topic,
    // and the data key SNS makes for it, through SNS only.
    for (const fn of [this.ingest, this.worker, this.admin, this.sweeper, this.scheduler]) {
      Grant.addToPrincipal({
        grantee: fn,
        actions: ['sns:Publish'],
        resourceArns: [this.alarmTopic.topic.topicArn],
      });
      fn.role.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [this.alarmTopic.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `sns.${this.region}.amazonaws.com` } },
        }),
      );
    }

    acknowledgeWildcardResource(
      this.admin.role,
      `${this.table.table.tableArn}/index/*`,
      `Query only, for the admin listings on the table's index ${GSI1_NAME}; ` +
        'the grant covers the indexes of this table, not other tables.',
    );
    acknowledgeWildcardResource(
      this.admin.role,
      this.payloads.bucket.arnForObjects('scripts/*'),
      'Uploaded scripts are stored under scripts/<id>/<version>-<sha256>.js as operators upload them; ' +
        'admin may put and get single objects under scripts/ only.',
    );
    acknowledgeWildcardResource(
      this.admin.role,
      this.payloads.bucket.arnForObjects('events/*'),
      'A replayed or redriven run whose event is too large for its item keeps it at events/<jobId>/<runId>.json ' +
        '(keys generated per run); admin may put single objects there and read one to check a replayed ' +
        'event still exists, under events/ only.',
    );
    for (const fn of [this.ingest, this.worker, this.admin]) {
      acknowledgeWildcardResource(
        fn.role,
        jobSecretsArn(this, secretPrefix),
        `Job secrets are created by operators after deployment under the prefix ${secretPrefix}; ` +
          'read access (GetSecretValue only) is limited to that prefix.',
      );
      acknowledgeWildcardResource(
        fn.role,
        '*',
        'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and secretsmanager:BatchGetSecretValue ' +
          'support no resource-level permissions; BatchGetSecretValue still returns only the secrets ' +
          `GetSecretValue allows, those under ${secretPrefix}.`,
      );
    }
    for (const fn of [this.ingest, this.worker]) {
      acknowledgeWildcardResource(
        fn.role,
        this.payloads.bucket.arnForObjects('*'),
        'Payload object keys are generated per delivery; access is limited to single-object reads or writes in this bucket.',
      );
    }

    this.api = new TriggerhubHttpApi(this, 'Api', {
      ingestFunction: this.ingest.lambdaFunction,
      adminFunction: this.admin.lambdaFunction,
      accessLogRetention: logRetention,
      throttle: props.apiThrottle,
    });

    // The operator console: static files from a function of its own, the admin API through a
    // second route behind the user pool's JWT authorizer (browsers cannot sign SigV4; the CLI keeps IAM).
    const consoleUrl = `${this.api.url}console`;
    // Adds the user's verified e-mail address to access tokens: `stopped by cognito:<e-mail>`.
    this.consoleTokenClaims = new TriggerhubFunction(this, 'ConsoleTokenClaims', {
      entry: 'functions/console/token-claims.ts',
      description: 'triggerhub console sign-in: adds the verified e-mail address to access tokens',
      memorySize: 128,
      timeout: Duration.seconds(5),
      logRetention,
      tracing: false,
    });
    this.consoleAuth = new ConsoleAuth(this, 'ConsoleAuth', {
      consoleUrl,
      domainPrefix: props.consoleDomainPrefix,
      tokenClaims: this.consoleTokenClaims.lambdaFunction,
    });
    this.console = new TriggerhubFunction(this, 'Console', {
      entry: 'functions/console/index.ts',
      description: 'triggerhub console: the operator console’s page, script and style sheet',
      // Strings out of memory: the smallest size serves them fast enough.
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: {
        TRIGGERHUB_CONSOLE_AUTH_DOMAIN: this.consoleAuth.domainUrl,
        TRIGGERHUB_CONSOLE_CLIENT_ID: this.consoleAuth.client.userPoolClientId,
        POWERTOOLS_SERVICE_NAME: 'triggerhub',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      },
      logRetention,
      // No X-Ray: its role may write its own logs and nothing else.
      tracing: false,
    });
    this.api.addConsoleRoutes(this.console.lambdaFunction, this.consoleAuth.authorizer);

    this.refusals = new WebhookRefusals(this, 'Refusals', {
      logGroup: this.ingest.logGroup,
      metricNamespace: props.stage === undefined ? 'Triggerhub' : `Triggerhub/${props.stage}`,
      queryName: `${stageName(props.stage)}/refusals`,
    });
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'AdminInvokeArn', {
      value: this.formatArn({
        service: 'execute-api',
        resource: this.api.httpApi.apiId,
        resourceName: '*/*/admin/*',
      }),
      description: 'Resource of an IAM policy allowing execute-api:Invoke on the admin API',
    });
    new CfnOutput(this, 'ConsoleUrl', {
      value: consoleUrl,
      description: 'The operator console: sign in with a user of ConsoleUserPoolId',
    });
    new CfnOutput(this, 'ConsoleUserPoolId', {
      value: this.consoleAuth.userPool.userPoolId,
      description:
        'Add an operator: aws cognito-idp admin-create-user --user-pool-id <this> --username <e-mail>',
    });
    new CfnOutput(this, 'SecretPrefix', {
      value: secretPrefix,
      description: 'Job secret "<name>" is the Secrets Manager secret "<prefix><name>"',
    });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: this.runQueue.queue.queueUrl });
    new CfnOutput(this, 'DlqUrl', { value: this.runQueue.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'DeadLetterAlarmName', { value: this.runQueue.deadLetterAlarm.alarmName });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarmTopic.topic.topicArn,
      description: 'SNS topic the alarms publish to: subscribe e-mail, chat or paging to it',
    });
    new CfnOutput(this, 'RefusalsQueryName', {
      value: this.refusals.queryName,
      description: 'Saved CloudWatch Logs Insights query listing refused webhooks',
    });
    new CfnOutput(this, 'RefusalsMetric', {
      value: `${this.refusals.byJob.metric().namespace} ${REFUSAL_METRIC_NAME}`,
      description: 'CloudWatch namespace and metric of refused webhooks, by jobId and reason',
    });
    new CfnOutput(this, 'SchedulerFunctionName', {
      value: this.scheduler.lambdaFunction.functionName,
      description: 'The scheduler Lambda, invoked every minute (its log shows each tick)',
    });
    new CfnOutput(this, 'ScriptRunnerFunctionName', {
      value: this.scriptRunner.lambdaFunction.functionName,
      description: 'The Lambda uploaded scripts run in (logs only; no other AWS access)',
    });
    new CfnOutput(this, 'PayloadBucketName', { value: this.payloads.bucket.bucketName });
    new CfnOutput(this, 'DemoSecretArn', { value: this.demoSecret.secret.secretArn });
    new CfnOutput(this, 'DemoSecretName', { value: this.demoSecret.secretName });
  }
}
