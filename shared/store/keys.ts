/**
 * Key layout of the single table. Every item carries `pk`/`sk`; listed items
 * also carry `gsi1pk`/`gsi1sk`; open runs carry `gsi2pk`/`gsi2sk`; items that
 * expire carry `expiresAt`.
 *
 * | item     | pk            | sk                     | gsi1pk        | gsi1sk        | gsi2pk                   | gsi2sk             |
 * | -------- | ------------- | ---------------------- | ------------- | ------------- | ------------------------ | ------------------ |
 * | job      | `JOB#<id>`    | `JOB`                  | `JOBS`        | `<id>`        |                          |                    |
 * | run      | `RUN#<runId>` | `RUN`                  | `JOB#<jobId>` | `RUN#<runId>` | `OPEN#<kind>#<shard>` ¹  | `<since>#<runId>`  |
 * | delivery | `JOB#<jobId>` | `DELIVERY#<dedupeKey>` |               |               |                          |                    |
 * | state    | `JOB#<jobId>` | `STATE#<key>`          |               |               |                          |                    |
 * | state key count | `JOB#<jobId>` | `STATEMETA`     |               |               |                          |                    |
 * | checkpoint | `JOB#<jobId>` | `CHECKPOINT`         |               |               |                          |                    |
 * | effect   | `JOB#<jobId>` | `EFFECT#<key>`         |               |               |                          |                    |
 * | global   | `GLOBAL`      | `<name>`               |               |               |                          |                    |
 * | notification | `JOB#<jobId>` | `NOTE#<ulid>`      | `NOTES`       | `NOTE#<ulid>` |                          |                    |
 * | schedule | `JOB#<jobId>` | `SCHEDULE`             | `SCHEDULES` ² | `<nextRunAt>#<jobId>` |                  |                    |
 * | occurrence | `JOB#<jobId>` | `OCC#<scheduledFor>` |               |               |                          |                    |
 * | lease    | `JOB#<jobId>` | `LEASE#<name>`         |               |               |                          |                    |
 * | task     | `JOB#<jobId>` | `TASK#<taskId>`        | `TASKS#<jobId>` ³ | `<createdAt>#<taskId>` |                 |                    |
 * | task dedupe key | `JOB#<jobId>` | `TASKKEY#<dedupeKey>` |        |               |                          |                    |
 * | turn     | `JOB#<jobId>` | `TURN#<len>:<orderKey>#<runId>` |      |               |                          |                    |
 * | script   | `SCRIPT#<id>` | `HEAD`                 | `SCRIPTS`     | `<id>`        |                          |                    |
 * | script version | `SCRIPT#<id>` | `V#<n, 10 digits>` |             |               |                          |                    |
 *
 * ³ Every task of a job, newest first (`GET /admin/jobs/{id}/tasks`): gsi1 projects only
 * its id, status and times, so a listing reads the page's items with one BatchGetItem.
 *
 * ² Armed schedules only (gsi1 keys removed while disarmed): the scheduler
 * queries `SCHEDULES` for `gsi1sk ≤ now` and reads only the due jobs.
 *
 * ¹ Open runs only (gsi2 is sparse): `kind` says which threshold makes the run
 * stale — `queued` (async, waiting for its message), `running` (async, an
 * attempt holds it), `decision` (a decision that has not recorded its verdict)
 * — and `shard` (0 … OPEN_SHARDS − 1, a hash of the run id) spreads each kind's
 * writes over several index partitions. `since` is the ISO time the run last
 * moved (created, started, requeued). Every write that moves a run sets both
 * keys in that same write; finishing removes them. So the sweeper queries each
 * (kind, shard) for `gsi2sk < now − that kind's threshold` and reads only stale
 * runs, however long the young backlog.
 *
 * gsi1 projects keys plus `GSI1_ATTRIBUTES` (table-definition.ts): a run's
 * summary, a job's definition and a notification, never a run's event, output or log.
 *
 * A job's own data (deliveries, state, checkpoint, effects, notifications)
 * shares the job item's partition `JOB#<jobId>`; their sort keys' prefixes
 * never equal the job item's `JOB`, and no query reads that partition whole.
 * Items that expire: state keys with a TTL, effects (claim + the job's
 * `effectTtlDays`), notifications (30 days). Deleting a job leaves them.
 */
import type { OpenKind } from '../ports.ts';

export interface TableKey {
  pk: string;
  sk: string;
}
export interface IndexKey {
  gsi1pk: string;
  gsi1sk: string;
}
export interface OpenIndexKey {
  gsi2pk: string;
  gsi2sk: string;
}

