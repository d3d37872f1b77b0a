import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ListenOptions } from './http.ts';
import { adfText, closeServer, controlOf, listenLoopback, readSampleJson } from './http.ts';

/**
 * A Jira Cloud stand-in on 127.0.0.1 (a free port) for the `jira`
 * integration's tests and the e2e suite: the REST v3 calls the integration
 * makes, answered in the shapes of the vendored samples
 * (test/fixtures/samples/api-responses/jira/, provenance beside them), with
 * Basic auth checked, `search/jql` paged by `nextPageToken`, and failures on
 * demand (`failNext`: a 429 with `Retry-After`, the sample 400, a 500…).
 *
 * What no sample shows is written from Jira's documented models and said so
 * where it is: createmeta pages (PageOfCreateMetaIssueTypes `issueTypes`,
 * PageOfCreateMetaIssueTypeWithField `fields`), `project/search?expand=issueTypes`
 * (each project's IssueTypeDetails), `GET /rest/api/3/field`,
 * `GET /rest/api/3/myself`, and the ErrorCollection bodies of 401/404.
 *
 * Beside the API, without auth, for a person trying a job (`triggerhub mock
 * jira`): `POST /_mock/issues/<key>/close`, `POST /_mock/issues/<key>/delete`
 * and `GET /_mock/state` (what was created and commented, see {@link MockJira.snapshot});
 * a task's link, `GET /browse/<key>`, shows that issue.
 */

type Obj = Record<string, unknown>;

const SAMPLES = 'api-responses/jira';
const sample = (file: string): Obj => readSampleJson(`${SAMPLES}/${file}`) as Obj;

export interface MockJiraStatus {
  name: string;
  /** `new`, `indeterminate` or `done` (Jira's status categories). */
  category: 'new' | 'indeterminate' | 'done' | 'undefined';
}

export interface MockJiraIssue {
  id: string;
  key: string;
  projectId: string;
  issueType: string;
  /** The `fields` the create call sent. */
  fields: Obj;
  labels: string[];
  status: MockJiraStatus;
  /** The ADF bodies of the comments added. */
  comments: Obj[];
}

export interface MockJiraRequest {
  method: string;
  /** The path without the query. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body, or the text when it is not JSON; undefined when empty. */
  body: unknown;
}

export interface MockJiraProject {
  id: string;
  key: string;
  name: string;
}

export interface MockJiraOptions extends ListenOptions {
  email?: string;
  apiToken?: string;
  /** The projects `project/search` pages through. @default 5 projects, 10000… */
  projects?: MockJiraProject[];
  /** Issue types every project offers, by name. @default Task, Bug, Story */
  issueTypes?: string[];
  /** The page size `project/search` answers with, whatever `maxResults` asks. @default min(maxResults, 2) — the sample's */
  projectPageSize?: number;
  /** The page size of `search/jql`, at most the asked `maxResults`. @default 100 */
  searchPageSize?: number;
  /** A `key in (…)` naming a key Jira does not have is refused with 400, as Jira's older search did. */
  strictKeys?: boolean;
}

