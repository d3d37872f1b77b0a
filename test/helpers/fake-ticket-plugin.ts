import { PermanentError } from '../../shared/errors.ts';
import type { Alert, MappingField, TaskStatus, TicketTask } from '../../shared/model/index.ts';
import type { CreateTaskInput, TicketContext, UpdateTaskInput } from '../../shared/sdk/index.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { isOwnChangeText } from '../../shared/tickets/marker.ts';

/** A task as the fake target keeps it. */
export interface FakeTargetTask extends TicketTask {
  marker: string;
  queue: string;
  fields: CreateTaskInput['fields'];
  comments: string[];
}

type Params = { url: string; token?: string };

/**
 * The target a fake ticket integration talks to, in memory: its tasks, the
 * calls each method got, and hooks a test sets to make a call fail, wait or
 * go through `ctx.http`.
 */
export class FakeTarget {
  readonly tasks = new Map<string, FakeTargetTask>();
  readonly calls = {
    createTask: 0,
    updateTask: 0,
    syncStates: 0,
    findTask: 0,
    getAvailableFields: 0,
    getDefaultMappings: 0,
    pullAlerts: 0,
  };
  readonly created: CreateTaskInput[] = [];
  readonly updates: UpdateTaskInput[] = [];
  /** What `syncStates` was asked, per call. */
  readonly synced: string[][] = [];
  fields: MappingField[] = [
    { label: 'Summary', value: 'summary', type: 'string', required: true },
    { label: 'Description', value: 'description', type: 'text' },
    { label: 'Story points', value: 'points', type: 'number' },
    { label: 'Labels', value: 'labels', type: 'array' },
  ];
  /** Alerts `pullAlerts` hands out (once each), and the cursor it answers. */
  pull: { alerts: Alert[]; cursor?: string } | undefined;
  /** The next `getAvailableFields` fails with this (once). */
  fieldsFailure: Error | undefined;
  /** Runs before `createTask` does anything (throw to fail it). */
  beforeCreate?: (ctx: TicketContext<Params>, input: CreateTaskInput) => Promise<void> | void;
  /** Runs after the target created the task, before `createTask` answers (throw to lose the answer). */
  afterCreate?: (task: FakeTargetTask) => void;
  /** Called in `syncStates` (a test measures memory there). */
  onSync?: (ids: readonly string[]) => Promise<void> | void;
  private seq = 0;

  /** Closes (or deletes) a task in the target, as a person would. */
  setStatus(id: string, status: TaskStatus): void {
    const task = this.tasks.get(id);
    if (task === undefined) throw new Error(`no task ${id}`);
    task.status = status;
  }

  remove(id: string): void {
    this.tasks.delete(id);
  }

  /** Adds tasks the target has (for sync tests), ids `T-<n>`. */
  seed(count: number): string[] {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = `T-${++this.seq}`;
      this.tasks.set(id, {
        id,
        status: 'new',
        link: `https://target.test/browse/${id}`,
        marker: `seeded-${id}`,
        queue: 'Q',
        fields: {},
        comments: [],
      });
      ids.push(id);
    }
    return ids;
  }

  /** Answers tasks with a human key (`KEY-<n>` for `T-<n>`), as ServiceNow answers an incident's number. */
  humanKeys = false;

  private answer(t: FakeTargetTask): TicketTask {
    return {
      id: t.id,
      status: t.status,
      link: t.link,
      ...(this.humanKeys ? { key: t.id.replace(/^T-/, 'KEY-') } : {}),
    };
  }

  integration(id = 'fake-tickets') {
    return defineIntegration({
      id,
      name: 'Fake tickets',
      version: '1.0.0',
      description: 'a ticket target in memory',
      parameters: {
        url: { type: 'text', mandatory: true },
        token: { type: 'password' },
      },
      tickets: {
        validate: () => Promise.resolve({ success: true, message: 'ok' }),
        getQueues: () => Promise.resolve([{ label: 'Queue', value: 'Q' }]),
        getAvailableFields: () => {
          this.calls.getAvailableFields++;
          const failure = this.fieldsFailure;
          this.fieldsFailure = undefined;
          return failure === undefined ? Promise.resolve(this.fields) : Promise.reject(failure);
        },
        getDefaultMappings: () => {
          this.calls.getDefaultMappings++;
          return [
            { field: 'summary', value: 'Alert: $alertName' },
            { field: 'description', value: 'Alert ID: $id' },
          ];
        },
        createTask: async (ctx, input) => {
          this.calls.createTask++;
          await this.beforeCreate?.(ctx, input);
          const taskId = `T-${++this.seq}`;
          const task: FakeTargetTask = {
            id: taskId,
            status: 'new',
            link: `https://target.test/browse/${taskId}`,
            marker: input.marker,
            queue: input.queue,
            fields: input.fields,
            comments: [],
          };
          this.tasks.set(taskId, task);
          this.created.push(input);
          this.afterCreate?.(task);
          return this.answer(task);
        },
        updateTask: (_ctx, input) => {
          this.calls.updateTask++;
          this.updates.push(input);
          const task = this.tasks.get(input.task.id);
          if (task === undefined) return Promise.resolve({ ...input.task, status: 'deleted' as const });
          task.comments.push(input.comment);
          return Promise.resolve(this.answer(task));
        },
        syncStates: async (_ctx, ids) => {
          this.calls.syncStates++;
          if (ids.length > 100) throw new PermanentError(`syncStates got ${ids.length} ids`);
          this.synced.push([...ids]);
          await this.onSync?.(ids);
          return ids.flatMap((taskId) => {
            const t = this.tasks.get(taskId);
            return t === undefined ? [] : [this.answer(t)];
          });
        },
        findTask: (_ctx, marker) => {
          this.calls.findTask++;
          const found = [...this.tasks.values()].find((t) => t.marker === marker);
          return Promise.resolve(found === undefined ? undefined : this.answer(found));
        },
        // A body `{ webhookEvent, issue: { key }, comment?: { body } }` is the target's webhook (Jira-like).
        parseWebhook: (payload) => {
          if (typeof payload !== 'object' || payload === null || !('webhookEvent' in payload))
            return undefined;
          const p = payload as { issue?: { key?: string }; comment?: { body?: string } };
          return {
            taskIds: p.issue?.key === undefined ? [] : [p.issue.key],
            ownChange: p.comment?.body !== undefined && isOwnChangeText(p.comment.body),
          };
        },
        pullAlerts: (_ctx, cursor) => {
          this.calls.pullAlerts++;
          const pull = this.pull;
          this.pull = undefined;
          return Promise.resolve(pull ?? { alerts: [], ...(cursor === undefined ? {} : { cursor }) });
        },
      },
    });
  }
}
