import { PermanentError } from '../../shared/errors.ts';
import type { MappingField, TicketQueue, TicketTask } from '../../shared/model/index.ts';
import {
  array,
  lazy,
  literal,
  looseObject,
  optional,
  regex,
  string,
  unknown,
} from '../../shared/model/zod.ts';
import { isNetworkFailure, networkFailureMessage } from '../../shared/outbound/classify.ts';
import { clip, defineIntegration, SYNC_BATCH } from '../../shared/sdk/index.ts';
import type { TargetWebhook, TicketContext, ValidationResult } from '../../shared/sdk/index.ts';
// A work note carrying our own-change note is one we wrote: a webhook about it is no news.
import { isOwnChangeText, MARKER_PATTERN, ownChangeNote } from '../../shared/tickets/marker.ts';
import { DEFAULT_MAPPINGS, fieldTypeOf, statusOfState } from './mapping.ts';
import type { TableApiParams } from './table-api.ts';
import {
  asTargetError,
  baseUrlOf,
  headersOf,
  isHttpError,
  reasonOf,
  reasonText,
  recordLink,
  SYS_ID,
  tableUrl,
  valueOf,
} from './table-api.ts';

/** The tables tasks can open in. Netskope's plugin has more; only incident is built (README). */
const TABLES = ['incident'] as const;

/** What we read of a task: few fields, so a page of 100 stays small. */
const TASK_FIELDS = 'sys_id,number,state';
/** Rows per Table API page: the platform's sync batch, so one batch is one page. */
const PAGE_SIZE = SYNC_BATCH;
/** A console's drop-down needs no more groups than this; the walk stops there. */
const MAX_QUEUES = 10_000;

/**
 * Set by createTask on every incident, whatever the mappings say: the group
 * is the job's queue, the correlation id our marker (what findTask looks
 * for). Not offered as mapping fields.
 */
const RESERVED_FIELDS = new Set(['assignment_group', 'correlation_id', 'correlation_display', 'sys_id']);

const IncidentSchema = lazy(() =>
  looseObject({
    sys_id: string().check(regex(SYS_ID)),
    number: optional(string()),
    state: optional(unknown()),
  }),
);
const OneResultSchema = lazy(() => looseObject({ result: IncidentSchema }));
const ResultListSchema = lazy(() => looseObject({ result: array(unknown()) }));
const GroupSchema = lazy(() =>
  looseObject({ sys_id: string().check(regex(SYS_ID)), name: optional(unknown()) }),
);
const DictionarySchema = lazy(() =>
  looseObject({
    name: optional(unknown()),
    element: string(),
    column_label: optional(unknown()),
    internal_type: optional(unknown()),
    mandatory: optional(unknown()),
  }),
);
/**
 * What the Business Rule of the README posts (an outbound REST message):
 * `{ "source": "servicenow", "table", "sys_id", "state", "work_notes", "sys_updated_by" }`.
 */
const WebhookSchema = lazy(() =>
  looseObject({
    source: literal('servicenow'),
    sys_id: string().check(regex(SYS_ID)),
    work_notes: optional(unknown()),
  }),
);