export const JOB_PK_PREFIX = 'JOB#';
export const JOB_SK = 'JOB';
export const JOBS_GSI1PK = 'JOBS';
export const RUN_SK = 'RUN';
export const RUN_GSI1SK_PREFIX = 'RUN#';
export const DELIVERY_SK_PREFIX = 'DELIVERY#';

/** Every kind of open run (see OpenKind in ports.ts): the sweeper reads each. */
export const OPEN_KINDS: readonly OpenKind[] = ['queued', 'running', 'decision'];
/**
 * Partitions per kind of the open-runs index. Raising it is safe (a run keeps
 * the shard it was written with, and every shard below the new count is still
 * read); lowering it would hide the runs of the dropped shards from the sweeper.
 */
export const OPEN_SHARDS = 4;

/** FNV-1a of the run id, modulo OPEN_SHARDS: stable, and even over ULIDs' random tail. */
export const openShard = (runId: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < runId.length; i++) {
    hash ^= runId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % OPEN_SHARDS;
};
export const openIndexPk = (kind: OpenKind, shard: number): string => `OPEN#${kind}#${shard}`;
export const openIndexSk = (at: string, runId: string): string => `${at}#${runId}`;
/** Where an open run of this kind sits in gsi2, having last moved at `at`. */
export const openIndexKey = (kind: OpenKind, runId: string, at: string): OpenIndexKey => ({
  gsi2pk: openIndexPk(kind, openShard(runId)),
  gsi2sk: openIndexSk(at, runId),
});

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
  pk: `${JOB_PK_PREFIX}${jobId}`,
  sk: `${DELIVERY_SK_PREFIX}${dedupeKey}`,
});

export const STATE_SK_PREFIX = 'STATE#';
export const STATE_META_SK = 'STATEMETA';
export const CHECKPOINT_SK = 'CHECKPOINT';
export const EFFECT_SK_PREFIX = 'EFFECT#';
export const GLOBAL_PK = 'GLOBAL';
export const NOTE_SK_PREFIX = 'NOTE#';
export const NOTES_GSI1PK = 'NOTES';
/** How long a notification is kept. */
export const NOTIFICATION_TTL_DAYS = 30;

/** The partition of a job's own data (deliveries, state, checkpoint, effects, notifications). */
export const jobDataPk = (jobId: string): string => `${JOB_PK_PREFIX}${jobId}`;

export const stateKey = (jobId: string, key: string): TableKey => ({
  pk: jobDataPk(jobId),
  sk: `${STATE_SK_PREFIX}${key}`,
});
/** The count of a job's state keys (the 1,000-key limit). */
export const stateMetaKey = (jobId: string): TableKey => ({ pk: jobDataPk(jobId), sk: STATE_META_SK });
export const checkpointKey = (jobId: string): TableKey => ({ pk: jobDataPk(jobId), sk: CHECKPOINT_SK });
export const effectKey = (jobId: string, key: string): TableKey => ({
  pk: jobDataPk(jobId),
  sk: `${EFFECT_SK_PREFIX}${key}`,
});
export const globalKey = (name: string): TableKey => ({ pk: GLOBAL_PK, sk: name });
/** Notification ids are ULIDs, so this sort key orders a job's notifications by time. */
export const notificationKey = (jobId: string, id: string): TableKey => ({
  pk: jobDataPk(jobId),
  sk: `${NOTE_SK_PREFIX}${id}`,
});
/** Every job's notifications in one gsi1 partition, newest last. */
export const notificationIndexKey = (id: string): IndexKey => ({
  gsi1pk: NOTES_GSI1PK,
  gsi1sk: `${NOTE_SK_PREFIX}${id}`,
});

/** DynamoDB TTL wants epoch seconds. */
export const epochSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
/** {@link epochSeconds} of an instant given in milliseconds. */
export const epochSecondsOf = (ms: number): number => Math.floor(ms / 1000);

export const DAY_MS = 86_400_000;
export const addDays = (date: Date, days: number): Date => new Date(date.getTime() + days * DAY_MS);

/**
 * The instants formatted last. A delivery's instants are formatted once by
 * ingest and read back by the stores that write them (a delivery's window
 * end, parsed for its TTL and written again in the one format): each
 * `toISOString` and `Date.parse` is a runtime call, several per delivery.
 */
const RECENT_INSTANTS = 4;
const recentMs: number[] = [];
const recentIso: string[] = [];
let recentNext = 0;

