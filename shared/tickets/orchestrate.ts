import { createHash } from 'node:crypto';
import { EffectBusyError, PermanentError, StateLimitError, errorMessage } from '../errors.ts';
import { effectKeyProblem } from '../model/effect.ts';
import type {
  Alert,
  FieldMapping,
  Job,
  MappingField,
  StoredTask,
  TicketsConfig,
  TicketTask,
} from '../model/index.ts';
import { isOpenTask, taskName } from '../model/index.ts';
import { stateKeyProblem } from '../model/state.ts';
import type { Deps } from '../runtime/deps.ts';
import type { AnyIntegration, RunContext, RunResult } from '../sdk/index.ts';
import type { TicketContext, TicketPlugin } from '../sdk/tickets.ts';
import { alertOf } from './alert.ts';
import { dedupeKeyOf, dedupeKeyOfAlert } from './dedupe-key.ts';
import { ownChangeNote, taskMarker } from './marker.ts';
import { resolveTemplate } from './placeholders.ts';
import { matchesRule } from './rule.ts';
import { shapeFields } from './shape.ts';
import type { SyncCounts } from './sync.ts';
import { syncTaskIds, syncTasks, unansweredText } from './sync.ts';

/** What an alert's run did (the run's `output.action`). */
export type TicketAction = 'created' | 'commented' | 'ignored' | 'filtered';

/** An alert's outcome: the run's output is `{ task, action }`. */
export interface AlertOutcome {
  task?: TicketTask;
  action: TicketAction;
  message: string;
}

/**
 * How long after a create whose answer was lost (a 502/504, a crash) the
 * target has had to show the task to a search by its marker: Jira's search
 * index lags a few seconds, ServiceNow's table reads none. A reconcile that
 * finds no task on a claim at least this old creates it; a younger one waits.
 */
export const CREATE_SETTLE_MS = 60_000;

/**
 * The create's reconcile found nothing yet: the run waits (deferred like an
 * effect held by another run, no attempt spent) until `until`, then looks again.
 */
class CreateSettlingError extends EffectBusyError {
  constructor(key: string, until: string, message: string) {
    super(key, until);
    this.message = message;
    this.name = 'CreateSettlingError';
  }
}

/** `ctx.state` key: when the job last synced (the scheduled occurrence's time, ISO). */
export const LAST_SYNC_KEY = 'tickets:lastSyncAt';
/** `ctx.state` key prefix of a queue's fields, kept for an hour (a create needs their types). */
export const FIELDS_KEY_PREFIX = 'tickets:fields:';
export const FIELDS_TTL_SECONDS = 3600;

type Params = Record<string, unknown>;
type TicketDeps = Pick<Deps, 'tasks' | 'clock'>;

/**
 * An effect or state key made of a prefix and outside text (an alert id, a
 * queue): as it is when it is a valid key, else the prefix and a hash of the text.
 */