interface Planned {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface MockJira {
  /** `http://127.0.0.1:<port>`: the job's `url`. */
  url: string;
  readonly email: string;
  readonly apiToken: string;
  /** Issues by key. */
  readonly issues: Map<string, MockJiraIssue>;
  readonly requests: MockJiraRequest[];
  readonly projects: readonly MockJiraProject[];
  /** Moves an issue to a done status ("Done"). */
  closeIssue(key: string): void;
  /** Sets an issue's status. */
  setStatus(key: string, status: MockJiraStatus): void;
  /** Removes an issue: the search leaves it out, a comment on it is a 404. */
  deleteIssue(key: string): void;
  /** The next request (after the auth check) is answered so, once per call, in order. */
  failNext(status: number, body?: unknown, headers?: Record<string, string>): void;
  /**
   * The body Jira would POST to a webhook about an issue: `comment_created`
   * carries the issue's last comment (ours end with the own-change note),
   * `jira:issue_updated` a status change in its changelog. Built from the
   * fields Atlassian documents for these events (no delivery was captured).
   */
  webhookBody(
    event: 'jira:issue_created' | 'jira:issue_updated' | 'jira:issue_deleted' | 'comment_created',
    key: string,
  ): Obj;
  /** The same object: what the e2e contract calls `state`. */
  readonly state: MockJira;
  /** What `GET /_mock/state` answers: the issues, their status, labels and comments as text. */
  snapshot(): MockJiraSnapshot;
  close(): Promise<void>;
}

/** An issue as `GET /_mock/state` shows it. */
export interface MockJiraSnapshotIssue {
  key: string;
  id: string;
  summary: string;
  status: string;
  labels: string[];
  /** The comments' text (ADF flattened). */
  comments: string[];
}

export interface MockJiraSnapshot {
  issues: MockJiraSnapshotIssue[];
}

/** The fields every issue type's create screen has here (FieldCreateMetadata). */
const CREATE_FIELDS: Obj[] = [
  {
    fieldId: 'summary',
    key: 'summary',
    name: 'Summary',
    required: true,
    schema: { type: 'string', system: 'summary' },
  },
  {
    fieldId: 'description',
    key: 'description',
    name: 'Description',
    required: false,
    schema: { type: 'string', system: 'description' },
  },
  {
    fieldId: 'issuetype',
    key: 'issuetype',
    name: 'Issue Type',
    required: true,
    schema: { type: 'issuetype', system: 'issuetype' },
  },
  {
    fieldId: 'project',
    key: 'project',
    name: 'Project',
    required: true,
    schema: { type: 'project', system: 'project' },
  },
  {
    fieldId: 'labels',
    key: 'labels',
    name: 'Labels',
    required: false,
    schema: { type: 'array', items: 'string', system: 'labels' },
  },
  {
    fieldId: 'priority',
    key: 'priority',
    name: 'Priority',
    required: false,
    schema: { type: 'priority', system: 'priority' },
  },
  {
    fieldId: 'assignee',
    key: 'assignee',
    name: 'Assignee',
    required: false,
    schema: { type: 'user', system: 'assignee' },
  },
  {
    fieldId: 'duedate',
    key: 'duedate',
    name: 'Due date',
    required: false,
    schema: { type: 'date', system: 'duedate' },
  },
  {
    fieldId: 'customfield_10050',
    key: 'customfield_10050',
    name: 'Severity',
    required: false,
    schema: {
      type: 'option',
      custom: 'com.atlassian.jira.plugin.system.customfieldtypes:select',
      customId: 10050,
    },
  },
  {
    fieldId: 'customfield_10060',
    key: 'customfield_10060',
    name: 'Risk score',
    required: false,
    schema: {
      type: 'number',
      custom: 'com.atlassian.jira.plugin.system.customfieldtypes:float',
      customId: 10060,
    },
  },
  {
    fieldId: 'customfield_10070',
    key: 'customfield_10070',
    name: 'Analysis',
    required: false,
    schema: {
      type: 'string',
      custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textarea',
      customId: 10070,
    },
  },
  {
    fieldId: 'customfield_10080',
    key: 'customfield_10080',
    name: 'Affected apps',
    required: false,
    schema: {
      type: 'array',
      items: 'option',
      custom: 'com.atlassian.jira.plugin.system.customfieldtypes:multiselect',
      customId: 10080,
    },
  },
];

/** A document as Jira v3 wants it in a description, a textarea or a comment. */
const isAdf = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  (v as Obj).type === 'doc' &&
  (v as Obj).version === 1 &&
  Array.isArray((v as Obj).content);

const strOf = (v: unknown): string => (typeof v === 'string' ? v : '');

const errorCollection = (errorMessages: string[], errors: Obj = {}): Obj => ({ errorMessages, errors });

const send = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void => {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json;charset=UTF-8',
    ...headers,
  });
  res.end(text);
};

const defaultProjects = (n: number): MockJiraProject[] =>
  Array.from({ length: n }, (_, i) => ({
    id: String(10000 + i),
    key: i === 0 ? 'EX' : `P${String.fromCharCode(65 + i)}`,
    name: i === 0 ? 'Example' : `Project ${String.fromCharCode(65 + i)}`,
  }));

