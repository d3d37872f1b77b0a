import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Job listing and each job's run history. */
export const GSI1_NAME = 'gsi1';
/** Sparse: open (queued or running) runs only, by kind and shard, then by when they last moved; read by the sweeper. */
export const GSI2_NAME = 'gsi2';

/**
 * A run's summary as a history page shows it (`RunSummary`, shared/model/run.ts):
 * everything but its event, output and log, which stay on the item (`eventJson`,
 * `outputJson`, `logsJson`: up to ~290 KiB together, against a few hundred bytes here).
 */
export const GSI1_RUN_ATTRIBUTES = [
  'id',
  'jobId',
  'deliveryId',
  'source',
  'trigger',
  'mode',
  'status',
  'attempt',
  'createdAt',
  'startedAt',
  'endedAt',
  'durationMs',
  'message',
  'error',
  'verdict',
  'logsTruncated',
  'eventRef',
  'firedBy',
  'scheduledFor',
  'lagMs',
  'replayOf',
  'paramOverrides',
  'script',
  'stopRequest',
  'orderKey',
] as const;
/**
 * A job's definition (`Job`, shared/model/job.ts), whole: `GET /admin/jobs` lists
 * jobs in full. Jobs are small and rarely written, so projecting all of them costs
 * what `ALL` did for them, and keeps the listing one Query without a second index.
 */
export const GSI1_JOB_ATTRIBUTES = [
  'id',
  'name',
  'description',
  'enabled',
  'integration',
  'params',
  'source',
  'event',
  'auth',
  'mode',
  'timeoutSeconds',
  'onError',
  'onMissingChanges',
  'maxBodyBytes',
  'dedupeWindowSeconds',
  'egress',
  'proxy',
  'tlsVerify',
  'effectTtlDays',
  'script',
  'schedule',
  'webhook',
  'tickets',
  'concurrency',
  'alertAfterFailures',
  'retentionDays',
  'createdAt',
  'updatedAt',
] as const;
/**
 * A notification (`NotificationRecord`, shared/ports.ts), whole: `GET
 * /admin/notifications` without a job lists them from gsi1's `NOTES`.
 */
export const GSI1_NOTIFICATION_ATTRIBUTES = [
  'id',
  'jobId',
  'runId',
  'severity',
  'kind',
  'message',
  'createdAt',
] as const;
/**
 * An armed schedule (`ScheduleRecord`, shared/ports.ts), whole: the scheduler's
 * Query of `SCHEDULES` returns due records ready to work on (`jobId` and
 * `updatedAt` are named above already). A few dozen bytes per scheduled job.
 */
export const GSI1_SCHEDULE_ATTRIBUTES = [
  'jobId',
  'through',
  'nextRunAt',
  'scheduleHash',
  'overdueNotifiedFor',
  'resumedAt',
  'updatedAt',
] as const;
/**
 * A script's head as `GET /admin/scripts` lists it (`ScriptSummary`, shared/ports.ts):
 * not the latest version's source reference or size, which the head also holds.
 */
export const GSI1_SCRIPT_ATTRIBUTES = ['id', 'latestVersion', 'sha256', 'updatedAt', 'updatedBy'] as const;
/**
 * What gsi1 projects besides the keys: every write of a run is copied to the
 * index, so the copy is kept to what a listing shows (a run item's `event` is
 * stored as `eventJson`, so the job's `event` name costs runs nothing).
 */
export const GSI1_ATTRIBUTES: readonly string[] = [
  ...new Set([
    ...GSI1_RUN_ATTRIBUTES,
    ...GSI1_JOB_ATTRIBUTES,
    ...GSI1_NOTIFICATION_ATTRIBUTES,
    ...GSI1_SCHEDULE_ATTRIBUTES,
    ...GSI1_SCRIPT_ATTRIBUTES,
  ]),
];
/** What gsi2 projects besides the keys: all the sweeper reads. */
export const GSI2_ATTRIBUTES: readonly string[] = [
  'jobId',
  'status',
  'attempt',
  'mode',
  'startedAt',
  'createdAt',
  'requeues',
];
/**
 * The TTL attribute (epoch seconds). The CDK table declares it; dynalite cannot
 * (no UpdateTimeToLive), so locally items simply stay.
 */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The single table's CreateTable input (on demand), for the local stack and the
 * integration tests. The CDK construct declares the same layout.
 */
export const tableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
    { AttributeName: 'gsi2pk', AttributeType: 'S' },
    { AttributeName: 'gsi2sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: GSI1_NAME,
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...GSI1_ATTRIBUTES] },
    },
    {
      IndexName: GSI2_NAME,
      KeySchema: [
        { AttributeName: 'gsi2pk', KeyType: 'HASH' },
        { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...GSI2_ATTRIBUTES] },
    },
  ],
});