const keyOf = (prefix: string, text: string, problem: (key: string) => string | undefined): string => {
  const plain = `${prefix}${text}`;
  return problem(plain) === undefined
    ? plain
    : `${prefix}sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
};
export const createEffectKey = (alertId: string): string =>
  keyOf('tickets:create:', alertId, effectKeyProblem);
export const updateEffectKey = (alertId: string): string =>
  keyOf('tickets:update:', alertId, effectKeyProblem);
const fieldsKey = (queue: string): string => keyOf(FIELDS_KEY_PREFIX, queue, stateKeyProblem);

const taskOf = (t: TicketTask): TicketTask => ({
  id: t.id,
  status: t.status,
  link: t.link,
  ...(t.key === undefined ? {} : { key: t.key }),
});

/** The comment a deduplicated alert adds to the open task, ended with our own-change note. */
const dedupeComment = (alert: Alert, count: number, marker: string): string =>
  [
    `New alert received at ${alert.timestamp ?? 'an unknown time'}: ${alert.alertName ?? 'alert'} (id ${alert.id}).`,
    `This task now stands for ${count} alerts.`,
    ownChangeNote(marker),
  ].join('\n');

/** A scheduled occurrence's time (its event's `scheduledFor`), else now. */
const occurrenceOf = (ctx: RunContext<Params>, deps: TicketDeps): Date => {
  const payload = ctx.event.payload;
  const at =
    typeof payload === 'object' && payload !== null && 'scheduledFor' in payload
      ? Date.parse(String(payload.scheduledFor))
      : NaN;
  return Number.isNaN(at) ? deps.clock.now() : new Date(at);
};

const syncText = (c: SyncCounts): string =>
  `synced ${c.synced} task${c.synced === 1 ? '' : 's'} (${c.closed} closed, ${c.deleted} deleted) in ${c.calls} call${c.calls === 1 ? '' : 's'}` +
  (c.unanswered === undefined ? '' : `; ${unansweredText(c.unanswered)}`);

/**
 * One ticket job's orchestration, for one run: the business rule, mappings,
 * dedupe, exactly-once creation, stored tasks, sync and loop marks around
 * the integration's `tickets` plugin.
 */
class TicketRun {
  private readonly tctx: TicketContext<Params>;

  constructor(
    private readonly deps: TicketDeps,
    private readonly job: Job,
    private readonly tickets: TicketsConfig,
    private readonly plugin: TicketPlugin<Params>,
    private readonly ctx: RunContext<Params>,
  ) {
    this.tctx = {
      jobId: ctx.jobId,
      params: ctx.params,
      http: ctx.http,
      logger: ctx.logger,
      signal: ctx.signal,
    };
  }

  async run(): Promise<RunResult> {
    const { event } = this.ctx;
    if (event.source === 'schedule' || event.source === 'manual') return this.scheduled();
    const hook = this.plugin.parseWebhook?.(event.payload, event.headers);
    if (hook !== undefined) {
      if (hook.ownChange) {
        this.ctx.logger.info('the target reports a change we made: nothing to do');
        return { message: 'ignored: our own change', output: { action: 'ignored' } };
      }
      const counts = await syncTaskIds(this.deps, this.job, this.plugin, this.tctx, hook.taskIds);
      await this.warnUnanswered(counts);
      if (counts.synced === 0) {
        return {
          message: 'ignored: the webhook is about no task of this job',
          output: { action: 'ignored', sync: counts },
        };
      }
      return {
        message: `${syncText(counts)} on the target's webhook`,
        output: { action: 'synced', sync: counts },
      };
    }
    const alert = alertOf(this.tickets, event.payload, event.deliveryId);
    const outcome = await this.handle(alert, dedupeKeyOf(this.tickets, event.payload));
    return {
      message: outcome.message,
      output: { ...(outcome.task === undefined ? {} : { task: outcome.task }), action: outcome.action },
    };
  }

  /** A scheduled (or manual) run: pull alerts when the integration can, then sync when a sync is due. */
  private async scheduled(): Promise<RunResult> {
    const parts: string[] = [];
    const output: Record<string, unknown> = {};
    let cursor: string | undefined;
    if (this.plugin.pullAlerts !== undefined) {
      const pulled = await this.plugin.pullAlerts(this.tctx, this.ctx.checkpoint.cursor);
      cursor = pulled.cursor;
      const tally: Record<TicketAction, number> = { created: 0, commented: 0, ignored: 0, filtered: 0 };
      for (const alert of pulled.alerts) {
        const outcome = await this.handle(alert, dedupeKeyOfAlert(this.tickets, alert));
        tally[outcome.action] += 1;
      }
      output.pulled = { alerts: pulled.alerts.length, ...tally };
      parts.push(
        pulled.alerts.length === 0
          ? 'pulled no alerts'
          : `pulled ${pulled.alerts.length} alert${pulled.alerts.length === 1 ? '' : 's'} (${tally.created} created, ${tally.commented} commented, ${tally.ignored} ignored, ${tally.filtered} filtered)`,
      );
    }
    const due = await this.syncDue();
    if (due.due) {
      const counts = await syncTasks(this.deps, this.job, this.plugin, this.tctx);
      await this.warnUnanswered(counts);
      if (due.record !== undefined) await this.ctx.state.set(LAST_SYNC_KEY, due.record);
      output.sync = counts;
      parts.push(syncText(counts));
    } else {
      parts.push(due.why);
    }
    return { message: parts.join('; '), output, ...(cursor === undefined ? {} : { cursor }) };
  }

  /** One `warn` notification per sync whose target answered none of a batch of open tasks (permissions). */
  private async warnUnanswered(counts: SyncCounts): Promise<void> {
    if (counts.unanswered === undefined) return;
    await this.ctx.notifier.warn(unansweredText(counts.unanswered)).catch((e: unknown) => {
      this.ctx.logger.warn(`could not raise the notification: ${errorMessage(e)}`);
    });
  }

  /**
   * Whether this run syncs: a manual run always; a scheduled run when the job
   * has `tickets.sync` and either no schedule of its own (its schedule is the
   * sync's, `jobSchedule`) or `sync.every` minutes have passed since the last
   * sync (by the occurrences' times, so a run a few seconds late still counts).
   */
  private async syncDue(): Promise<{ due: true; record?: string } | { due: false; why: string }> {
    const every = this.tickets.sync?.every;
    if (this.ctx.event.source === 'manual') return { due: true };
    if (every === undefined) return { due: false, why: 'no sync configured (tickets.sync)' };
    if (this.job.schedule === undefined) return { due: true };
    const at = occurrenceOf(this.ctx, this.deps);
    const last = await this.ctx.state.get<string>(LAST_SYNC_KEY);
    const lastAt = typeof last === 'string' ? Date.parse(last) : NaN;
    if (!Number.isNaN(lastAt) && at.getTime() - lastAt < every * 60_000) {
      return {
        due: false,
        why: `no sync due (every ${every} min; next at ${new Date(lastAt + every * 60_000).toISOString()})`,
      };
    }
    return { due: true, record: at.toISOString() };
  }

  /** One alert: rule, dedupe, then a comment, nothing, or a new task. */
  private async handle(alert: Alert, dedupeKey: string | undefined): Promise<AlertOutcome> {
    if (!matchesRule(this.tickets.rule, alert)) {
      this.ctx.logger.info(`alert ${alert.id}: filtered out by rule`);
      return { action: 'filtered', message: 'filtered out by rule' };
    }
    const dedupe = this.tickets.dedupe;
    if (dedupe !== undefined && dedupeKey !== undefined) {
      const open = await this.deps.tasks.openFor(this.job.id, dedupeKey);
      if (open !== undefined) {
        // A replay (or retry) of an alert this task already took: it did its work then.
        if (open.alertIds.includes(alert.id)) return this.already(alert, open, dedupe.action);
        if (dedupe.action === 'ignore') {
          await this.deps.tasks.update(this.job.id, open.id, {
            addAlert: alert.id,
            updatedAt: this.deps.clock.now().toISOString(),
          });
          this.ctx.logger.info(`alert ${alert.id}: ignored, a duplicate of ${taskName(open)}`);
          return {
            task: taskOf(open),
            action: 'ignored',
            message: `ignored: duplicate of ${taskName(open)}`,
          };
        }
        const commented = await this.comment(alert, open);
        if (commented !== undefined) return commented;
        // The target no longer has the task: it is marked deleted, and this alert opens a new one.
      }
    }
    return this.create(alert, dedupeKey);
  }

  /** What a replayed alert answers: the task it went to, doing nothing again. */
  private already(alert: Alert, task: StoredTask, action: 'comment' | 'ignore'): AlertOutcome {
    const created = task.alertIds[0] === alert.id;
    const name = taskName(task);
    this.ctx.logger.info(`alert ${alert.id}: already on task ${name}; nothing done again`);
    return {
      task: taskOf(task),
      action: created ? 'created' : action === 'ignore' ? 'ignored' : 'commented',
      message: created
        ? `already created ${name} for this alert`
        : action === 'ignore'
          ? `ignored: duplicate of ${name}`
          : `already commented on ${name} for this alert`,
    };
  }

  /**
   * Adds the dedupe comment (once per alert: `ctx.effect`), then counts the
   * alert on the task. Undefined when the target answered that the task is
   * gone (`deleted`): it is marked so here, which frees its dedupe key.
   */
  private async comment(alert: Alert, open: StoredTask): Promise<AlertOutcome | undefined> {
    const marker = taskMarker(this.job.id, alert.id);
    const comment = dedupeComment(alert, open.dedupeCount + 1, marker);
    const answered = await this.ctx.effect(
      updateEffectKey(alert.id),
      async () => taskOf(await this.plugin.updateTask(this.tctx, { task: open, alert, comment, marker })),
      {
        // An attempt died after sending the comment, or before: a comment cannot be searched for,
        // and a second one would repeat it. The alert is still counted below.
        reconcile: () => {
          this.ctx.logger.warn(
            `alert ${alert.id}: an earlier attempt may or may not have commented on ${taskName(open)}; not sent again`,
          );
          return taskOf(open);
        },
      },
    );
    const now = this.deps.clock.now().toISOString();
    if (answered.status === 'deleted') {
      await this.deps.tasks.update(this.job.id, open.id, { status: 'deleted', updatedAt: now });
      this.ctx.logger.info(
        `task ${taskName(open)} is gone from the target: marked deleted; alert ${alert.id} opens a new one`,
      );
      return undefined;
    }
    const stored = await this.deps.tasks.update(this.job.id, open.id, {
      addAlert: alert.id,
      ...(answered.status === open.status ? {} : { status: answered.status }),
      ...(answered.link === open.link || answered.link === '' ? {} : { link: answered.link }),
      ...(answered.key === undefined || answered.key === open.key ? {} : { key: answered.key }),
      updatedAt: now,
    });
    const count = stored?.dedupeCount ?? open.dedupeCount + 1;
    const name = taskName(stored ?? { ...open, ...answered });
    this.ctx.logger.info(`alert ${alert.id}: commented on ${name} (dedupe count ${count})`);
    return {
      task: taskOf(stored ?? { ...open, ...answered }),
      action: 'commented',
      message: `commented on ${name} (dedupe count ${count})`,
    };
  }

  /**
   * Opens the task, exactly once per alert: `createTask` inside
   * `ctx.effect('tickets:create:<alertId>')`; an attempt that died between the
   * target's answer and the record is reconciled by the marker the task
   * carries (`findTask`). Then the task is stored, and takes its dedupe key.
   */
  private async create(alert: Alert, dedupeKey: string | undefined): Promise<AlertOutcome> {
    const marker = taskMarker(this.job.id, alert.id);
    // Built before the effect: a failure here (the fields' read, a mapping refused) sends nothing,
    // and must not leave the key pending as a failed create would.
    const input = await this.createInput(alert, marker);
    let ran = false;
    const task = await this.ctx.effect(
      createEffectKey(alert.id),
      async () => {
        ran = true;
        return taskOf(await this.plugin.createTask(this.tctx, input));
      },
      {
        reconcile: async (pending) => {
          const found = await this.plugin.findTask(this.tctx, marker);
          if (found !== undefined) {
            this.ctx.logger.info(
              `alert ${alert.id}: found the task an earlier attempt created: ${taskName(found)}`,
            );
            return taskOf(found);
          }
          const age = this.deps.clock.now().getTime() - Date.parse(pending.since);
          if (!(age >= CREATE_SETTLE_MS)) {
            // Never a second task on a guess: a create sent moments ago may not show in a search yet
            // (Jira's index lags seconds). The run waits (no attempt spent) and looks again once the
            // claim (taken over now, so dated now) is older than the settle time.
            throw new CreateSettlingError(
              createEffectKey(alert.id),
              new Date(this.deps.clock.now().getTime() + CREATE_SETTLE_MS).toISOString(),
              `alert ${alert.id}: an earlier attempt may have created its task, but the target has none with marker ${marker} yet; ` +
                `it looks again in ${CREATE_SETTLE_MS / 1000} s and creates the task if there is still none`,
            );
          }
          // Settled: a task the earlier attempt created would show by now, so it created none
          // (a 502/504 from a target that did nothing). Created here, once: the key is held.
          this.ctx.logger.warn(
            `alert ${alert.id}: the target has no task with marker ${marker} ${Math.round(age / 1000)} s after an earlier attempt's create; creating it`,
          );
          ran = true;
          return taskOf(await this.plugin.createTask(this.tctx, input));
        },
      },
    );
    const now = this.deps.clock.now().toISOString();
    // The effect answered a recorded task (a replay, or an attempt that died before storing it).
    const known = ran ? undefined : await this.deps.tasks.get(this.job.id, task.id);
    if (known !== undefined) {
      this.ctx.logger.info(`alert ${alert.id}: already created ${taskName(known)}; nothing done again`);
      return {
        task: taskOf(known),
        action: 'created',
        message: `already created ${taskName(known)} for this alert`,
      };
    }
    const stored: StoredTask = {
      ...task,
      ...(dedupeKey === undefined || this.tickets.dedupe === undefined ? {} : { dedupeKey }),
      dedupeCount: 1,
      alertIds: [alert.id],
      queue: this.tickets.queue,
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.tasks.put(this.job.id, stored);
    const name = taskName(task);
    this.ctx.logger.info(`alert ${alert.id}: created ${name} ${task.link}`);
    if (!isOpenTask(task.status)) this.ctx.logger.warn(`task ${name} was created ${task.status}`);
    return {
      task,
      action: 'created',
      message: `created ${name}${task.link === '' ? '' : ` (${task.link})`}`,
    };
  }

  /** The fields of a new task: the mappings (the job's, else the integration's defaults) resolved and shaped. */
  private async createInput(alert: Alert, marker: string) {
    const mappings: readonly FieldMapping[] =
      this.tickets.mappings ?? (await this.plugin.getDefaultMappings(this.tctx));
    const mapped: Record<string, string> = {};
    for (const m of mappings) mapped[m.field] = resolveTemplate(m.value, alert);
    const fields = shapeFields(mapped, await this.fieldsOf(this.tickets.queue));
    return { alert, fields, queue: this.tickets.queue, marker };
  }

  /** The queue's fields, from `ctx.state` when a run read them within the hour. */
  private async fieldsOf(queue: string): Promise<MappingField[]> {
    const key = fieldsKey(queue);
    const cached = await this.ctx.state.get<MappingField[]>(key);
    if (Array.isArray(cached)) return cached;
    const fields = await this.plugin.getAvailableFields(this.tctx, queue);
    // Only what shaping needs: a target with hundreds of custom fields still fits a state value.
    const kept = fields.map((f) => ({
      label: '',
      value: f.value,
      type: f.type,
      ...(f.required === true ? { required: true } : {}),
    }));
    try {
      await this.ctx.state.set(key, kept, { ttlSeconds: FIELDS_TTL_SECONDS });
    } catch (e) {
      if (!(e instanceof StateLimitError)) throw e;
      this.ctx.logger.debug(`the fields of queue ${queue} are not cached: ${e.message}`);
    }
    return fields;
  }
}

