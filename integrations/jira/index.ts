import { PermanentError } from '../../shared/errors.ts';
import type { FieldMapping, MappingField, TicketQueue, TicketTask } from '../../shared/model/index.ts';
import type { ValidationResult } from '../../shared/sdk/index.ts';
import { isNetworkFailure, networkFailureMessage } from '../../shared/outbound/classify.ts';
import { clip, defineIntegration, SYNC_BATCH } from '../../shared/sdk/index.ts';
import {
  isOwnChangeText,
  MARKER_PATTERN,
  OWN_CHANGE_LABEL,
  ownChangeNote,
} from '../../shared/tickets/marker.ts';
import { adfOf } from './adf.ts';
import type { JiraField, JiraSchema } from './fields.ts';
import { fieldKeyOf, jiraValueOf, KNOWN_SYSTEM_FIELDS, mappingFieldOf, QUEUE_FIELDS } from './fields.ts';
import type { JiraContext, JiraIssue } from './jira-api.ts';
import {
  asJiraError,
  baseOf,
  baseUrlOf,
  createMetaFields,
  headersOf,
  isHttpError,
  issueTypeNames,
  linkOf,
  missingKeysOf,
  PAGE_SIZE,
  parseQueue,
  reasonOf,
  scrub,
  searchIssues,
  taskOf,
} from './jira-api.ts';
import { isIssueKey, keyInJql } from './keys.ts';
import { parseJiraWebhook } from './webhook.ts';

/**
 * `getQueues` lists at most this many queues (a console's drop-down), and
 * reads at most MAX_QUEUE_PROJECTS projects (200 pages of 50) for them: a site
 * with 100,000 projects answers in seconds, with a log line saying it was cut.
 */
export const MAX_QUEUES = 1_000;
export const MAX_QUEUE_PROJECTS = 10_000;

