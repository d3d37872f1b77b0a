import type {
  Delivery,
  FiredBy,
  Job,
  LogLine,
  Run,
  RunMessage,
  RunStatus,
  RunSummary,
  StoredTask,
  TaskStatus,
  Verdict,
} from './model/index.ts';

export type { RunMessage } from './model/index.ts';

/** One page of a listing; pass `nextCursor` back as `cursor` for the next one. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}
export interface PageRequest {
  limit?: number;
  cursor?: string;
}

export interface JobStore {
  get(id: string): Promise<Job | undefined>;
  /**
   * The job as the hot paths (ingest, decisions, the worker) read it, from a
   * short cache of the function's (see `withLastKnownJobs`): a changed job
   * may be served for a few seconds. A store without a cache leaves it out
   * and is read with `get` (see `hotJob`).
   */
  getCached?(id: string): Promise<Job | undefined>;
  list(page?: PageRequest): Promise<Page<Job>>;
  /** Create or replace; returns whether it was created. */
  put(job: Job): Promise<{ created: boolean }>;
  /** Returns false when there was no such job. */
  delete(id: string): Promise<boolean>;
}

/** {@link RunStore.listByJob}'s filters. */
export interface RunListQuery extends PageRequest {
  status?: RunStatus;
  firedBy?: FiredBy;
  /** Runs created at or after this ISO time. */
  from?: string;
  /** Runs created at or before this ISO time. */
  to?: string;
}

/** A run's status as its running attempt re-reads it. */
export interface RunControl {
  status: RunStatus;
  attempt: number;
  /**
   * When its latest attempt started (absent: never started). The order gate
   * reads it of the run ahead: a line stuck on a slow run is looked at less often.
   */
  startedAt?: string;
  stopRequest?: { by: string; at: string };
}

export interface RunStart {
  startedAt: string;
  /** A scheduled run: how late it starts after its occurrence (recorded as `lagMs`). */
  lagMs?: number;
  /** A `running` run started before this is taken over (its attempt died); a newer one is left alone. */
  staleBefore: string;
}
export interface RunFinish {
  /** Only the attempt that started the run may finish it. */
  attempt: number;
  /** `skipped`: a scheduled run that found its job still running (overlap `skip`). */
  status: Extract<RunStatus, 'succeeded' | 'failed' | 'stopped' | 'timed_out' | 'skipped'>;
  endedAt: string;
  durationMs: number;
  message?: string;
  error?: string;
  output?: unknown;
  verdict?: Verdict;
  logs: LogLine[];
  logsTruncated?: boolean;
  /** A script job's run: the version it ran. */
  script?: { id: string; version: number; sha256: string };
  /** A run stopped by an operator: who asked, and when (kept on the run). */
  stopRequest?: { by: string; at: string };
  /**
   * A scheduled run: how late its final attempt started after `scheduledFor`.
   * Recorded with the finish (the worker learns `scheduledFor` from the start's
   * answer, so recording it at the start would cost a write of its own).
   */
  lagMs?: number;
}
export interface RunRetry {
  attempt: number;
  error: string;
  /** The attempt's log; absent: the stored log is kept. */
  logs?: LogLine[];
  logsTruncated?: boolean;
  /** Released for a rate-limit wait (`ctx.http`): the attempt is not spent, and deferrals are counted. */
  deferred?: boolean;
  /**
   * With `deferred`: a wait that is no deferral of the run's own work (its
   * turn in an order line): the attempt is given back but `deferrals` is not
   * counted, so waiting in line never spends the budget (MAX_DEFERRALS) that
   * rate-limit deferrals need.
   */
  uncounted?: boolean;
  /** The run has raised its one rate-limit notification. */
  rateLimited?: boolean;
  /**
   * With `deferred`: when the delayed message becomes visible. The index of
   * open runs counts the run's queued time from then, so that the sweeper
   * does not requeue a run that is only waiting out its delay.
   */
  visibleAt?: string;
}