/**
 * A ticket job's integration: the ticket plugin (`integration.tickets`)
 * wrapped as an integration whose `run` does the whole orchestration, so
 * that the worker runs it like any other (deadline, redaction, run log,
 * checkpoint, effects, retries). The worker uses it for jobs with `tickets`.
 *
 * - scheduled (or manual) run: `pullAlerts` from the checkpoint when the
 *   integration can, each alert handled as below; then `syncTasks` when a sync
 *   is due (`tickets.sync.every`; a manual run always syncs).
 * - a webhook `parseWebhook` recognizes: our own change → `ignored: our own
 *   change`; else the tasks it names are synced now.
 * - any other body is an alert: rule → `filtered out by rule`; an open task
 *   for its dedupe key → a comment (`commented`) or nothing (`ignored:
 *   duplicate of <task>`); else a new task (`created`). Output `{ task, action }`.
 *
 * An integration without `tickets` fails the run permanently, saying so.
 */
export const ticketIntegration = (
  deps: TicketDeps,
  job: Job,
  integration: AnyIntegration,
): AnyIntegration => ({
  manifest: integration.manifest,
  run: async (ctx) => {
    const plugin = integration.tickets;
    if (plugin === undefined) {
      throw new PermanentError(
        `integration ${integration.manifest.id} is no ticket integration (it has no tickets entry point); a job with tickets needs one, e.g. jira or servicenow`,
      );
    }
    if (job.tickets === undefined) throw new PermanentError(`job ${job.id} has no tickets`);
    return new TicketRun(deps, job, job.tickets, plugin, ctx).run();
  },
});