/** The first thing wrong with the parameters, as validate answers it. */
const paramProblem = (p: TableApiParams): ValidationResult | undefined => {
  const fail = (param: string, message: string): ValidationResult => ({ success: false, param, message });
  const url = p.url.trim();
  if (url === '') return fail('url', 'Instance URL is empty: give e.g. https://<instance>.service-now.com');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail('url', `Instance URL ${JSON.stringify(clip(url))} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return fail('url', 'Instance URL must start with https:// (or http:// for a test server)');
  }
  if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '') {
    return fail(
      'url',
      'Instance URL takes no user, password, query or fragment: the account goes in username and password',
    );
  }
  if (p.username.trim() === '') return fail('username', 'Username is empty');
  if (p.username.includes(':')) return fail('username', 'Username cannot contain ":" (Basic auth)');
  if (p.password === '') return fail('password', 'Password is empty');
  if (!(TABLES as readonly string[]).includes(p.table)) {
    return fail('table', `Destination Table must be one of ${TABLES.join(', ')}`);
  }
  return undefined;
};

/** The calls other than validate refuse to run on parameters validate would refuse. */
const checkedParams = <P extends TableApiParams>(ctx: TicketContext<P>): P => {
  const problem = paramProblem(ctx.params);
  if (problem !== undefined)
    throw new PermanentError(`servicenow: parameter "${problem.param}": ${problem.message}`);
  return ctx.params;
};

/** Our task of an incident record: its sys_id is the id, its number (INC0010002) the key a person knows. */
const taskOf = (
  params: TableApiParams,
  record: { sys_id: string; number?: string; state?: unknown },
): TicketTask => ({
  id: record.sys_id,
  status: statusOfState(valueOf(record.state)),
  link: recordLink(params, record.sys_id),
  ...(typeof record.number === 'string' && record.number !== '' ? { key: record.number } : {}),
});

/** One record out of a create / update answer (`{ "result": { … } }`). */
const recordOf = async (
  response: Response,
  doing: string,
): Promise<{ sys_id: string; number?: string; state?: unknown }> => {
  const parsed = OneResultSchema.safeParse(await response.json());
  // Not permanent: ServiceNow did something; a retry reconciles (findTask) or updates again.
  if (!parsed.success) throw new Error(`ServiceNow's answer to ${doing} has no record with a sys_id`);
  return parsed.data.result;
};

/**
 * The rows of a Table API listing, one page (100 rows) at a time through
 * `ctx.http.paginate` (sysparm_limit/sysparm_offset, following ServiceNow's
 * `Link: rel="next"`), refusals turned into permanent errors.
 */
async function* rowsOf(
  ctx: TicketContext<TableApiParams>,
  table: string,
  query: Record<string, string>,
  doing: string,
): AsyncGenerator<unknown, void, undefined> {
  try {
    for await (const row of ctx.http.paginate<unknown>(tableUrl(ctx.params, table), {
      style: 'servicenow',
      pageSize: PAGE_SIZE,
      headers: headersOf(ctx.params),
      searchParams: query,
    })) {
      yield row;
    }
  } catch (e) {
    throw await asTargetError(e, doing, ctx.params.password);
  }
}

const textOf = (value: unknown): string => valueOf(value) ?? '';

/**
 * Built-in `servicenow`: a ticket integration (Netskope's ServiceNow ITSM
 * plugin, as our TicketPlugin) over the Table API with Basic auth. Alerts
 * become incidents in the job's assignment group, deduplicated alerts add
 * work notes, and incident states are synced back (1 New → new, 2 In
 * Progress → in_progress, 3 On Hold → on_hold, 6 Resolved / 7 Closed /
 * 8 Canceled → closed, anything else → other). Every call goes through
 * `ctx.http` (retries, 429 Retry-After, the deadline, the egress allow-list;
 * the password only to the instance URL's host).
 */
export default defineIntegration({
  id: 'servicenow',
  name: 'ServiceNow',
  version: '1.0.0',
  description:
    'Ticket integration: alerts become ServiceNow incidents (Table API, Basic auth) in an assignment group; duplicates add work notes; incident states are synced back.',
  parameters: {
    url: {
      type: 'text',
      label: 'Instance URL',
      description: 'ServiceNow instance URL, e.g. https://<instance-name>.service-now.com',
      mandatory: true,
    },
    username: {
      type: 'text',
      label: 'Username',
      description:
        "Username of your ServiceNow instance. Users are created on the 'System Security > Users and Groups > Users' page; the account needs the itil role (see README).",
      mandatory: true,
    },
    password: {
      type: 'password',
      label: 'Password',
      description:
        "Password of that user, set on 'System Security > Users and Groups > Users > (the user) > Set Password'. Sent only to the instance URL's host.",
      mandatory: true,
      hostFrom: 'url',
    },
    table: {
      type: 'choice',
      label: 'Destination Table',
      description: 'The ServiceNow table incidents are created in. Only Incidents (incident) is supported.',
      choices: [...TABLES],
      default: 'incident',
    },
  },
  tickets: {
    async validate(ctx): Promise<ValidationResult> {
      const p = ctx.params;
      const problem = paramProblem(p);
      if (problem !== undefined) return problem;
      try {
        const response = await ctx.http.get(tableUrl(p, p.table), {
          headers: headersOf(p),
          searchParams: { sysparm_limit: '1', sysparm_fields: 'sys_id' },
        });
        await response.body?.cancel();
      } catch (e) {
        // Refusals and an unreachable instance are answered in plain words (as Jira's); an egress refusal is thrown as it is.
        if (isNetworkFailure(e)) {
          return {
            success: false,
            param: 'url',
            message: networkFailureMessage(new URL(baseUrlOf(p)).host, e),
          };
        }
        if (!isHttpError(e)) throw e;
        const { status } = e.response;
        const reason = await reasonOf(e.response, p.password);
        if (status === 401) {
          return { success: false, message: `ServiceNow refused the credentials (401): ${reason.message}` };
        }
        if (status === 403) {
          return {
            success: false,
            message: `ServiceNow refused ${p.username} access to the ${p.table} table (403): ${reasonText(reason)}. The account needs the itil role.`,
          };
        }
        if (status === 404) {
          return {
            success: false,
            param: 'url',
            message: `ServiceNow answered 404 for the ${p.table} table at ${baseUrlOf(p)}: ${reasonText(reason)}. Check the instance URL.`,
          };
        }
        return { success: false, message: `ServiceNow answered ${status}: ${reasonText(reason)}` };
      }
      return {
        success: true,
        message: `ServiceNow ${new URL(baseUrlOf(p)).host}: connected as ${p.username}`,
      };
    },

    async getQueues(ctx): Promise<TicketQueue[]> {
      checkedParams(ctx);
      const queues: TicketQueue[] = [];
      for await (const row of rowsOf(
        ctx,
        'sys_user_group',
        { sysparm_fields: 'sys_id,name', sysparm_query: 'ORDERBYname' },
        'list the assignment groups (sys_user_group)',
      )) {
        const group = GroupSchema.safeParse(row);
        if (!group.success) continue;
        queues.push({ label: textOf(group.data.name) || group.data.sys_id, value: group.data.sys_id });
        if (queues.length >= MAX_QUEUES) {
          ctx.logger.warn(
            `ServiceNow: more than ${MAX_QUEUES} assignment groups; the first ${MAX_QUEUES} are offered`,
          );
          break;
        }
      }
      return queues;
    },

    async getAvailableFields(ctx): Promise<MappingField[]> {
      const p = checkedParams(ctx);
      // An incident's columns are its own and those it inherits from task (short_description,
      // description, work_notes…): both tables' dictionaries, incident's entry winning.
      const byElement = new Map<string, { field: MappingField; own: boolean }>();
      for await (const row of rowsOf(
        ctx,
        'sys_dictionary',
        {
          sysparm_query: `nameIN${p.table},task^internal_type!=collection^elementISNOTEMPTY^ORDERBYelement`,
          sysparm_fields: 'name,element,column_label,internal_type,mandatory',
          sysparm_exclude_reference_link: 'true',
        },
        `read the columns of ${p.table} (sys_dictionary)`,
      )) {
        const entry = DictionarySchema.safeParse(row);
        if (!entry.success) continue;
        const { element } = entry.data;
        // System fields are the platform's (Netskope's plugin leaves them out too); ours are set by createTask.
        if (element === '' || element.startsWith('sys_') || RESERVED_FIELDS.has(element)) continue;
        const own = textOf(entry.data.name) === p.table;
        if (byElement.get(element)?.own === true && !own) continue;
        const mandatory = textOf(entry.data.mandatory) === 'true' || entry.data.mandatory === true;
        byElement.set(element, {
          own,
          field: {
            label: textOf(entry.data.column_label) || element,
            value: element,
            type: fieldTypeOf(textOf(entry.data.internal_type)),
            ...(mandatory ? { required: true } : {}),
          },
        });
      }
      return [...byElement.values()]
        .map((e) => e.field)
        .sort((a, b) => a.label.localeCompare(b.label, 'en') || a.value.localeCompare(b.value, 'en'));
    },

    getDefaultMappings() {
      return DEFAULT_MAPPINGS.map((m) => ({ ...m }));
    },

    async createTask(ctx, input): Promise<TicketTask> {
      const p = checkedParams(ctx);
      if (!MARKER_PATTERN.test(input.marker)) {
        throw new PermanentError(
          `servicenow: marker ${JSON.stringify(clip(input.marker))} is not a triggerhub marker ([A-Za-z0-9_.-], at most 100)`,
        );
      }
      // Every value as text, as the Table API keeps them (a list field takes comma-separated sys_ids).
      const fields = Object.fromEntries(
        Object.entries(input.fields)
          .filter(([name]) => !RESERVED_FIELDS.has(name))
          .map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : String(value)]),
      );
      let response: Response;
      try {
        response = await ctx.http.post(tableUrl(p, p.table), {
          headers: headersOf(p),
          searchParams: { sysparm_fields: TASK_FIELDS },
          json: {
            ...fields,
            assignment_group: input.queue,
            correlation_id: input.marker,
            correlation_display: 'triggerhub',
          },
        });
      } catch (e) {
        throw await asTargetError(e, `create an ${p.table}`, p.password);
      }
      const record = await recordOf(response, `create an ${p.table}`);
      ctx.logger.info(
        `ServiceNow: created ${p.table} ${typeof record.number === 'string' ? `${record.number} ` : ''}(${record.sys_id}) for alert ${input.alert.id}`,
      );
      return taskOf(p, record);
    },

    async updateTask(ctx, input): Promise<TicketTask> {
      const p = checkedParams(ctx);
      const { id } = input.task;
      if (!SYS_ID.test(id))
        throw new PermanentError(`servicenow: task id ${JSON.stringify(clip(id))} is not a sys_id`);
      // The platform ends the comment with our note; added here when it did not, so no webhook loops.
      const note = input.comment.includes(ownChangeNote(input.marker))
        ? input.comment
        : `${input.comment}\n\n${ownChangeNote(input.marker)}`;
      let response: Response;
      try {
        response = await ctx.http.patch(tableUrl(p, p.table, id), {
          headers: headersOf(p),
          searchParams: { sysparm_fields: TASK_FIELDS },
          json: { work_notes: note },
        });
      } catch (e) {
        // Deleted (or hidden from the account by an ACL, which ServiceNow answers the same way).
        if (isHttpError(e) && e.response.status === 404) {
          await e.response.body?.cancel().catch(() => undefined);
          ctx.logger.info(`ServiceNow: ${p.table} ${id} is gone (404): marked deleted`);
          return { id, status: 'deleted', link: input.task.link };
        }
        throw await asTargetError(e, `add a work note to ${p.table} ${id}`, p.password);
      }
      const record = await recordOf(response, `update ${p.table} ${id}`);
      return taskOf(p, record);
    },

    async syncStates(ctx, ids): Promise<TicketTask[]> {
      const p = checkedParams(ctx);
      const wanted = [...new Set(ids)];
      const bad = wanted.filter((id) => !SYS_ID.test(id));
      if (bad.length > 0) {
        throw new PermanentError(
          `servicenow: ${bad.length} task id(s) are not sys_ids (first: ${JSON.stringify(clip(bad[0] ?? ''))}); refused, an id must not change the query`,
        );
      }
      const tasks: TicketTask[] = [];
      // A query of 100 sys_ids stays far below URL limits; more are split (the platform sends 100 at most).
      for (let at = 0; at < wanted.length; at += SYNC_BATCH) {
        const open = new Set(wanted.slice(at, at + SYNC_BATCH));
        for await (const row of rowsOf(
          ctx,
          p.table,
          {
            // Ordered, so that offset paging neither skips nor repeats a row.
            sysparm_query: `sys_idIN${[...open].join(',')}^ORDERBYsys_id`,
            sysparm_fields: TASK_FIELDS,
          },
          `read the state of ${open.size} ${p.table} records`,
        )) {
          const record = IncidentSchema.safeParse(row);
          if (!record.success || !open.delete(record.data.sys_id)) continue;
          tasks.push(taskOf(p, record.data));
          // All answered: no page past the last (a full page of 100 would otherwise ask once more).
          if (open.size === 0) break;
        }
      }
      // Ids ServiceNow did not answer are left out: the platform marks them deleted.
      return tasks;
    },

    async findTask(ctx, marker): Promise<TicketTask | undefined> {
      const p = checkedParams(ctx);
      if (!MARKER_PATTERN.test(marker)) {
        throw new PermanentError(
          `servicenow: marker ${JSON.stringify(clip(marker))} is not a triggerhub marker ([A-Za-z0-9_.-], at most 100)`,
        );
      }
      let response: Response;
      try {
        response = await ctx.http.get(tableUrl(p, p.table), {
          headers: headersOf(p),
          searchParams: {
            sysparm_query: `correlation_id=${marker}^ORDERBYsys_created_on`,
            sysparm_fields: TASK_FIELDS,
            sysparm_limit: '1',
          },
        });
      } catch (e) {
        throw await asTargetError(e, `look for the ${p.table} with correlation id ${marker}`, p.password);
      }
      const list = ResultListSchema.safeParse(await response.json());
      if (!list.success) throw new Error(`ServiceNow's answer to a ${p.table} search has no result list`);
      for (const row of list.data.result) {
        const record = IncidentSchema.safeParse(row);
        if (record.success) return taskOf(p, record.data);
      }
      return undefined;
    },

    parseWebhook(payload): TargetWebhook | undefined {
      const body = WebhookSchema.safeParse(payload);
      if (!body.success) return undefined;
      const notes = typeof body.data.work_notes === 'string' ? body.data.work_notes : '';
      return { taskIds: [body.data.sys_id], ownChange: isOwnChangeText(notes) };
    },
  },
});