/**
 * Which threshold makes an open run stale, hence where the index of open runs
 * keeps it: `queued` (an async run waiting for its message), `running` (an
 * attempt holds an async run) or `decision` (a decision that has not recorded
 * its verdict). A decision taken over by `start` (the sweeper failing it) is
 * filed as `running` until its finish, which the sweeper still recognises by
 * its `mode`.
 */
export type OpenKind = 'queued' | 'running' | 'decision';

/** An open run as the sparse index of open runs holds it. */
export interface OpenRun {
  id: string;
  jobId: string;
  status: Extract<RunStatus, 'queued' | 'running'>;
  mode: 'async' | 'decision';
  attempt: number;
  /** When it last moved: created, started by its latest attempt, or requeued. */
  since: string;
  /** How often recovery has requeued it over its life (0 when never). */
  requeues: number;
}

/** One (kind, shard) partition of the open runs; `before`: only those that last moved earlier. */
export interface OpenRunsRequest extends PageRequest {
  kind: OpenKind;
  /** 0 … `openShards` − 1. */
  shard: number;
  before?: string;
}

export interface RunStore {
  /**
   * Put-if-absent; throws ConflictError when the id exists. The run expires
   * `retentionDays` after its creation (absent: the store's default).
   */
  create(run: Run, options?: { retentionDays?: number }): Promise<void>;
  get(runId: string): Promise<Run | undefined>;
  /**
   * Newest first, as summaries: a listing never carries a run's event, output
   * or log (read one with `get`). Filters: `status`, `firedBy`, and the run's
   * creation time within [`from`, `to`] (ISO). A filtered page may hold fewer
   * than `limit` while `nextCursor` says there is more.
   */
  listByJob(jobId: string, page?: RunListQuery): Promise<Page<RunSummary>>;
  /**
   * An operator's stop. A `queued` run becomes `stopped` at once (its message
   * will find it final and never start it), with a log line naming `by`; a
   * `running` one gets `stopRequest`, which its attempt sees on its next
   * heartbeat (see `control`) and ends the run `stopped`. Answers what
   * happened, or undefined when the run is absent or already final.
   */
  requestStop(
    runId: string,
    request: { by: string; at: string },
  ): Promise<'stopped' | 'stopping' | undefined>;
  /** What a running attempt checks on its heartbeat: a small, strongly consistent read. */
  control(runId: string): Promise<RunControl | undefined>;
  /**
   * `queued → running`, or `running → running` when the holder started before
   * `staleBefore` (it crashed or was cut off), incrementing `attempt`, in one
   * conditional write. Returns the run as it now is, or undefined when it has
   * finished or another attempt holds it (a duplicate message). An attempt that
   * was taken over can no longer finish the run.
   */
  start(runId: string, start: RunStart): Promise<Run | undefined>;
  /** `running (this attempt) → final`. Returns false when the condition failed. */
  finish(runId: string, finish: RunFinish): Promise<boolean>;
  /** `running (this attempt) → queued` with the error, before the queue retries it (it keeps its place in time). */
  release(runId: string, retry: RunRetry): Promise<boolean>;
  /**
   * A running attempt's log so far (every attempt's lines, as `finish` would
   * write them), written by its heartbeat so that a running run's log can be
   * read, and survives a crash of the attempt: one write conditional on the
   * run being `running` in this `attempt`. Returns false when it is not.
   */
  saveLogs(runId: string, attempt: number, logs: LogLine[], logsTruncated?: boolean): Promise<boolean>;
  /**
   * A `queued` run enqueued again by recovery: moves it in the index of open
   * runs to `at` and counts it. Returns the count, or undefined when the run is
   * no longer queued.
   */
  markRequeued(runId: string, at: string): Promise<number | undefined>;
  /** Open runs read from the table itself, not the index: for local start-up, where a crash can tear the emulator's index. */
  scanOpen(page?: PageRequest): Promise<Page<OpenRun>>;
  /** How many shards each kind of open run is spread over (see `listOpen`). */
  readonly openShards: number;
  /**
   * The open runs of one kind and shard, oldest move first. The partitions of
   * every kind and shard together hold every open run, each exactly once.
   */
  listOpen(request: OpenRunsRequest): Promise<Page<OpenRun>>;
}

