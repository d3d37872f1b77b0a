/**
 * Key layout of the single table. Every item carries `pk`/`sk`; listed items
 * also carry `gsi1pk`/`gsi1sk`; items that expire carry `expiresAt`.
 *
 * | item     | pk            | sk                     | gsi1pk         | gsi1sk          |
 * | -------- | ------------- | ---------------------- | -------------- | --------------- |
 * | job      | `JOB#<id>`    | `JOB`                  | `JOBS`         | `<id>`          |
 * | run      | `RUN#<runId>` | `RUN`                  | `JOB#<jobId>`  | `RUN#<runId>`   |
 *
 * An open run (queued or running) also carries `gsi2pk = OPEN`, `gsi2sk = <ISO time it
 * last moved>#<runId>` (sparse index gsi2); finishing removes them.
 * | delivery | `JOB#<jobId>` | `DELIVERY#<dedupeKey>` |                |                 |
 */
export interface TableKey {
  pk: string;
  sk: string;
}
export interface IndexKey {
  gsi1pk: string;
  gsi1sk: string;
}

export const JOB_SK = 'JOB';
export const JOBS_GSI1PK = 'JOBS';
export const RUN_SK = 'RUN';
export const RUN_GSI1SK_PREFIX = 'RUN#';
export const DELIVERY_SK_PREFIX = 'DELIVERY#';
export const OPEN_GSI2PK = 'OPEN';
export const openIndexSk = (at: string, runId: string): string => `${at}#${runId}`;

export const jobKey = (id: string): TableKey => ({ pk: `JOB#${id}`, sk: JOB_SK });
export const jobIndexKey = (id: string): IndexKey => ({ gsi1pk: JOBS_GSI1PK, gsi1sk: id });

export const runKey = (runId: string): TableKey => ({ pk: `RUN#${runId}`, sk: RUN_SK });
/** Run ids are ULIDs, so this sort key orders a job's runs by creation time. */
export const runIndexKey = (jobId: string, runId: string): IndexKey => ({
  gsi1pk: jobRunsGsi1pk(jobId),
  gsi1sk: `${RUN_GSI1SK_PREFIX}${runId}`,
});
export const jobRunsGsi1pk = (jobId: string): string => `JOB#${jobId}`;

export const deliveryKey = (jobId: string, dedupeKey: string): TableKey => ({
  pk: `JOB#${jobId}`,
  sk: `${DELIVERY_SK_PREFIX}${dedupeKey}`,
});

/** DynamoDB TTL wants epoch seconds. */
export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);

export const addDays = (date: Date, days: number): Date => new Date(date.getTime() + days * 86_400_000);
