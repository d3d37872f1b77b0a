import {
  array,
  int,
  lazy,
  maximum,
  maxLength,
  minimum,
  minLength,
  optional,
  record,
  regex,
  strictObject,
  string,
  unknown,
  enum as zEnum,
} from './zod.ts';
import type { infer as Infer } from './zod.ts';

/**
 * Ticket orchestration (Netskope Cloud Exchange's Ticket Orchestrator, as a
 * job's `tickets`): alerts become tasks in a target (Jira, ServiceNow…) that a
 * ticket integration creates, updates and syncs. The names follow the
 * Netskope plugin guide (Alert, Task, Queue, FieldMapping, TaskStatus).
 */

/** A task's status as we keep it; the target's own states map onto these (each integration documents how). */
export const TASK_STATUSES = ['new', 'in_progress', 'on_hold', 'closed', 'deleted', 'other'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** A task in these no longer takes dedupe updates, and is not synced. */
export const FINAL_TASK_STATUSES: readonly TaskStatus[] = ['closed', 'deleted'];
export const isOpenTask = (status: TaskStatus): boolean => !FINAL_TASK_STATUSES.includes(status);

/** The alert's main attributes (Netskope's Alert model); everything else is in `rawAlert`. */
export const ALERT_ATTRIBUTES = [
  'id',
  'alertName',
  'alertType',
  'app',
  'appCategory',
  'user',
  'type',
  'timestamp',
] as const;
export type AlertAttribute = (typeof ALERT_ATTRIBUTES)[number];

/** An alert: the main attributes (strings; `timestamp` ISO 8601) and the whole body it came from. */
export interface Alert {
  id: string;
  alertName?: string;
  alertType?: string;
  app?: string;
  appCategory?: string;
  user?: string;
  type?: string;
  timestamp?: string;
  rawAlert: Record<string, unknown>;
}

/** What a ticket integration answers of a task: its id in the target, our status, a link a person opens. */
export interface TicketTask {
  id: string;
  status: TaskStatus;
  link: string;
  /**
   * The name a person knows the task by, when it is not `id`: ServiceNow's
   * incident `number` (INC0010002) beside its 32-hex `sys_id`. Absent: `id`
   * is that name (a Jira issue key).
   */
  key?: string;
}

/** What a task is called in messages and listings: its human key, else its id. */
export const taskName = (task: Pick<TicketTask, 'id' | 'key'>): string => task.key ?? task.id;

/** A task as the platform keeps it per job (`GET /admin/jobs/{id}/tasks`). */
export interface StoredTask extends TicketTask {
  /** The dedupe key of the alert that opened it (absent: the job has no `dedupe`). */
  dedupeKey?: string;
  /** Alerts this task stands for: 1 when opened, +1 per deduplicated alert. */
  dedupeCount: number;
  /** Ids of those alerts, oldest first (the newest 100 kept). */
  alertIds: string[];
  /** The queue it was opened in (`tickets.queue`). */
  queue: string;
  createdAt: string;
  updatedAt: string;
  /**
   * When a sync last changed it (its status or link, as `syncStates` answered); absent until
   * then. A sync that finds a task unchanged writes nothing, this included.
   */
  syncedAt?: string;
}

/** A destination a task can be opened in: Jira `projectId:issueType`, a ServiceNow assignment group. */
export interface TicketQueue {
  label: string;
  value: string;
}

/** How a mapped value is shaped before it is sent: from the target field's schema. */
export const FIELD_TYPES = [
  'string',
  'text',
  'number',
  'array',
  'option',
  'user',
  'date',
  'datetime',
  'any',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A target field a mapping can fill (`GET /admin/jobs/{id}/fields`). */
export interface MappingField {
  label: string;
  /** The field's key in the target (Jira `summary`, `customfield_10020`; ServiceNow `short_description`). */
  value: string;
  type: FieldType;
  /** Whether the target refuses a task without it. */
  required?: boolean;
}

/**
 * Limits of a job's `tickets`. A mapping value, a dedupe key template and a
 * rule are user text the worker evaluates on every alert: bounded here.
 */
export const MAX_MAPPINGS = 50;
export const MAX_TEMPLATE_LENGTH = 8192;
export const MAX_RULE_BYTES = 16 * 1024;
export const MAX_SYNC_EVERY_MINUTES = 1440;

/** One mapping: a target field and the text (with `$placeholders`) it gets. */
export const FieldMappingSchema = lazy(() =>
  strictObject({
    field: string().check(minLength(1), maxLength(256)),
    value: string().check(maxLength(MAX_TEMPLATE_LENGTH)),
  }),
);
export type FieldMapping = Infer<typeof FieldMappingSchema>;

/** A dotted path into the posted body (`alert.name`, `data.0.user`). */
const dottedPath = () =>
  string().check(
    minLength(1),
    maxLength(256),
    regex(/^[^.\s]+(?:\.[^.\s]+)*$/, 'a dotted path, e.g. alert.name'),
  );

/**
 * A job's `tickets`: the ticket integration's queue, the business rule, the
 * mappings, dedupe and sync. See shared/tickets/ for what the platform does
 * with it, and the README "Tickets" section.
 */
export const TicketsConfigSchema = lazy(() =>
  strictObject({
    /** Where tasks open (a `getQueues` value: Jira `10000:Task`, a ServiceNow group sys_id). */
    queue: string().check(minLength(1), maxLength(512)),
    /**
     * MongoDB-style query (sift) over the alert: `rawAlert` merged with the main
     * attributes (they win). Absent: every alert. A rejected alert's run
     * succeeds with "filtered out by rule". Checked when the job is saved.
     */
    rule: optional(record(string(), unknown())),
    /** Target field ← text with `$placeholders`. Absent: the integration's `getDefaultMappings`. */
    mappings: optional(array(FieldMappingSchema).check(maxLength(MAX_MAPPINGS))),
    /** While the task opened for the same key is open, a matching alert comments on it (or is ignored). */
    dedupe: optional(
      strictObject({
        key: string().check(minLength(1), maxLength(1024)),
        action: zEnum(['comment', 'ignore']),
      }),
    ),
    /** Every `every` minutes the job's open tasks are synced from the target (`syncStates`). */
    sync: optional(strictObject({ every: int().check(minimum(1), maximum(MAX_SYNC_EVERY_MINUTES)) })),
    /**
     * Where each main attribute is read from in a posted body: a dotted path.
     * Absent: the attribute's own name at the body's top level.
     */
    attributes: optional(
      strictObject({
        id: optional(dottedPath()),
        alertName: optional(dottedPath()),
        alertType: optional(dottedPath()),
        app: optional(dottedPath()),
        appCategory: optional(dottedPath()),
        user: optional(dottedPath()),
        type: optional(dottedPath()),
        timestamp: optional(dottedPath()),
      }),
    ),
  }),
);
export type TicketsConfig = Infer<typeof TicketsConfigSchema>;