export type DeliveryCreateResult = { created: true } | { created: false; existing: Delivery };

export interface DeliveryStore {
  /** Put-if-absent on (job, dedupe key) unless the stored one's window has passed. */
  create(delivery: Delivery, now: Date): Promise<DeliveryCreateResult>;
  /**
   * Replaces the delivery holding this dedupe key if it is still the one with
   * `previousId` (conditional put); false when another request got there first.
   */
  takeOver(delivery: Delivery, previousId: string): Promise<boolean>;
  /** Deletes the delivery if it is still the one with this id (conditional), freeing its dedupe key. */
  release(jobId: string, dedupeKey: string, deliveryId: string): Promise<void>;
}

/** A message `sendBatch` could not send, and why. */
export interface SendFailure {
  message: RunMessage;
  error: string;
}

export interface Queue {
  send(message: RunMessage): Promise<void>;
  /**
   * Sends many messages in as few calls as the queue allows. Never throws for
   * a message it could not send: it answers those (none when all were sent),
   * so that the caller leaves their runs as they were, to be tried again.
   */
  sendBatch(messages: readonly RunMessage[]): Promise<SendFailure[]>;
  /** Make a received message visible again after `seconds` (retry back-off). */
  retryLater(receiptHandle: string, seconds: number): Promise<void>;
  /** Sends a new message that becomes visible after `delaySeconds` (0–900): a run deferred by rate limiting. */
  sendLater(message: RunMessage, delaySeconds: number): Promise<void>;
}

export interface SecretStore {
  /**
   * The secret's valid values, current first; during a rotation the previous
   * one follows. Empty when the secret does not exist.
   */
  getVersions(name: string): Promise<string[]>;
  /** The current values of several secrets at once (masked globals); a missing one is left out. */
  getMany?(names: readonly string[]): Promise<Map<string, string>>;
}

/** Writes secrets (masked globals): admin and the local stack only. */
export interface SecretWriter {
  put(name: string, value: string): Promise<void>;
  /** Returns false when there was no such secret. */
  delete(name: string): Promise<boolean>;
}

/** Large payloads kept outside the table and the queue (claim check). */
export interface PayloadStore {
  put(key: string, body: string): Promise<string>;
  /** The payload; NotFoundError when it is gone (expired). */
  get(ref: string): Promise<string>;
  /**
   * Whether the payload is still kept, without reading it (a replay checks
   * its original's event). Optional: a store without it is read with `get`.
   */
  exists?(ref: string): Promise<boolean>;
}

/** One `ctx.state` key as stored. */
export interface StateItem {
  key: string;
  value: unknown;
  /** The value's JSON text, as stored. */
  valueJson: string;
  version: number;
  updatedAt: string;
  expiresAt?: string;
}

/** `ctx.state`, per job: expired keys count as absent (`now`). */
export interface StateStore {
  get(jobId: string, key: string, now: Date): Promise<StateItem | undefined>;
  /** `ifVersion`: 0 = must not exist; a mismatch throws StateConflictError, a full job StateLimitError('keys'). */
  set(
    jobId: string,
    key: string,
    valueJson: string,
    options: { ttlSeconds?: number; ifVersion?: number },
    now: Date,
  ): Promise<{ version: number }>;
  /** Returns false when there was no such key. */
  delete(jobId: string, key: string, options: { ifVersion?: number }, now: Date): Promise<boolean>;
  /**
   * One page of live keys with their values, in key order (UTF-8 bytes): what
   * operators see. A page may hold fewer than `limit` (expired keys are
   * skipped); a cursor fits only the job and prefix it came from.
   */
  list(
    jobId: string,
    query: { prefix?: string; limit?: number; cursor?: string },
    now: Date,
  ): Promise<Page<StateItem>>;
  /** Every live key starting with `prefix`, in key order, without values: `ctx.state.list`. */
  keys(jobId: string, prefix: string, now: Date): Promise<string[]>;
}