/** A project of `project/search?expand=issueTypes`: its issue types (IssueTypeDetails) come with it. */
interface JiraProject {
  id?: unknown;
  key?: unknown;
  name?: unknown;
  issueTypes?: ({ name?: unknown } | null)[];
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
/** A marker goes in a label (no spaces, at most 255) and in JQL between quotes. */

const failed = (message: string, param?: string): ValidationResult => ({
  success: false,
  message,
  ...(param === undefined ? {} : { param }),
});

/**
 * The issue's fields for `POST /rest/api/3/issue`: each mapped value in its
 * field's shape (from createmeta, asked only when a field is not one whose
 * shape is known), the project and issue type of the queue, and our labels.
 */
const issueFieldsOf = async (
  ctx: JiraContext,
  base: string,
  queue: string,
  mapped: Record<string, string | number | boolean | string[]>,
  marker: string,
): Promise<Record<string, unknown>> => {
  const { project, issueType } = parseQueue(queue);
  const keys = Object.keys(mapped).filter((k) => !QUEUE_FIELDS.has(k));
  const schemas = new Map<string, JiraSchema | undefined>(Object.entries(KNOWN_SYSTEM_FIELDS));
  if (keys.some((k) => !Object.hasOwn(KNOWN_SYSTEM_FIELDS, k))) {
    for (const field of await createMetaFields(ctx, base, queue)) {
      const key = fieldKeyOf(field);
      if (key !== undefined) schemas.set(key, field.schema);
    }
  }
  const fields: Record<string, unknown> = {};
  for (const key of keys) {
    const value = mapped[key];
    if (value !== undefined) fields[key] = jiraValueOf(key, value, schemas.get(key));
  }
  // Jira refuses a label with a space in it; ours make the issue findable (findTask) and our own (webhooks).
  const labels = (Array.isArray(fields.labels) ? (fields.labels as string[]) : []).map((l) =>
    l.replace(/\s+/g, '_'),
  );
  fields.labels = [...new Set([...labels, OWN_CHANGE_LABEL, marker])];
  fields.project = /^\d+$/.test(project) ? { id: project } : { key: project };
  fields.issuetype = { name: issueType };
  return fields;
};

/**
 * Built-in `jira`: a ticket integration for Jira Cloud (REST v3, Basic auth
 * with an Atlassian account's email and API token). Queues are projects ×
 * the configured issue types; issues open with our label and marker, text
 * goes as Atlassian Document Format, deduplicated alerts become comments, and
 * statuses are synced by status category through `POST /rest/api/3/search/jql`.
 * The token may only be sent to the host of `url` (`hostFrom`).
 */
export default defineIntegration({
  id: 'jira',
  name: 'Jira',
  version: '1.0.0',
  description:
    'Creates Jira Cloud issues for alerts in the configured projects and issue types, comments on them for deduplicated alerts, and syncs their status.',
  parameters: {
    url: {
      type: 'text',
      label: 'Jira Cloud Instance URL',
      description: 'Jira Cloud instance URL. e.g. https://<your-domain>.atlassian.net.',
      mandatory: true,
    },
    email: {
      type: 'text',
      label: 'Email Address',
      description:
        'Email address of the Jira user. User should have access to read Projects and Create/Update issues on Jira Cloud Platform.',
      mandatory: true,
    },
    apiToken: {
      type: 'password',
      label: 'API Token',
      description:
        'API token of the Jira user. API token for user can be generated from Account > Manage account > Security > API Tokens > Create and manage API tokens.',
      mandatory: true,
      hostFrom: 'url',
    },
    issueTypes: {
      type: 'text',
      label: 'Jira Issue Type(s)',
      description: 'Enter comma separated values of Jira issue types (values are case sensitive).',
      default: 'Task',
      mandatory: true,
    },
  },
  tickets: {
    async validate(ctx) {
      const { url, email, apiToken, issueTypes } = ctx.params as Partial<Record<string, unknown>>;
      // Empty checks, then type checks, before anything is sent.
      if (typeof url !== 'string' || url.trim() === '')
        return failed('Jira Cloud Instance URL is required', 'url');
      if (typeof email !== 'string' || email.trim() === '')
        return failed('Email Address is required', 'email');
      if (typeof apiToken !== 'string' || apiToken === '') return failed('API Token is required', 'apiToken');
      const base = baseUrlOf(url);
      if (base === undefined) {
        return failed(
          'Jira Cloud Instance URL must be an http(s) URL with a host and no user name or password, e.g. https://<your-domain>.atlassian.net',
          'url',
        );
      }
      if (!EMAIL.test(email.trim())) return failed('Email Address is not an email address', 'email');
      if (issueTypeNames(issueTypes).length === 0) {
        return failed('Jira Issue Type(s): at least one issue type name, comma separated', 'issueTypes');
      }
      try {
        const me = await ctx.http
          .get(`${base}/rest/api/3/myself`, { headers: headersOf(ctx) })
          .json<unknown>();
        const name =
          typeof me === 'object' &&
          me !== null &&
          typeof (me as { displayName?: unknown }).displayName === 'string'
            ? (me as { displayName: string }).displayName
            : email.trim();
        return { success: true, message: scrub(ctx, `connected to Jira as ${clip(name, 100)}`) };
      } catch (e) {
        if (isHttpError(e)) {
          const { status } = e.response;
          const reason = await reasonOf(ctx, e.response);
          if (status === 401 || status === 403) {
            return failed(scrub(ctx, `Jira refused the credentials (${status}): ${reason}`), 'apiToken');
          }
          return failed(
            scrub(
              ctx,
              `Jira answered ${status} at /rest/api/3/myself${reason ? ` (${reason})` : ''}: is this a Jira Cloud instance URL?`,
            ),
            'url',
          );
        }
        // Said as a run says it (ctx.http's words): `could not reach <host>: connection refused`.
        if (isNetworkFailure(e))
          return failed(scrub(ctx, networkFailureMessage(new URL(base).host, e)), 'url');
        throw e;
      }
    },

    async getQueues(ctx) {
      const base = baseOf(ctx);
      const wanted = new Set(issueTypeNames(ctx.params.issueTypes));
      const queues: TicketQueue[] = [];
      let projects = 0;
      let cut = false;
      try {
        // One paged call for all: each project's issue types come in its page (`expand=issueTypes`),
        // not from a createmeta call per project (100,000 projects would never finish).
        for await (const project of ctx.http.paginate<JiraProject>(`${base}/rest/api/3/project/search`, {
          style: 'startAt',
          items: 'values',
          pageSize: PAGE_SIZE,
          searchParams: { expand: 'issueTypes' },
          headers: headersOf(ctx),
        })) {
          ctx.signal.throwIfAborted();
          if (projects >= MAX_QUEUE_PROJECTS) {
            cut = true;
            break;
          }
          projects += 1;
          if (typeof project.id !== 'string') continue;
          const name =
            typeof project.name === 'string'
              ? project.name
              : typeof project.key === 'string'
                ? project.key
                : project.id;
          const types = Array.isArray(project.issueTypes) ? project.issueTypes : [];
          const seen = new Set<string>();
          for (const type of types) {
            if (typeof type?.name !== 'string' || !wanted.has(type.name) || seen.has(type.name)) continue;
            seen.add(type.name);
            if (queues.length >= MAX_QUEUES) {
              cut = true;
              break;
            }
            queues.push({ label: `${name} - ${type.name}`, value: `${project.id}:${type.name}` });
          }
          if (cut) break;
        }
      } catch (e) {
        throw await asJiraError(ctx, e, 'list projects and issue types');
      }
      if (cut) {
        ctx.logger.warn(
          `the queue list was cut at ${queues.length} queues from ${projects} projects (at most ${MAX_QUEUES} queues ` +
            `and ${MAX_QUEUE_PROJECTS} projects are listed); a queue not listed is still set by its value, <project id>:<issue type>`,
        );
      }
      return queues;
    },

    async getAvailableFields(ctx, queue) {
      const base = baseOf(ctx);
      if (queue === undefined || queue === '') {
        let all: unknown;
        try {
          all = await ctx.http.get(`${base}/rest/api/3/field`, { headers: headersOf(ctx) }).json<unknown>();
        } catch (e) {
          throw await asJiraError(ctx, e, 'list fields');
        }
        if (!Array.isArray(all))
          throw new PermanentError('GET /rest/api/3/field: the answer is not a list of fields');
        return all.flatMap((f: JiraField): MappingField[] => {
          const field = mappingFieldOf(f, undefined);
          return field === undefined ? [] : [field];
        });
      }
      const fields = await createMetaFields(ctx, base, queue);
      return fields.flatMap((f): MappingField[] => {
        const key = fieldKeyOf(f);
        if (key === undefined || QUEUE_FIELDS.has(key)) return [];
        const field = mappingFieldOf(f, f.required === true);
        return field === undefined ? [] : [field];
      });
    },

    getDefaultMappings(): FieldMapping[] {
      // The Netskope Jira plugin's defaults.
      return [
        { field: 'summary', value: 'Netskope $appCategory alert: $alertName' },
        {
          field: 'description',
          value:
            'Alert ID: $id\nApp: $app\nAlert Name: $alertName\nAlert Type: $alertType\nApp Category: $appCategory\nUser: $user',
        },
      ];
    },

    async createTask(ctx, { fields: mapped, queue, marker }) {
      const base = baseOf(ctx);
      if (!MARKER_PATTERN.test(marker)) throw new PermanentError('the task marker is not a valid Jira label');
      const fields = await issueFieldsOf(ctx, base, queue, mapped, marker);
      let created: unknown;
      try {
        created = await ctx.http
          .post(`${base}/rest/api/3/issue`, { json: { fields }, headers: headersOf(ctx) })
          .json<unknown>();
      } catch (e) {
        throw await asJiraError(ctx, e, 'create the issue');
      }
      const key =
        typeof created === 'object' && created !== null ? (created as { key?: unknown }).key : undefined;
      if (typeof key !== 'string' || !isIssueKey(key)) {
        throw new PermanentError('POST /rest/api/3/issue: the answer carries no issue key');
      }
      ctx.logger.info(`created Jira issue ${key}`);
      return { id: key, status: 'new', link: linkOf(base, key) };
    },

    async updateTask(ctx, { task, comment, marker }) {
      const base = baseOf(ctx);
      if (!isIssueKey(task.id)) throw new PermanentError(`"${clip(task.id, 40)}" is not a Jira issue key`);
      const text = isOwnChangeText(comment) ? comment : `${comment}\n${ownChangeNote(marker)}`;
      try {
        await ctx.http.post(`${base}/rest/api/3/issue/${encodeURIComponent(task.id)}/comment`, {
          json: { body: adfOf(text) },
          headers: headersOf(ctx),
        });
      } catch (e) {
        if (isHttpError(e) && e.response.status === 404) {
          ctx.logger.info(
            `Jira issue ${task.id} no longer exists (or this account cannot see it): marked deleted`,
          );
          return { id: task.id, status: 'deleted', link: task.link };
        }
        throw await asJiraError(ctx, e, `comment on ${task.id}`);
      }
      return { id: task.id, status: task.status, link: task.link };
    },

    async syncStates(ctx, ids) {
      const base = baseOf(ctx);
      const keys = [...new Set(ids.filter(isIssueKey))];
      const refused = ids.length - ids.filter(isIssueKey).length;
      if (refused > 0)
        ctx.logger.warn(`${refused} task id(s) are not Jira issue keys: left out of the search`);
      const tasks: TicketTask[] = [];
      for (let at = 0; at < keys.length; at += SYNC_BATCH) {
        let pending = keys.slice(at, at + SYNC_BATCH);
        // Each retry drops at least one key Jira named as missing: bounded by the batch.
        for (let tries = 0; pending.length > 0; tries++) {
          ctx.signal.throwIfAborted();
          const wanted = new Set(pending);
          const found: TicketTask[] = [];
          try {
            for await (const issue of searchIssues(ctx, base, keyInJql(pending), SYNC_BATCH)) {
              if (typeof issue.key === 'string' && wanted.has(issue.key)) {
                found.push(taskOf(base, issue as JiraIssue & { key: string }));
              }
            }
            tasks.push(...found);
            break;
          } catch (e) {
            const missing = new Set(await missingKeysOf(e));
            const left = pending.filter((k) => !missing.has(k));
            if (left.length === pending.length || tries >= SYNC_BATCH) {
              throw await asJiraError(ctx, e, 'search issues');
            }
            pending = left;
          }
        }
      }
      return tasks;
    },

    async findTask(ctx, marker) {
      const base = baseOf(ctx);
      if (!MARKER_PATTERN.test(marker)) throw new PermanentError('the task marker is not a valid Jira label');
      let page: unknown;
      try {
        page = await ctx.http
          .post(`${base}/rest/api/3/search/jql`, {
            json: { jql: `labels = "${marker}"`, maxResults: 1, fields: ['status'] },
            headers: headersOf(ctx),
          })
          .json<unknown>();
      } catch (e) {
        throw await asJiraError(ctx, e, 'search issues');
      }
      const issues =
        typeof page === 'object' && page !== null ? (page as { issues?: unknown }).issues : undefined;
      const issue: unknown = Array.isArray(issues) ? issues[0] : undefined;
      if (typeof issue === 'object' && issue !== null) {
        const { key } = issue as JiraIssue;
        if (typeof key === 'string' && isIssueKey(key)) return taskOf(base, { ...(issue as JiraIssue), key });
      }
      return undefined;
    },

    parseWebhook(payload) {
      return parseJiraWebhook(payload);
    },
  },
});
