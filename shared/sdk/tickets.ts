import type {
  Alert,
  FieldMapping,
  MappingField,
  StoredTask,
  TicketQueue,
  TicketTask,
} from '../model/index.ts';
import type { HttpClient } from '../outbound/types.ts';
import type { IntegrationLogger } from './types.ts';

/**
 * What every ticket call receives: the job's parameters (secrets resolved),
 * `ctx.http` (egress allow-list, retries, 429 handling) and a logger. In a run
 * it is the run's context; for the admin routes (validate on apply, queues,
 * fields) the platform builds one with the same http client rules.
 */
export interface TicketContext<P> {
  jobId: string;
  params: P;
  http: HttpClient;
  logger: IntegrationLogger;
  /** Fires on the run's (or the admin call's) deadline: pass it to long loops. */
  signal: AbortSignal;
}

/** Netskope's ValidationResult: whether the configuration works, and why not in plain words (never a secret). */
export interface ValidationResult {
  success: boolean;
  message: string;
  /** The parameter the problem is with, when it is one. */
  param?: string;
}

/** What `createTask` gets: the alert, the mapped fields (shaped to their types), the queue and our marker. */
export interface CreateTaskInput {
  alert: Alert;
  /** Target field → value, shaped by the platform from `getAvailableFields` (text stays text: the integration renders it, e.g. as ADF). */
  fields: Record<string, string | number | boolean | string[]>;
  /** `tickets.queue`. */
  queue: string;
  /** Set it on the task (Jira label, ServiceNow correlation id): `findTask(marker)` must find it. */
  marker: string;
}

/** What `updateTask` gets: a deduplicated alert's comment for the task. */
export interface UpdateTaskInput {
  task: StoredTask;
  alert: Alert;
  /** The comment to add (plain text; Jira renders it as ADF, ServiceNow as a work note), our loop marker included. */
  comment: string;
  /** The marker of our own changes: carry it in the comment so a webhook about it is recognized. */
  marker: string;
}

/** A webhook the target sent about tasks (Jira issue/comment events, a ServiceNow business rule call). */
export interface TargetWebhook {
  /** The tasks it is about: synced from the target at once. */
  taskIds: string[];
  /** The change is one we made (our label / work-note marker): ignored, so no loop. */
  ownChange: boolean;
}

/**
 * The Ticket Orchestrator plugin contract (Netskope's create_task,
 * update_task, sync_states, validate_step, get_queues,
 * get_available_fields, get_default_mappings), in TypeScript. The platform
 * does the rest: business rule, mappings, dedupe, exactly-once creation,
 * stored tasks, periodic sync, loop marks. Methods (not arrow properties), so
 * that a plugin typed for its own params fits where any plugin is expected.
 *
 * Errors: throw PermanentError for what a retry cannot fix (400/401/403/404,
 * with the target's message, never the token); anything else is retried.
 */
export interface TicketPlugin<P> {
  /** Empty and type checks first, then one authenticated call to the target. */
  validate(ctx: TicketContext<P>): Promise<ValidationResult>;
  /** Where tasks can open: Jira projects × configured issue types, ServiceNow assignment groups. Paged through the target. */
  getQueues(ctx: TicketContext<P>): Promise<TicketQueue[]>;
  /** The fields a mapping can fill, with their types (for shaping and for a console's drop-down). */
  getAvailableFields(ctx: TicketContext<P>, queue?: string): Promise<MappingField[]>;
  /** The mappings a job without `tickets.mappings` uses. */
  getDefaultMappings(ctx: TicketContext<P>): Promise<FieldMapping[]> | FieldMapping[];
  createTask(ctx: TicketContext<P>, input: CreateTaskInput): Promise<TicketTask>;
  /** Adds the comment; a task the target no longer has answers `status: 'deleted'` (not an error). */
  updateTask(ctx: TicketContext<P>, input: UpdateTaskInput): Promise<TicketTask>;
  /**
   * The current state of up to 100 tasks by id, in one search where the target
   * allows (Jira `POST /rest/api/3/search/jql`, ServiceNow `sys_id IN …`). Tasks
   * the target no longer has are left out: the platform marks them `deleted`.
   */
  syncStates(ctx: TicketContext<P>, ids: readonly string[]): Promise<TicketTask[]>;
  /** The task carrying `marker`, if the target has one: what makes `createTask` exactly once after a crash. */
  findTask(ctx: TicketContext<P>, marker: string): Promise<TicketTask | undefined>;
  /** Recognizes a webhook from the target (not an alert); undefined: the body is an alert. */
  parseWebhook?(payload: unknown, headers: Readonly<Record<string, string>>): TargetWebhook | undefined;
  /** Pulls alerts on the job's schedule, from where `cursor` (the checkpoint) left off. */
  pullAlerts?(
    ctx: TicketContext<P>,
    cursor: string | undefined,
  ): Promise<{ alerts: Alert[]; cursor?: string }>;
}

/** Batch size of `syncStates`: Jira's and ServiceNow's page size. */
export const SYNC_BATCH = 100;