/** A job's checkpoint as stored (ISO times). */
/** The last run the worker finished, kept on the checkpoint item (the jobs grid reads it). */
export interface LastRun {
  id: string;
  status: RunStatus;
  startedAt?: string;
  endedAt?: string;
  firedBy?: FiredBy;
}

export interface CheckpointRecord {
  jobId: string;
  lastRun?: LastRun;
  /** Final runs that failed (or timed out) in a row; 0 after a success. */
  consecutiveFailures?: number;
  lastRunAt?: string;
  lastSuccessfulRunAt?: string;
  cursor?: string;
  updatedAt?: string;
  rewoundAt?: string;
  rewoundBy?: string;
}

export interface CheckpointStore {
  get(jobId: string): Promise<CheckpointRecord | undefined>;
  /** Several jobs' checkpoints at once (the jobs grid; may be a moment stale); absent ones are left out. */
  getMany(jobIds: readonly string[]): Promise<Map<string, CheckpointRecord>>;
  /**
   * Records a finished run; never moves anything backwards. `startedAt`: when
   * its final attempt started; `at`: now (the item's `updatedAt`).
   * `advanced`: a success moved cursor and lastSuccessfulRunAt; a failure moved lastRunAt.
   * In the same write: `lastRun` is kept, and `consecutiveFailures` counts up on a
   * failure and back to 0 on a success; `failures`/`previousFailures` are the
   * count after and before this write (the failing/recovered alerts).
   */
  recordRun(
    jobId: string,
    run: {
      runId: string;
      startedAt: string;
      succeeded: boolean;
      cursor?: string;
      at: string;
      lastRun?: LastRun;
    },
  ): Promise<{ advanced: boolean; failures?: number; previousFailures?: number }>;
  /**
   * A run an operator stopped after it started: kept as the job's `lastRun`
   * (it ran) when it is the newest run recorded (started after `lastRunAt`
   * and after the `lastRun` kept), in one conditional write. Moves nothing
   * else: not `lastRunAt`, the cursor, the last success nor the failure
   * count. Returns whether it was written.
   */
  recordLastRun(
    jobId: string,
    run: { lastRun: LastRun & { startedAt: string }; at: string },
  ): Promise<boolean>;
  /** An operator's rewind: replaces cursor and lastSuccessfulRunAt (absent = cleared). */
  rewind(
    jobId: string,
    rewind: { cursor?: string; lastSuccessfulRunAt?: string; by: string; at: string },
  ): Promise<CheckpointRecord>;
}

/** A global parameter; a masked one's value lives in the secret store, never here. */
export interface GlobalRecord {
  name: string;
  masked: boolean;
  /** Unmasked only. */
  value?: string;
  createdAt: string;
  updatedAt: string;
  updatedBy?: string;
}

export interface GlobalStore {
  list(): Promise<GlobalRecord[]>;
  get(name: string): Promise<GlobalRecord | undefined>;
  /** Create or replace; a masked global cannot be replaced by an unmasked one (ConflictError `global_masked`). */
  put(global: {
    name: string;
    masked: boolean;
    value?: string;
    at: string;
    by?: string;
  }): Promise<{ created: boolean }>;
  /** Returns false when there was no such global. */
  delete(name: string): Promise<boolean>;
}

export type Severity = 'info' | 'warn' | 'error';
/** What raised a notification: `integration` is `ctx.notifier`, the others the platform. */
export type NotificationKind =
  | 'integration'
  | 'run_failed'
  | 'rate_limited'
  | 'payload_too_large'
  | 'egress_refused'
  | 'checkpoint_rewound'
  | 'effect_in_doubt'
  /** A scheduled occurrence is past due by more than two ticks and unclaimed (the scheduler is not running it). */
  | 'schedule_overdue'
  /** `alertAfterFailures` final runs of the job failed in a row. */
  | 'job_failing'
  /** The first success after `job_failing`. */
  | 'job_recovered';