/**
 * `new Date(ms).toISOString()` — the one format in which ISO strings order
 * like the instants (ms, Z) — remembered for the next few calls, and for
 * {@link timeOf}. Throws a RangeError for an invalid time, as toISOString does.
 */
export const isoTime = (time: number): string => {
  // toISOString drops a fraction: remembered by the whole millisecond, so timeOf answers Date.parse's value.
  const ms = Math.trunc(time);
  for (let i = 0; i < recentMs.length; i++) {
    if (recentMs[i] === ms) return recentIso[i] as string;
  }
  const iso = new Date(ms).toISOString();
  recentMs[recentNext] = ms;
  recentIso[recentNext] = iso;
  recentNext = (recentNext + 1) % RECENT_INSTANTS;
  return iso;
};

/**
 * `Date.parse(iso)` (NaN when unreadable); an instant {@link isoTime}
 * formatted lately is answered without parsing. Any other spelling is parsed
 * and not remembered: only isoTime's own output may stand for an instant's
 * one format.
 */
export const timeOf = (iso: string): number => {
  for (let i = 0; i < recentIso.length; i++) {
    if (recentIso[i] === iso) return recentMs[i] as number;
  }
  return Date.parse(iso);
};

// Operations (issue 9).
export const SCHEDULE_SK = 'SCHEDULE';
export const SCHEDULES_GSI1PK = 'SCHEDULES';
export const OCCURRENCE_SK_PREFIX = 'OCC#';
export const LEASE_SK_PREFIX = 'LEASE#';
export const SCRIPT_PK_PREFIX = 'SCRIPT#';
export const SCRIPT_HEAD_SK = 'HEAD';
export const SCRIPTS_GSI1PK = 'SCRIPTS';
export const SCRIPT_VERSION_SK_PREFIX = 'V#';

export const scheduleKey = (jobId: string): TableKey => ({ pk: jobDataPk(jobId), sk: SCHEDULE_SK });
/** Where an armed schedule sits in the due index: ordered by its next occurrence. */
export const scheduleIndexKey = (jobId: string, nextRunAt: string): IndexKey => ({
  gsi1pk: SCHEDULES_GSI1PK,
  gsi1sk: `${nextRunAt}#${jobId}`,
});
export const occurrenceKey = (jobId: string, scheduledFor: string): TableKey => ({
  pk: jobDataPk(jobId),
  sk: `${OCCURRENCE_SK_PREFIX}${scheduledFor}`,
});
export const leaseKey = (jobId: string, name: string): TableKey => ({
  pk: jobDataPk(jobId),
  sk: `${LEASE_SK_PREFIX}${name}`,
});
export const scriptHeadKey = (id: string): TableKey => ({
  pk: `${SCRIPT_PK_PREFIX}${id}`,
  sk: SCRIPT_HEAD_SK,
});
export const scriptIndexKey = (id: string): IndexKey => ({ gsi1pk: SCRIPTS_GSI1PK, gsi1sk: id });
/** Zero-padded, so that versions sort by number. */
export const scriptVersionKey = (id: string, version: number): TableKey => ({
  pk: `${SCRIPT_PK_PREFIX}${id}`,
  sk: `${SCRIPT_VERSION_SK_PREFIX}${String(version).padStart(10, '0')}`,
});

// Tickets (issue 10).
export const TASK_SK_PREFIX = 'TASK#';
export const TASKKEY_SK_PREFIX = 'TASKKEY#';
export const TURN_SK_PREFIX = 'TURN#';
export const taskKey = (jobId: string, taskId: string): TableKey => ({
  pk: jobDataPk(jobId),
  sk: `${TASK_SK_PREFIX}${taskId}`,
});
/** The open task that takes a dedupe key's alerts. */
export const taskDedupeKey = (jobId: string, dedupeKey: string): TableKey => ({
  pk: jobDataPk(jobId),
  sk: `${TASKKEY_SK_PREFIX}${dedupeKey}`,
});
/** A run's place in its order key's line; run ids are ULIDs, so the line sorts by arrival. */
export const turnKey = (jobId: string, orderKey: string, runId: string): TableKey => ({
  pk: jobDataPk(jobId),
  sk: `${turnPrefix(orderKey)}${runId}`,
});
/** An order key may hold `#`: it is length-prefixed so that one key's line is never a prefix of another's. */
export const turnPrefix = (orderKey: string): string => `${TURN_SK_PREFIX}${orderKey.length}:${orderKey}#`;