/** `key in ("A-1", "B-2")` or `labels = "x"`: the two queries the integration sends. */
const parseJql = (jql: string): { keys?: string[]; label?: string } | undefined => {
  const keys = /^key in \(([^)]*)\)$/i.exec(jql.trim());
  if (keys?.[1] !== undefined) {
    return {
      keys: keys[1]
        .split(',')
        .map((k) => k.trim().replace(/^"|"$/g, ''))
        .filter((k) => k !== ''),
    };
  }
  const label = /^labels = "([^"]*)"$/.exec(jql.trim());
  if (label?.[1] !== undefined) return { label: label[1] };
  return undefined;
};

const tokenOf = (offset: number): string => Buffer.from(`offset:${offset}`).toString('base64url');
const offsetOf = (token: unknown): number | undefined => {
  if (token === undefined) return 0;
  if (typeof token !== 'string') return undefined;
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m?.[1] === undefined ? undefined : Number(m[1]);
};

export const startMockJira = async (options: MockJiraOptions = {}): Promise<MockJira> => {
  const email = options.email ?? 'sec@acme.com';
  const apiToken = options.apiToken ?? 'ATATT3xFfGF0-mock-jira-token-1234567890';
  const projects = options.projects ?? defaultProjects(5);
  const issueTypes = options.issueTypes ?? ['Task', 'Bug', 'Story'];
  const issues = new Map<string, MockJiraIssue>();
  const requests: MockJiraRequest[] = [];
  const planned: Planned[] = [];
  let nextIssueId = 10000;
  let nextCommentId = 10000;
  const counters = new Map<string, number>();
  const expectedAuth = `Basic ${Buffer.from(`${email}:${apiToken}`, 'utf8').toString('base64')}`;
  let origin = '';

  const projectByIdOrKey = (idOrKey: string): MockJiraProject | undefined =>
    projects.find((p) => p.id === idOrKey || p.key === idOrKey);
  const issueTypeId = (name: string): string => String(10001 + issueTypes.indexOf(name));
  const issueTypeByIdOrName = (v: string): string | undefined =>
    issueTypes.find((name) => issueTypeId(name) === v || name === v);

  /** A project's issue types as IssueTypeDetails (Jira's documented model; no sample shows them). */
  const issueTypeDetails = (): Obj[] =>
    issueTypes.map((name) => ({
      self: `${origin}/rest/api/3/issuetype/${issueTypeId(name)}`,
      id: issueTypeId(name),
      description: `A ${name.toLowerCase()}.`,
      name,
      subtask: false,
      hierarchyLevel: 0,
    }));

  const projectPage = (q: URLSearchParams): Obj => {
    const template = sample('GET_project_search_200_response.json');
    const values = template.values as Obj[];
    const startAt = Number(q.get('startAt') ?? 0);
    const asked = Number(q.get('maxResults') ?? 50);
    const size = Math.max(1, Math.min(asked, options.projectPageSize ?? values.length));
    const page = projects.slice(startAt, startAt + size);
    const isLast = startAt + page.length >= projects.length;
    // `expand=issueTypes` (a comma list): each project carries its issue types (IssueTypeDetails).
    const expanded = (q.get('expand') ?? '').split(',').some((e) => e.trim() === 'issueTypes');
    return {
      ...template,
      self: `${origin}/rest/api/3/project/search?startAt=${startAt}&maxResults=${size}`,
      ...(isLast
        ? { nextPage: undefined }
        : { nextPage: `${origin}/rest/api/3/project/search?startAt=${startAt + size}&maxResults=${size}` }),
      maxResults: size,
      startAt,
      total: projects.length,
      isLast,
      values: page.map((p, i) => ({
        ...(values[i % values.length] ?? {}),
        id: p.id,
        key: p.key,
        name: p.name,
        self: `${origin}/rest/api/3/project/${p.key}`,
        ...(expanded ? { issueTypes: issueTypeDetails() } : {}),
      })),
    };
  };

  /** A startAt page of any list (createmeta pages). */
  const slice = (list: Obj[], q: URLSearchParams, items: string): Obj => {
    const startAt = Number(q.get('startAt') ?? 0);
    const maxResults = Math.max(1, Number(q.get('maxResults') ?? 50));
    return { maxResults, startAt, total: list.length, [items]: list.slice(startAt, startAt + maxResults) };
  };

  /** An issue of a search answer, in the sample's shape, with only the fields asked for. */
  const searchIssue = (issue: MockJiraIssue, fields: unknown): Obj => {
    const template = (sample('POST_search_jql_200_response.json').issues as Obj[])[0] ?? {};
    const wanted = Array.isArray(fields) ? fields : ['status'];
    const all: Obj = {
      ...issue.fields,
      labels: issue.labels,
      status: {
        name: issue.status.name,
        statusCategory: { key: issue.status.category, name: issue.status.category },
      },
    };
    return {
      expand: template.expand,
      id: issue.id,
      key: issue.key,
      self: `${origin}/rest/api/3/issue/${issue.id}`,
      fields: Object.fromEntries(
        wanted.filter((f): f is string => typeof f === 'string' && f in all).map((f) => [f, all[f]]),
      ),
    };
  };

  const search = (body: Obj, res: ServerResponse): void => {
    const jql = typeof body.jql === 'string' ? body.jql : '';
    const parsed = parseJql(jql);
    if (parsed === undefined) {
      send(res, 400, errorCollection([`Error in the JQL Query: the mock does not read "${jql}".`]));
      return;
    }
    let found: MockJiraIssue[];
    if (parsed.keys !== undefined) {
      const missing = parsed.keys.filter((k) => !issues.has(k));
      if (options.strictKeys && missing.length > 0) {
        send(
          res,
          400,
          errorCollection(missing.map((k) => `An issue with key '${k}' does not exist for field 'key'.`)),
        );
        return;
      }
      found = parsed.keys.flatMap((k) => issues.get(k) ?? []);
    } else {
      found = [...issues.values()].filter((i) => i.labels.includes(parsed.label ?? ''));
    }
    const offset = offsetOf(body.nextPageToken);
    if (offset === undefined) {
      send(res, 400, errorCollection(['The nextPageToken is not valid.']));
      return;
    }
    const asked = typeof body.maxResults === 'number' ? body.maxResults : 50;
    const size = Math.max(1, Math.min(asked, options.searchPageSize ?? 100));
    const page = found.slice(offset, offset + size);
    const isLast = offset + page.length >= found.length;
    send(res, 200, {
      isLast,
      issues: page.map((i) => searchIssue(i, body.fields)),
      ...(isLast ? {} : { nextPageToken: tokenOf(offset + size) }),
    });
  };

  const createIssue = (body: Obj, res: ServerResponse): void => {
    const fields = typeof body.fields === 'object' && body.fields !== null ? (body.fields as Obj) : {};
    const projectRef = (fields.project ?? {}) as Obj;
    const project = projectByIdOrKey(strOf(projectRef.id ?? projectRef.key));
    const typeRef = (fields.issuetype ?? {}) as Obj;
    const issueType = issueTypeByIdOrName(strOf(typeRef.id ?? typeRef.name));
    const errors: Obj = {};
    if (project === undefined) errors.project = 'valid project is required';
    if (issueType === undefined) errors.issuetype = 'valid issue type is required';
    if (typeof fields.summary !== 'string' || fields.summary === '')
      errors.summary = 'You must specify a summary of the issue.';
    else if (/[\r\n]/.test(fields.summary))
      errors.summary = 'The summary is invalid because it contains newline characters.';
    for (const doc of ['description', 'environment', 'customfield_10070']) {
      if (fields[doc] !== undefined && !isAdf(fields[doc]))
        errors[doc] = 'Operation value must be an Atlassian Document (see the Atlassian Document Format).';
    }
    const labels = fields.labels ?? [];
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string' || /\s/.test(l)))
      errors.labels = 'Labels are strings without spaces.';
    if (Object.keys(errors).length > 0 || project === undefined || issueType === undefined) {
      send(res, 400, errorCollection([], errors));
      return;
    }
    const n = (counters.get(project.key) ?? 0) + 1;
    counters.set(project.key, n);
    const id = String(nextIssueId++);
    const key = `${project.key}-${n}`;
    issues.set(key, {
      id,
      key,
      projectId: project.id,
      issueType,
      fields,
      labels: labels as string[],
      status: { name: 'To Do', category: 'new' },
      comments: [],
    });
    send(res, 201, {
      ...sample('POST_issue_201_response.json'),
      id,
      key,
      self: `${origin}/rest/api/3/issue/${id}`,
    });
  };

  const addComment = (key: string, body: Obj, res: ServerResponse): void => {
    const issue = issues.get(key);
    if (issue === undefined) {
      send(res, 404, errorCollection(['Issue does not exist or you do not have permission to see it.']));
      return;
    }
    if (!isAdf(body.body)) {
      send(res, 400, errorCollection([], { comment: 'Comment body is not valid!' }));
      return;
    }
    issue.comments.push(body.body as Obj);
    const id = String(nextCommentId++);
    send(res, 201, {
      ...sample('POST_issue_comment_201_response.json'),
      body: body.body,
      id,
      self: `${origin}/rest/api/3/issue/${issue.id}/comment/${id}`,
    });
  };

  const handle = (req: MockJiraRequest, res: ServerResponse): void => {
    if (req.headers.authorization !== expectedAuth) {
      // Jira's ErrorCollection shape; the wording is Jira Cloud's for an unauthenticated REST call.
      send(res, 401, errorCollection(['Client must be authenticated to access this resource.']));
      return;
    }
    const plan = planned.shift();
    if (plan !== undefined) {
      send(res, plan.status, plan.body, plan.headers);
      return;
    }
    const { method, path, query } = req;
    const body = typeof req.body === 'object' && req.body !== null ? (req.body as Obj) : {};
    let m: RegExpExecArray | null;
    if (method === 'GET' && path === '/rest/api/3/myself') {
      send(res, 200, {
        accountId: '5b10a2844c20165700ede21g',
        emailAddress: email,
        displayName: 'Security Bot',
        active: true,
        accountType: 'atlassian',
      });
    } else if (method === 'GET' && path === '/rest/api/3/project/search') {
      send(res, 200, projectPage(query));
    } else if (
      method === 'GET' &&
      (m = /^\/rest\/api\/3\/issue\/createmeta\/([^/]+)\/issuetypes$/.exec(path))
    ) {
      const project = projectByIdOrKey(decodeURIComponent(m[1] ?? ''));
      if (project === undefined)
        send(res, 404, errorCollection(['No project could be found with id or key.']));
      else
        send(
          res,
          200,
          slice(
            issueTypes.map((name) => ({
              id: issueTypeId(name),
              name,
              subtask: false,
              self: `${origin}/rest/api/3/issuetype/${issueTypeId(name)}`,
            })),
            query,
            'issueTypes',
          ),
        );
    } else if (
      method === 'GET' &&
      (m = /^\/rest\/api\/3\/issue\/createmeta\/([^/]+)\/issuetypes\/([^/]+)$/.exec(path))
    ) {
      const project = projectByIdOrKey(decodeURIComponent(m[1] ?? ''));
      const type = issueTypes.find((name) => issueTypeId(name) === decodeURIComponent(m?.[2] ?? ''));
      if (project === undefined || type === undefined)
        send(res, 404, errorCollection(['Issue type not found for this project.']));
      else send(res, 200, slice(CREATE_FIELDS, query, 'fields'));
    } else if (method === 'GET' && path === '/rest/api/3/field') {
      send(
        res,
        200,
        CREATE_FIELDS.map((f) => ({
          id: f.fieldId,
          key: f.key,
          name: f.name,
          custom: String(f.fieldId).startsWith('customfield_'),
          schema: f.schema,
        })),
      );
    } else if (method === 'POST' && path === '/rest/api/3/issue') {
      createIssue(body, res);
    } else if (method === 'POST' && (m = /^\/rest\/api\/3\/issue\/([^/]+)\/comment$/.exec(path))) {
      addComment(decodeURIComponent(m[1] ?? ''), body, res);
    } else if (method === 'POST' && path === '/rest/api/3/search/jql') {
      search(body, res);
    } else if (path === '/rest/api/3/search') {
      // Removed by Atlassian (CHANGE-2046): a client still calling it gets what Jira gives now.
      send(
        res,
        410,
        errorCollection([
          'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.',
        ]),
      );
    } else {
      send(res, 404, errorCollection([`null for uri: ${path}`]));
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (text !== '') {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          body = text;
        }
      }
      const control = controlOf(req.method ?? '', url.pathname);
      if (control !== undefined) {
        answerControl(control, res);
        return;
      }
      // A task's link (`<url>/browse/<key>`) opened in a browser: the issue as the state shows it.
      const browse = req.method === 'GET' ? /^\/browse\/([^/]+)$/.exec(url.pathname) : null;
      if (browse !== null) {
        const key = decodeURIComponent(browse[1] ?? '');
        const shown = snapshot().issues.find((i) => i.key === key);
        send(res, shown === undefined ? 404 : 200, shown ?? { error: `no issue ${key}` });
        return;
      }
      const received: MockJiraRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      requests.push(received);
      try {
        handle(received, res);
      } catch (e) {
        send(res, 500, errorCollection([String(e)]));
      }
    });
  });

  const issueOf = (key: string): MockJiraIssue => {
    const issue = issues.get(key);
    if (issue === undefined) throw new Error(`mock Jira has no issue ${key}`);
    return issue;
  };
  const snapshot = (): MockJiraSnapshot => ({
    issues: [...issues.values()].map((i) => ({
      key: i.key,
      id: i.id,
      summary: strOf(i.fields.summary),
      status: i.status.name,
      labels: i.labels,
      comments: i.comments.map(adfText),
    })),
  });
  /** The routes a person calls with curl while trying a job: close or delete an issue, see the state. */
  const answerControl = (control: NonNullable<ReturnType<typeof controlOf>>, res: ServerResponse): void => {
    if (control.kind === 'state') return send(res, 200, snapshot());
    const { things, id, action } = control;
    if (things !== 'issues' || (action !== 'close' && action !== 'delete')) {
      return send(res, 404, {
        error:
          'control routes: GET /_mock/state, POST /_mock/issues/<key>/close, POST /_mock/issues/<key>/delete',
      });
    }
    const issue = issues.get(id) ?? [...issues.values()].find((i) => i.id === id);
    if (issue === undefined) return send(res, 404, { error: `no issue ${id}` });
    if (action === 'close') issue.status = { name: 'Done', category: 'done' };
    else issues.delete(issue.key);
    send(res, 200, {
      key: issue.key,
      [action === 'close' ? 'status' : 'deleted']: action === 'close' ? 'Done' : true,
    });
  };
  origin = await listenLoopback(server, options);
  const mock: MockJira = {
    url: origin,
    email,
    apiToken,
    issues,
    requests,
    projects,
    closeIssue: (key) => {
      issueOf(key).status = { name: 'Done', category: 'done' };
    },
    setStatus: (key, status) => {
      issueOf(key).status = status;
    },
    deleteIssue: (key) => {
      issues.delete(key);
    },
    failNext: (status, body, headers) => {
      planned.push({ status, body, headers });
    },
    webhookBody: (event, key) => {
      const issue = issueOf(key);
      const body: Obj = {
        timestamp: Date.now(),
        webhookEvent: event,
        user: { accountId: '5b10a2844c20165700ede21g', displayName: 'Security Bot' },
        issue: {
          id: issue.id,
          self: `${origin}/rest/api/3/issue/${issue.id}`,
          key: issue.key,
          fields: {
            summary: issue.fields.summary,
            labels: issue.labels,
            status: { name: issue.status.name, statusCategory: { key: issue.status.category } },
          },
        },
      };
      if (event === 'comment_created') {
        body.comment = { id: String(nextCommentId - 1), body: issue.comments.at(-1) ?? null };
      }
      if (event === 'jira:issue_updated') {
        body.issue_event_type_name = 'issue_generic';
        body.changelog = {
          id: '10100',
          items: [{ field: 'status', fieldtype: 'jira', toString: issue.status.name }],
        };
      }
      return body;
    },
    get state() {
      return mock;
    },
    snapshot,
    close: () => closeServer(server),
  };
  return mock;
};