export interface NotificationRecord {
  /** A ULID: notifications list newest first by it. */
  id: string;
  jobId: string;
  runId?: string;
  severity: Severity;
  kind: NotificationKind;
  /** Redacted before it gets here. */
  message: string;
  createdAt: string;
}

export interface NotificationStore {
  add(notification: NotificationRecord): Promise<void>;
  /** Newest first. */
  list(query: {
    jobId?: string;
    severity?: Severity;
    limit?: number;
    cursor?: string;
  }): Promise<Page<NotificationRecord>>;
}

/** Sends error notifications beyond the table (SNS in AWS). */
export interface NotificationPublisher {
  publish(notification: NotificationRecord): Promise<void>;
}

/** One `ctx.effect` key of a job, as the ledger holds it. */
export interface EffectRecord {
  key: string;
  status: 'pending' | 'done';
  /** The attempt holding (pending) or that recorded (done) the effect. */
  runId: string;
  attempt: number;
  startedAt: string;
  /** After this the holder is surely dead: its deadline plus the takeover grace. */
  heldUntil: string;
  doneAt?: string;
  resultJson?: string;
  reconciled?: boolean;
  /** Why the result could not be recorded (not JSON, too large): the effect happened all the same. */
  resultProblem?: string;
  inDoubtNotifiedAt?: string;
  expiresAt: string;
}

/** Who holds an effect's claim: one attempt of one run. */
export interface EffectOwner {
  runId: string;
  attempt: number;
}
/** A `pending` record: who claims the key, since when, until when it may be live, when it expires. */
export interface EffectClaim extends EffectOwner {
  key: string;
  startedAt: string;
  heldUntil: string;
  expiresAt: string;
}
export type EffectClaimResult = { claimed: true } | { claimed: false; existing: EffectRecord };
/** What `complete` records beside `status: done`. */
export interface EffectCompletion {
  doneAt: string;
  resultJson?: string;
  reconciled?: boolean;
  resultProblem?: string;
}
export interface EffectListRequest extends PageRequest {
  /** Keys starting with this (an exact key is a prefix too). */
  prefix?: string;
}

/**
 * The exactly-once ledger of `ctx.effect` (shared/runtime/toolbox/effect.ts):
 * one record per job and key. Every write is conditional on who holds the
 * key, so two attempts can never both believe they hold it. An expired record
 * (`expiresAt` passed, TTL not yet run) counts as absent everywhere.
 */
