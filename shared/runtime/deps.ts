import type {
  CheckpointStore,
  Clock,
  DeadLetterQueue,
  DeliveryStore,
  EffectLedger,
  GlobalStore,
  JobStore,
  LeaseStore,
  NotificationPublisher,
  NotificationStore,
  PayloadStore,
  Queue,
  RunStore,
  ScheduleStore,
  ScriptRunner,
  ScriptStore,
  SecretStore,
  SecretWriter,
  StateStore,
  TaskStore,
  TurnStore,
} from '../ports.ts';
import type { IntegrationRegistry } from '../sdk/index.ts';

/** Tunables of the runtime, from config in AWS and from the local stack's options locally. */
export interface RuntimeSettings {
  /** The queue's redrive maxReceiveCount: the attempt that reaches it is the last. */
  maxReceiveCount: number;
  /** First retry back-off in seconds; doubles on every attempt, at most 15 minutes. */
  retryBaseSeconds: number;
  /**
   * An async run's event whose JSON is larger than this is kept in the
   * payload store (S3), not in the run item.
   */
  inlineEventLimitBytes: number;
  /** The same for a decision run, whose caller waits on every call: see DEFAULT_SETTINGS. */
  decisionInlineEventLimitBytes: number;
  /**
   * A running attempt's heartbeat: every this many ms it reads its run's stop
   * request and renews its leases (an attempt shorter than this reads nothing).
   */
  heartbeatMs: number;
  /** How long a stopped attempt's code gets to return once its signal is aborted, before the run is recorded stopped without it. */
  stopGraceMs: number;
}

export const DEFAULT_SETTINGS: RuntimeSettings = {
  maxReceiveCount: 3,
  retryBaseSeconds: 10,
  // Chosen by cost (`npm run bench`, cost notes): inline, an async run's event is paid on each of
  // the run item's 3 writes (≈ $1.9 per million deliveries per KiB, with storage ≈ $2.1), while the
  // S3 claim check costs a PUT and a GET ($5.4 per million): break-even ≈ 2.6 KiB. 4 KiB keeps a
  // typical 1–2 KiB delivery (its event ≈ 1.5–3 KiB with headers) at 2 writes + 1 send with no S3
  // round trip on the webhook's answer, and sends everything larger to S3, where each KiB saves.
  inlineEventLimitBytes: 4 * 1024,
  // A decision's caller (Check Point, SecureChange) waits for the verdict: an S3 PUT would add its
  // latency to every larger gate for ≈ $2 per million saved per KiB. Kept inline up to what the
  // item holds beside its log (DynamoDB items are at most 400 KB; the log ≤ 192 KiB).
  decisionInlineEventLimitBytes: 96 * 1024,
  heartbeatMs: 3_000,
  stopGraceMs: 2_000,
};

/** Everything the core needs, as ports: the same core runs in Lambda, `npm start` and tests. */
export interface Deps {
  jobs: JobStore;
  runs: RunStore;
  deliveries: DeliveryStore;
  queue: Queue;
  secrets: SecretStore;
  payloads: PayloadStore;
  clock: Clock;
  registry: IntegrationRegistry;
  settings: RuntimeSettings;
  // The run toolbox's stores (shared/runtime/toolbox): ctx.state, ctx.checkpoint, ctx.globals, ctx.notifier, ctx.effect.
  state: StateStore;
  checkpoints: CheckpointStore;
  globals: GlobalStore;
  notifications: NotificationStore;
  effects: EffectLedger;
  // Operations (issue 9): schedules and their occurrences, leases, uploaded scripts.
  schedules: ScheduleStore;
  leases: LeaseStore;
  scripts: ScriptStore;
  // Tickets (issue 10): ticket jobs' tasks, and the per-key lines that keep one ticket's events in order.
  tasks: TaskStore;
  turns: TurnStore;
  /** Runs uploaded scripts in isolation (a Lambda in AWS, a child process locally); absent: script jobs fail. */
  scriptRunner?: ScriptRunner;
  /** The run queue's dead-letter queue (admin: list, redrive). */
  deadLetters?: DeadLetterQueue;
  /** Error notifications beyond the table (SNS in AWS); absent: stored only. */
  publisher?: NotificationPublisher;
  /** Writes masked globals' secrets: admin and the local stack only. */
  secretWriter?: SecretWriter;
}