export interface EffectLedger {
  /**
   * Records `pending` when the key is absent or expired (one conditional
   * write); otherwise answers the record that holds the key, unchanged.
   */
  claim(jobId: string, claim: EffectClaim, now: Date): Promise<EffectClaimResult>;
  /** The live record (strongly consistent), or undefined when absent or expired. */
  get(jobId: string, key: string, now: Date): Promise<EffectRecord | undefined>;
  /** `pending` held by `holder` → `done` with the result. False when it no longer holds the key. */
  complete(jobId: string, key: string, holder: EffectOwner, done: EffectCompletion): Promise<boolean>;
  /** Deletes a `pending` record held by `holder` (its fn threw: nothing happened). False when it no longer held it. */
  release(jobId: string, key: string, holder: EffectOwner): Promise<boolean>;
  /**
   * A `pending` record held by `from` (a dead holder) passes to `to`; the
   * in-doubt mark is cleared (a new holder may go in doubt again). False when
   * `from` no longer holds it (another run took it over, or it was completed).
   */
  takeOver(
    jobId: string,
    key: string,
    from: EffectOwner,
    to: EffectOwner & { startedAt: string; heldUntil: string },
  ): Promise<boolean>;
  /**
   * Marks a `pending` record held by `holder` as notified in doubt; true only
   * for the one caller that set the mark (it raises the notification).
   */
  markNotified(jobId: string, key: string, holder: EffectOwner, at: string): Promise<boolean>;
  /** Live records by key, ascending; `prefix` narrows to keys starting with it. */
  list(jobId: string, request: EffectListRequest, now: Date): Promise<Page<EffectRecord>>;
  /** Deletes the record whatever its state (an operator clearing an in-doubt key). False when there was none. */
  forget(jobId: string, key: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------
// Operations: schedules, leases, scripts, the dead-letter queue.

/** A scheduled job's place in its schedule (item `JOB#<id>` / `SCHEDULE`). */
export interface ScheduleRecord {
  jobId: string;
  /** The latest occurrence handled (claimed for a run, or recorded skipped): the scheduler looks after it. */
  through?: string;
  /** The next occurrence due; absent while disarmed (job disabled, or no schedule). */
  nextRunAt?: string;
  /** The schedule definition it was armed for (a fingerprint): a changed schedule re-arms. */
  scheduleHash?: string;
  /** The occurrence an overdue notification was raised for (one per occurrence). */
  overdueNotifiedFor?: string;
  /**
   * When the job was last enabled again after being disabled: the occurrences
   * up to it that the catch-up records skipped say `missed while disabled`.
   */
  resumedAt?: string;
  updatedAt: string;
}

/** Who claimed an occurrence (item `JOB#<id>` / `OCC#<scheduledFor>`): the run it is for, and when. */
export interface OccurrenceClaim {
  runId: string;
  at: string;
  expiresAt: string;
}

export interface ScheduleStore {
  get(jobId: string): Promise<ScheduleRecord | undefined>;
  /** Several jobs' records at once (the jobs grid); absent ones are left out. */
  getMany(jobIds: readonly string[]): Promise<Map<string, ScheduleRecord>>;
  /** Armed records whose `nextRunAt` ≤ `dueBy`, earliest first. */
  listDue(dueBy: string, page?: PageRequest): Promise<Page<ScheduleRecord>>;
  /** Creates or replaces the job's record (apply, enable, schedule changed); `nextRunAt` absent disarms it. */
  arm(
    jobId: string,
    arm: { nextRunAt?: string; through?: string; scheduleHash?: string; resumedAt?: string; at: string },
  ): Promise<void>;
  /**
   * Moves `through` and `nextRunAt` on, only if `through` is still `from` (one
   * conditional write): false when another scheduler moved it first.
   */
  advance(
    jobId: string,
    advance: { from: string | undefined; through: string; nextRunAt?: string; at: string },
  ): Promise<boolean>;
  /** The job was deleted (or lost its schedule): its record goes. */
  remove(jobId: string): Promise<void>;
  /**
   * Fencing: claims the occurrence `(job, scheduledFor)` for `runId` with one
   * conditional put (item `OCC#<scheduledFor>`, expiring). False when any
   * scheduler claimed it before, whatever the run became.
   */
  claimOccurrence(
    jobId: string,
    scheduledFor: string,
    claim: { runId: string; at: string; expiresAt: string },
  ): Promise<boolean>;
  /**
   * The claim of an occurrence, strongly consistent (undefined: unclaimed): a
   * scheduler that lost the claim checks that the claimer's run exists, and
   * creates it under the claimed id when the claimer died before it could.
   */
  occurrence(jobId: string, scheduledFor: string): Promise<OccurrenceClaim | undefined>;
  /** Records that `schedule_overdue` was raised for this occurrence; false when it already was. */
  markOverdueNotified(jobId: string, scheduledFor: string): Promise<boolean>;
}

/** Who holds a job's lease, and until when (item `JOB#<id>` / `LEASE#<name>`). */
export interface LeaseRecord {
  holder: string;
  until: string;
}
export type LeaseResult = { acquired: true } | { acquired: false; current: LeaseRecord };

/**
 * Leases per job: `schedule` keeps scheduled runs to one running instance;
 * `slot#<n>` are the `concurrency` slots of webhook runs. A lease whose
 * `until` has passed is free (its holder died); a live holder renews it on
 * its heartbeat. Every write is one conditional write on the holder.
 */
export interface LeaseStore {
  /** Takes the lease when free, expired (`until` < `now`), or already `holder`'s (then renewed). */
  acquire(jobId: string, name: string, lease: LeaseRecord, now: string): Promise<LeaseResult>;
  /** Moves `until` on if `holder` still holds it; false when it lost it. */
  renew(jobId: string, name: string, holder: string, until: string): Promise<boolean>;
  /** Frees it if `holder` still holds it. */
  release(jobId: string, name: string, holder: string): Promise<boolean>;
  get(jobId: string, name: string): Promise<LeaseRecord | undefined>;
  /**
   * The lease `name` of several jobs at once (the jobs grid: one batched read
   * per 100 jobs, not one read per job); absent ones are left out. Eventually
   * consistent, unlike `get`: for display only, never for deciding who holds it.
   */
  getMany(jobIds: readonly string[], name: string): Promise<Map<string, LeaseRecord>>;
}

/** One uploaded script version (item `SCRIPT#<id>` / `V#<n>`; the source in the payload store). */
export interface ScriptVersion {
  id: string;
  version: number;
  /** Of the source's UTF-8 bytes, lower-case hex. */
  sha256: string;
  bytes: number;
  uploadedBy: string;
  uploadedAt: string;
}
/** A script as listed: its latest version. */
export interface ScriptSummary {
  id: string;
  latestVersion: number;
  sha256: string;
  updatedAt: string;
  updatedBy: string;
}

export interface ScriptStore {
  /** Stores the source as the next version (1, 2, …; one conditional write on the script's head). */
  put(id: string, source: string, meta: { by: string; at: string }): Promise<ScriptVersion>;
  list(page?: PageRequest): Promise<Page<ScriptSummary>>;
  /** Newest first. */
  versions(id: string, page?: PageRequest): Promise<Page<ScriptVersion>>;
  /** One version's record; no `version`: the latest. */
  get(id: string, version?: number): Promise<ScriptVersion | undefined>;
  /** One version's source text. */
  source(id: string, version: number): Promise<string | undefined>;
}

/** What an uploaded script's `run(args)` receives (Plutora's contract, plus `event`). */
export interface ScriptArgs {
  /** Job parameters, masked ones resolved. */
  arguments: Record<string, unknown>;
  /** Global parameters, masked ones resolved. */
  globalArguments: Record<string, string>;
  lastRunDateUtc: string | null;
  lastSuccessfulRunDateUtc: string | null;
  /** `{ JobName }`, plus a webhook-fired run's JSON body fields. */
  plutoraValues: Record<string, unknown>;
  /** The run's normalized trigger event. */
  event: unknown;
}

export interface ScriptRunInput {
  runId: string;
  jobId: string;
  script: { id: string; version: number; sha256: string };
  source: string;
  args: ScriptArgs;
  /** The run's time left: the script is killed after it. */
  timeoutMs: number;
  /** Heap cap for the script, in MiB. */
  memoryMb?: number;
  /**
   * When the script is ended, epoch ms (the worker's clock): the runner's
   * start-up (a Lambda invocation, a process) counts against the run's time.
   * The earlier of this and `timeoutMs` from the runner's start wins.
   */
  deadlineAt?: number;
}

/** A script log line as its `console` wrote it (redacted by the worker before it is kept). */
export interface ScriptLogLine {
  ts: string;
  level: 'LOG' | 'INFO' | 'WARN' | 'ERROR' | 'DIR' | 'TRACE';
  message: string;
}

export interface ScriptRunResult {
  /** resolve → succeeded; reject/throw (or a `require` of a module not offered) → failed; killed at the deadline → timed_out. */
  status: 'succeeded' | 'failed' | 'timed_out';
  /** What the script resolved or rejected with (as text), or why it ended. */
  message: string;
  logs: ScriptLogLine[];
  /** Lines were dropped (the log cap). */
  logsTruncated?: boolean;
}

/**
 * Runs uploaded scripts outside the worker's process and credentials: a
 * script-runner Lambda with no AWS rights in AWS, a child process per run
 * under `npm start`. `signal` (stop) ends the script.
 */
export interface ScriptRunner {
  run(input: ScriptRunInput, signal: AbortSignal, options?: ScriptRunOptions): Promise<ScriptRunResult>;
}

/** What a caller of {@link ScriptRunner.run} may follow as the script runs. */
export interface ScriptRunOptions {
  /**
   * Each log line as the runner keeps it, while the script runs (the live
   * log): these are the first lines of the result's `logs`, in order. A
   * runner that cannot stream (the Lambda one) calls it never; every line is
   * then in the result only.
   */
  onLog?: (line: ScriptLogLine) => void;
}

/** A message in the dead-letter queue, as peeked. */
export interface DeadLetter {
  messageId: string;
  receiptHandle: string;
  body: string;
  /** The run message, when the body is one. */
  message?: RunMessage;
  /** When it was first sent (to the run queue), ISO. */
  sentAt?: string;
  receiveCount: number;
}

export interface DeadLetterQueue {
  /** Up to `max` messages, each at most once, left in the queue (hidden for `hideSeconds`, default a few seconds). */
  peek(max: number, hideSeconds?: number): Promise<DeadLetter[]>;
  delete(receiptHandle: string): Promise<void>;
  /**
   * Shows peeked messages again at once (a listing is done with them): a
   * redrive right after a listing finds them. Best effort: a handle that no
   * longer fits (the message was deleted, or its hiding ran out) is ignored.
   */
  release(receiptHandles: readonly string[]): Promise<void>;
}

/** A page of a job's tasks, and the filter `GET /admin/jobs/{id}/tasks` takes. */
export interface TaskListRequest extends PageRequest {
  status?: TaskStatus;
}

/** A change to a stored task: what a sync, a dedupe update or a comment on a deleted task writes. */
export interface TaskPatch {
  status?: TaskStatus;
  link?: string;
  /** The task's human key, when the target answered one (ServiceNow's incident number). */
  key?: string;
  syncedAt?: string;
  /** A deduplicated alert: `dedupeCount` + 1 and its id appended (the newest 100 kept). */
  addAlert?: string;
  updatedAt: string;
}

/**
 * The tasks of ticket jobs (item `TASK#<taskId>` in the job's partition) and,
 * per dedupe key, the open task that takes that key's alerts
 * (`TASKKEY#<dedupeKey>`, removed when the task closes or is deleted).
 */
export interface TaskStore {
  get(jobId: string, taskId: string): Promise<StoredTask | undefined>;
  /** Records a new task and, when it has a dedupe key, makes it that key's open task. */
  put(jobId: string, task: StoredTask): Promise<void>;
  /** The open task for this dedupe key, if any (a closed or deleted one is not answered). */
  openFor(jobId: string, dedupeKey: string): Promise<StoredTask | undefined>;
  /** Applies the patch; a final status also frees the task's dedupe key. Undefined: no such task. */
  update(jobId: string, taskId: string, patch: TaskPatch): Promise<StoredTask | undefined>;
  /** Newest first. */
  list(jobId: string, request?: TaskListRequest): Promise<Page<StoredTask>>;
  /** Open tasks (not closed or deleted), a page at a time: what a sync walks, with memory flat. */
  listOpen(jobId: string, page?: PageRequest): Promise<Page<StoredTask>>;
}

/**
 * Turns: runs of one job with the same `orderKey` run one at a time, in the
 * order they arrived (run ids are ULIDs). A run enters its key's line when it
 * is created and leaves it when it ends (`TURN#<orderKey>#<runId>` in the
 * job's partition, expiring after `expiresAt` so a lost leave never blocks a
 * key for ever).
 */
export interface TurnStore {
  enter(jobId: string, orderKey: string, runId: string, expiresAt: string): Promise<void>;
  /** The oldest run ids still in the key's line, at most `limit`, oldest first. */
  head(jobId: string, orderKey: string, limit: number): Promise<string[]>;
  /** Leaves the line (idempotent). */
  leave(jobId: string, orderKey: string, runId: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
