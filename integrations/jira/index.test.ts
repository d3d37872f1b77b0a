import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import type { Alert, StoredTask } from '../../shared/model/index.ts';
import type { RateLimitInfo } from '../../shared/outbound/create-http-client.ts';
import { createHttpClient } from '../../shared/outbound/create-http-client.ts';
import { secretPins } from '../../shared/outbound/pins.ts';
import type { TicketContext, TicketPlugin } from '../../shared/sdk/index.ts';
import { paramsSchema, SYNC_BATCH } from '../../shared/sdk/index.ts';
import { OWN_CHANGE_LABEL, ownChangeNote } from '../../shared/tickets/marker.ts';
import type { MockJira } from '../../test/helpers/mock-jira.ts';
import { startMockJira } from '../../test/helpers/mock-jira.ts';
import { readSampleJson } from '../../test/helpers/samples.ts';
import jira, { MAX_QUEUES } from './index.ts';

// The jira integration against a loopback Jira (test/helpers/mock-jira.ts, answering with the
// vendored samples), through the toolbox's real ctx.http (retries, Retry-After, pins).

type Params = Record<string, unknown>;
const plugin = jira.tickets as TicketPlugin<Params>;

let mock: MockJira;
const opened: { close(): Promise<void> }[] = [];

beforeEach(async () => {
  mock = await startMockJira();
  opened.push(mock);
});

afterEach(async () => {
  // Whatever a test did, the removed search endpoint was never called.
  expect(mock.requests.filter((r) => r.path === '/rest/api/3/search')).toEqual([]);
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

interface Made {
  ctx: TicketContext<Params>;
  /** Every line the integration and ctx.http logged. */
  lines: string[];
  rateLimits: RateLimitInfo[];
}

/** A ticket context as a run gets it: parameters with defaults, ctx.http with the job's pins. */
const contextFor = (params: Params = {}): Made => {
  const lines: string[] = [];
  const rateLimits: RateLimitInfo[] = [];
  const runParams = paramsSchema(jira.manifest, 'run').parse({
    url: mock.url,
    email: mock.email,
    apiToken: mock.apiToken,
    ...params,
  });
  const signal = new AbortController().signal;
  const made = createHttpClient({
    userAgent: 'triggerhub/test jira/1.0.0',
    deadlineAt: Date.now() + 60_000,
    signal,
    logger: { debug: (m) => lines.push(m), info: (m) => lines.push(m) },
    pins: secretPins(jira.manifest, { apiToken: { secret: 'jira' } }, runParams),
    allowDeferral: true,
    onRateLimited: (info) => rateLimits.push(info),
    backoffBaseMs: 10,
  });
  opened.push(made);
  const log = (m: string) => void lines.push(m);
  return {
    ctx: {
      jobId: 'alerts-to-jira',
      params: runParams,
      http: made.http,
      logger: { debug: log, info: log, warn: log, error: log },
      signal,
    },
    lines,
    rateLimits,
  };
};

const failure = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );

const alert: Alert = { id: 'a-1', alertName: 'DLP', user: 'bob@acme.com', rawAlert: {} };
const MARKER = 'triggerhub-alerts-to-jira-a-1';

const storedTask = (id: string): StoredTask => ({
  id,
  status: 'new',
  link: `${mock.url}/browse/${id}`,
  dedupeCount: 1,
  alertIds: ['a-1'],
  queue: '10000:Task',
  createdAt: '2026-11-29T10:00:00.000Z',
  updatedAt: '2026-11-29T10:00:00.000Z',
});

/** Opens `n` issues in the mock through the integration. */
const createIssues = async (ctx: TicketContext<Params>, n: number): Promise<string[]> => {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const task = await plugin.createTask(ctx, {
      alert,
      fields: { summary: `alert ${i}` },
      queue: '10000:Task',
      marker: `${MARKER}-${i}`,
    });
    keys.push(task.id);
  }
  return keys;
};

const searches = () => mock.requests.filter((r) => r.path === '/rest/api/3/search/jql');

describe('jira manifest', () => {
  it('is a ticket integration with the Netskope plugin’s parameters and help texts, camelCased', () => {
    // Prepare
    const netskope = readSampleJson('netskope-ce/ta_cloud_exchange_plugins/jira_itsm/manifest.json') as {
      configuration: {
        fields: { key: string; label: string; description: string; mandatory: boolean; default: string }[];
      }[];
    };
    const theirs = new Map(netskope.configuration.flatMap((step) => step.fields).map((f) => [f.key, f]));
    const ours: Record<string, string> = {
      url: 'url',
      email: 'email',
      apiToken: 'api_token',
      issueTypes: 'issue_type',
    };

    // Assess
    expect(jira.manifest).toMatchObject({ id: 'jira', version: '1.0.0', entryPoints: ['tickets'] });
    expect(Object.keys(jira.manifest.parameters)).toEqual(Object.keys(ours));
    for (const [name, key] of Object.entries(ours)) {
      const spec = jira.manifest.parameters[name];
      const their = theirs.get(key);
      expect(spec, name).toMatchObject({
        label: their?.label,
        description: their?.description,
        mandatory: true,
      });
    }
    expect(jira.manifest.parameters.apiToken).toMatchObject({ type: 'password', hostFrom: 'url' });
    expect(jira.manifest.parameters.issueTypes).toMatchObject({ type: 'text', default: 'Task' });
    expect(jira.run).toBeUndefined();
  });

  it('defaults to the Netskope plugin’s mappings', async () => {
    const { ctx } = contextFor();
    expect(await plugin.getDefaultMappings(ctx)).toEqual([
      { field: 'summary', value: 'Netskope $appCategory alert: $alertName' },
      {
        field: 'description',
        value:
          'Alert ID: $id\nApp: $app\nAlert Name: $alertName\nAlert Type: $alertType\nApp Category: $appCategory\nUser: $user',
      },
    ]);
  });
});

describe('validate', () => {
  it('calls GET /rest/api/3/myself with Basic email:token and answers success', async () => {
    // Prepare
    const { ctx } = contextFor();

    // Act
    const result = await plugin.validate(ctx);

    // Assess
    expect(result).toEqual({ success: true, message: 'connected to Jira as Security Bot' });
    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/3/myself']);
    expect(mock.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${mock.email}:${mock.apiToken}`).toString('base64')}`,
    );
    expect(mock.requests[0]?.headers.accept).toBe('application/json');
  });

  it('answers Jira’s refusal of the credentials in plain words, naming the token parameter, never the token', async () => {
    // Prepare
    const { ctx, lines } = contextFor({ apiToken: 'wrong-token-0123456789' });

    // Act
    const result = await plugin.validate(ctx);

    // Assess
    expect(result).toEqual({
      success: false,
      message: 'Jira refused the credentials (401): Client must be authenticated to access this resource.',
      param: 'apiToken',
    });
    expect(JSON.stringify([result, lines])).not.toContain('wrong-token-0123456789');
  });

  it('answers 403 the same way', async () => {
    // Prepare
    const { ctx } = contextFor();
    mock.failNext(403, { errorMessages: ['You do not have access to this site.'], errors: {} });

    // Act
    const result = await plugin.validate(ctx);

    // Assess
    expect(result).toMatchObject({
      success: false,
      message: 'Jira refused the credentials (403): You do not have access to this site.',
    });
  });

  it.each([
    [{ url: '' }, 'url', /URL is required/],
    [{ url: 'ftp://acme.atlassian.net' }, 'url', /http\(s\) URL/],
    [{ url: 'not a url' }, 'url', /http\(s\) URL/],
    [{ url: 'https://me:pw@acme.atlassian.net' }, 'url', /no user name or password/],
    [{ email: '' }, 'email', /Email Address is required/],
    [{ email: 'sec-at-acme.com' }, 'email', /not an email address/],
    [{ issueTypes: ' , ' }, 'issueTypes', /at least one issue type/],
  ])('refuses %j before sending anything (%s)', async (params, param, why) => {
    // Prepare: an empty token can only be given past the schema, as a hand-made context would.
    const { ctx } = contextFor();
    ctx.params = { ...ctx.params, ...params };

    // Act
    const result = await plugin.validate(ctx);

    // Assess
    expect(result.success).toBe(false);
    expect(result.param).toBe(param);
    expect(result.message).toMatch(why);
    expect(mock.requests).toHaveLength(0);
  });

  it('refuses an empty token without trimming one that has spaces', async () => {
    // Prepare
    const { ctx } = contextFor();
    ctx.params = { ...ctx.params, apiToken: '' };
    const spaced = contextFor();
    spaced.ctx.params = { ...spaced.ctx.params, apiToken: ` ${mock.apiToken}` };

    // Act
    const empty = await plugin.validate(ctx);
    const withSpace = await plugin.validate(spaced.ctx);

    // Assess: the token is sent as given, so Jira refuses the spaced one
    expect(empty).toEqual({ success: false, message: 'API Token is required', param: 'apiToken' });
    expect(withSpace).toMatchObject({ success: false, param: 'apiToken', message: /\(401\)/ });
  });

  it('answers a target that is not there with the plain reason', async () => {
    // Prepare: a port that was just free
    const gone = await startMockJira();
    const url = gone.url;
    await gone.close();
    const { ctx } = contextFor({ url });

    // Act
    const result = await plugin.validate(ctx);

    // Assess
    expect(result).toEqual({
      success: false,
      message: `could not reach ${new URL(url).host}: connection refused`,
      param: 'url',
    });
  });

  it('answers a URL that is not Jira’s with the status it got', async () => {
    // Prepare
    const { ctx } = contextFor({ url: `${mock.url}/not-jira` });

    // Act
    const result = await plugin.validate(ctx);

    // Assess
    expect(result).toMatchObject({
      success: false,
      param: 'url',
      message: /^Jira answered 404 at \/rest\/api\/3\/myself/,
    });
  });
});

describe('getQueues', () => {
  it('pages project search (expand=issueTypes) until isLast: no call per project, filtered by issueTypes', async () => {
    // Prepare: 5 projects, answered 2 per page as the sample is: 3 pages
    const { ctx } = contextFor({ issueTypes: 'Task, Bug, Nope' });

    // Act
    const queues = await plugin.getQueues(ctx);

    // Assess
    const pages = mock.requests.filter((r) => r.path === '/rest/api/3/project/search');
    expect(
      pages.map((r) => [r.query.get('startAt'), r.query.get('maxResults'), r.query.get('expand')]),
    ).toEqual([
      ['0', '50', 'issueTypes'],
      ['2', '50', 'issueTypes'],
      ['4', '50', 'issueTypes'],
    ]);
    expect(mock.requests).toHaveLength(3);
    expect(queues).toHaveLength(10);
    expect(queues.slice(0, 2)).toEqual([
      { label: 'Example - Task', value: '10000:Task' },
      { label: 'Example - Bug', value: '10000:Bug' },
    ]);
    expect(queues.at(-1)).toEqual({ label: 'Project E - Bug', value: '10004:Bug' });
  });

  it('a huge site: cut at MAX_QUEUES queues, with a log line saying so, without reading every project', async () => {
    // Prepare: 2,000 projects with 2 wanted issue types each (4,000 queues), 50 a page
    const big = await startMockJira({
      projects: Array.from({ length: 2_000 }, (_, i) => ({
        id: String(20_000 + i),
        key: `P${i}`,
        name: `Project ${i}`,
      })),
      projectPageSize: 50,
    });
    opened.push(big);
    const { ctx, lines } = contextFor({ url: big.url, issueTypes: 'Task, Bug' });

    // Act
    const queues = await plugin.getQueues(ctx);

    // Assess
    expect(queues).toHaveLength(MAX_QUEUES);
    expect(queues.at(-1)).toEqual({ label: 'Project 499 - Bug', value: '20499:Bug' });
    expect(big.requests.length).toBeLessThanOrEqual(MAX_QUEUES / 2 / 50 + 1);
    expect(big.requests.every((r) => r.path === '/rest/api/3/project/search')).toBe(true);
    expect(lines.filter((l) => l.includes('the queue list was cut at 1000 queues'))).toHaveLength(1);
  });

  it('a site of exactly MAX_QUEUES queues is listed whole, with no cut line', async () => {
    const exact = await startMockJira({
      projects: Array.from({ length: MAX_QUEUES / 2 }, (_, i) => ({
        id: String(i),
        key: `P${i}`,
        name: `P ${i}`,
      })),
      projectPageSize: 50,
    });
    opened.push(exact);
    const { ctx, lines } = contextFor({ url: exact.url, issueTypes: 'Task, Bug' });
    const queues = await plugin.getQueues(ctx);
    expect(queues).toHaveLength(MAX_QUEUES);
    expect(lines.some((l) => l.includes('was cut'))).toBe(false);
  });

  it('fails permanently with Jira’s reason on a 403', async () => {
    // Prepare
    const { ctx } = contextFor();
    mock.failNext(403, { errorMessages: ['No permission.'], errors: {} });

    // Act
    const e = await failure(plugin.getQueues(ctx));

    // Assess
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as Error).message).toBe('Jira refused to list projects and issue types (403): No permission.');
  });
});

describe('getAvailableFields', () => {
  it('maps the create fields of a queue to typed mapping fields, leaving out project and issue type', async () => {
    // Prepare
    const { ctx } = contextFor();

    // Act
    const fields = await plugin.getAvailableFields(ctx, '10000:Bug');

    // Assess
    expect(mock.requests.map((r) => r.path)).toEqual([
      '/rest/api/3/issue/createmeta/10000/issuetypes',
      '/rest/api/3/issue/createmeta/10000/issuetypes/10002',
    ]);
    expect(fields).toEqual([
      { label: 'Summary', value: 'summary', type: 'string', required: true },
      { label: 'Description', value: 'description', type: 'text', required: false },
      { label: 'Labels', value: 'labels', type: 'array', required: false },
      { label: 'Priority', value: 'priority', type: 'any', required: false },
      { label: 'Assignee', value: 'assignee', type: 'user', required: false },
      { label: 'Due date', value: 'duedate', type: 'date', required: false },
      { label: 'Severity', value: 'customfield_10050', type: 'option', required: false },
      { label: 'Risk score', value: 'customfield_10060', type: 'number', required: false },
      { label: 'Analysis', value: 'customfield_10070', type: 'text', required: false },
      { label: 'Affected apps', value: 'customfield_10080', type: 'array', required: false },
    ]);
  });

  it('without a queue, lists every field of GET /rest/api/3/field', async () => {
    // Prepare
    const { ctx } = contextFor();

    // Act
    const fields = await plugin.getAvailableFields(ctx);

    // Assess
    expect(mock.requests.map((r) => r.path)).toEqual(['/rest/api/3/field']);
    expect(fields).toContainEqual({ label: 'Issue Type', value: 'issuetype', type: 'any' });
    expect(fields).toHaveLength(12);
  });

  it('refuses a queue that is not projectId:issueType, and an issue type the project does not offer', async () => {
    const { ctx } = contextFor();
    await expect(plugin.getAvailableFields(ctx, 'Task')).rejects.toThrow(/expected <projectId>:<issue type>/);
    await expect(plugin.getAvailableFields(ctx, '10000:Epic')).rejects.toThrow(
      'Jira project 10000 has no issue type "Epic" this account can create',
    );
  });
});

describe('createTask', () => {
  it('POSTs the issue with ADF description, the project and issue type of the queue, and our labels', async () => {
    // Prepare
    const { ctx } = contextFor();

    // Act
    const task = await plugin.createTask(ctx, {
      alert,
      fields: {
        summary: 'Netskope Cloud Storage alert:\nDLP',
        description: 'Alert ID: a-1\nUser: bob\n\nApp: Box',
        labels: ['dlp', 'high risk'],
      },
      queue: '10000:Task',
      marker: MARKER,
    });

    // Assess: known fields, no createmeta call
    expect(task).toEqual({ id: 'EX-1', status: 'new', link: `${mock.url}/browse/EX-1` });
    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /rest/api/3/issue']);
    expect(mock.requests[0]?.body).toEqual({
      fields: {
        summary: 'Netskope Cloud Storage alert: DLP',
        description: {
          type: 'doc',
          version: 1,
          content: [
            {
              type: 'paragraph',
              content: [
                { type: 'text', text: 'Alert ID: a-1' },
                { type: 'hardBreak' },
                { type: 'text', text: 'User: bob' },
              ],
            },
            { type: 'paragraph', content: [{ type: 'text', text: 'App: Box' }] },
          ],
        },
        labels: ['dlp', 'high_risk', OWN_CHANGE_LABEL, MARKER],
        project: { id: '10000' },
        issuetype: { name: 'Task' },
      },
    });
    expect(mock.issues.get('EX-1')?.labels).toContain(MARKER);
  });

  it('shapes other fields by their createmeta schema: option, number, user, priority, textarea, multiselect', async () => {
    // Prepare
    const { ctx } = contextFor();

    // Act
    await plugin.createTask(ctx, {
      alert,
      fields: {
        summary: 's',
        customfield_10050: 'High',
        customfield_10060: '7.5',
        assignee: '5b10a2844c20165700ede21g',
        priority: 'Highest',
        customfield_10070: 'why',
        customfield_10080: ['Box', 'Slack'],
        duedate: '2026-12-01',
      },
      queue: 'EX:Task',
      marker: MARKER,
    });

    // Assess
    const create = mock.requests.find((r) => r.path === '/rest/api/3/issue');
    expect(create?.body).toMatchObject({
      fields: {
        customfield_10050: { value: 'High' },
        customfield_10060: 7.5,
        assignee: { accountId: '5b10a2844c20165700ede21g' },
        priority: { name: 'Highest' },
        customfield_10070: {
          type: 'doc',
          version: 1,
          content: [{ type: 'paragraph', content: [{ type: 'text', text: 'why' }] }],
        },
        customfield_10080: [{ value: 'Box' }, { value: 'Slack' }],
        duedate: '2026-12-01',
        project: { key: 'EX' },
      },
    });
    expect(mock.requests.filter((r) => r.path.includes('/createmeta/'))).toHaveLength(2);
  });

  it('fails permanently with the sample 400’s message in plain words', async () => {
    // Prepare
    const { ctx } = contextFor();
    mock.failNext(400, readSampleJson('api-responses/jira/POST_issue_400_response.json'));

    // Act
    const e = await failure(
      plugin.createTask(ctx, { alert, fields: { summary: 's' }, queue: '10000:Task', marker: MARKER }),
    );

    // Assess
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as Error).message).toBe("Jira refused to create the issue (400): Field 'priority' is required");
  });

  it('quotes Jira’s field errors (its `errors` object), e.g. a missing summary', async () => {
    // Prepare: the mock checks the body as Jira does
    const { ctx } = contextFor();

    // Act
    const e = await failure(
      plugin.createTask(ctx, { alert, fields: { description: 'd' }, queue: '10000:Task', marker: MARKER }),
    );

    // Assess
    expect((e as Error).message).toBe(
      'Jira refused to create the issue (400): summary: You must specify a summary of the issue.',
    );
  });

  it.each([401, 403, 404])('fails permanently on %i', async (status) => {
    // Prepare
    const { ctx } = contextFor();
    mock.failNext(status, { errorMessages: [`no (${status})`], errors: {} });

    // Act
    const e = await failure(
      plugin.createTask(ctx, { alert, fields: { summary: 's' }, queue: '10000:Task', marker: MARKER }),
    );

    // Assess
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as Error).message).toBe(`Jira refused to create the issue (${status}): no (${status})`);
  });

  it('waits out a 429 with Retry-After through ctx.http, once, and creates one issue', async () => {
    // Prepare
    const { ctx, lines, rateLimits } = contextFor();
    mock.failNext(429, '<!DOCTYPE html><title>error429</title>', { 'retry-after': '1' });

    // Act
    const task = await plugin.createTask(ctx, {
      alert,
      fields: { summary: 's' },
      queue: '10000:Task',
      marker: MARKER,
    });

    // Assess
    expect(task.id).toBe('EX-1');
    expect(mock.requests.filter((r) => r.path === '/rest/api/3/issue')).toHaveLength(2);
    expect(mock.issues.size).toBe(1);
    expect(rateLimits).toEqual([expect.objectContaining({ status: 429, waitMs: 1_000, deferred: false })]);
    expect(lines.some((l) => /waiting 1 s before retry 1 of 5 \(Retry-After\)/.test(l))).toBe(true);
  });

  it('passes a 5xx that outlived the retries on as retryable, not permanent', async () => {
    // Prepare
    const { ctx } = contextFor();
    for (let i = 0; i < 6; i++) mock.failNext(503, { errorMessages: ['down'] });

    // Act
    const e = await failure(
      plugin.createTask(ctx, { alert, fields: { summary: 's' }, queue: '10000:Task', marker: MARKER }),
    );

    // Assess
    expect(e).not.toBeInstanceOf(PermanentError);
    expect((e as Error).name).toBe('HTTPError');
  });

  it('refuses a marker Jira cannot take as a label', async () => {
    const { ctx } = contextFor();
    await expect(
      plugin.createTask(ctx, { alert, fields: { summary: 's' }, queue: '10000:Task', marker: 'has space' }),
    ).rejects.toThrow(PermanentError);
    expect(mock.requests).toHaveLength(0);
  });
});

describe('updateTask', () => {
  it('POSTs an ADF comment ending with our own-change note, and keeps the task as it was', async () => {
    // Prepare
    const { ctx } = contextFor();
    const [key = ''] = await createIssues(ctx, 1);

    // Act
    const task = await plugin.updateTask(ctx, {
      task: storedTask(key),
      alert,
      comment: 'New alert received at 2026-11-29T10:05:00Z.',
      marker: MARKER,
    });

    // Assess: the sample request's shape (doc → paragraph → text)
    expect(task).toEqual({ id: key, status: 'new', link: `${mock.url}/browse/${key}` });
    const comment = mock.requests.find((r) => r.path === `/rest/api/3/issue/${key}/comment`);
    expect(comment?.body).toEqual({
      body: {
        type: 'doc',
        version: 1,
        content: [
          {
            type: 'paragraph',
            content: [
              { type: 'text', text: 'New alert received at 2026-11-29T10:05:00Z.' },
              { type: 'hardBreak' },
              { type: 'text', text: ownChangeNote(MARKER) },
            ],
          },
        ],
      },
    });
    const sampleShape = readSampleJson('api-responses/jira/POST_issue_comment_request_example.json') as {
      body: { type: string; version: number };
    };
    expect({ type: sampleShape.body.type, version: sampleShape.body.version }).toEqual({
      type: 'doc',
      version: 1,
    });
  });

  it('does not add the note twice when the comment carries it already', async () => {
    // Prepare
    const { ctx } = contextFor();
    const [key = ''] = await createIssues(ctx, 1);

    // Act
    await plugin.updateTask(ctx, {
      task: storedTask(key),
      alert,
      comment: `again\n${ownChangeNote(MARKER)}`,
      marker: MARKER,
    });

    // Assess
    expect(JSON.stringify(mock.issues.get(key)?.comments).split('[triggerhub:')).toHaveLength(2);
  });

  it('answers a 404 (the issue was deleted) as a deleted task, not an error', async () => {
    // Prepare
    const { ctx } = contextFor();
    const [key = ''] = await createIssues(ctx, 1);
    mock.deleteIssue(key);

    // Act
    const task = await plugin.updateTask(ctx, { task: storedTask(key), alert, comment: 'c', marker: MARKER });

    // Assess
    expect(task).toEqual({ id: key, status: 'deleted', link: `${mock.url}/browse/${key}` });
  });

  it('refuses an id that is not an issue key, sending nothing', async () => {
    const { ctx } = contextFor();
    await expect(
      plugin.updateTask(ctx, { task: storedTask('../../myself'), alert, comment: 'c', marker: MARKER }),
    ).rejects.toThrow(/not a Jira issue key/);
    expect(mock.requests).toHaveLength(0);
  });
});

describe('syncStates', () => {
  it('searches key in (…) through search/jql, following nextPageToken, mapping status categories', async () => {
    // Prepare: 25 issues, answered 10 per page
    await mock.close();
    mock = await startMockJira({ searchPageSize: 10 });
    opened.push(mock);
    const { ctx } = contextFor();
    const keys = await createIssues(ctx, 25);
    mock.closeIssue('EX-2');
    mock.setStatus('EX-3', { name: 'In Progress', category: 'indeterminate' });
    mock.setStatus('EX-4', { name: 'On Hold', category: 'indeterminate' });
    mock.setStatus('EX-5', { name: 'Odd', category: 'undefined' });
    mock.deleteIssue('EX-6');

    // Act
    const tasks = await plugin.syncStates(ctx, keys);

    // Assess: 3 pages of one search, the token carried in the body
    const calls = searches();
    expect(calls).toHaveLength(3);
    expect(calls[0]?.body).toEqual({
      jql: `key in (${keys.map((k) => `"${k}"`).join(', ')})`,
      fields: ['status'],
      maxResults: 100,
    });
    expect((calls[1]?.body as { nextPageToken?: unknown }).nextPageToken).toEqual(expect.any(String));
    expect(tasks).toHaveLength(24);
    const status = new Map(tasks.map((t) => [t.id, t.status]));
    expect([
      status.get('EX-1'),
      status.get('EX-2'),
      status.get('EX-3'),
      status.get('EX-4'),
      status.get('EX-5'),
    ]).toEqual(['new', 'closed', 'in_progress', 'on_hold', 'other']);
    expect(status.has('EX-6')).toBe(false);
    expect(tasks[0]).toEqual({ id: 'EX-1', status: 'new', link: `${mock.url}/browse/EX-1` });
  });

  it('takes 100 ids in one call, and splits more into batches of 100', async () => {
    // Prepare
    const { ctx } = contextFor();
    const keys = await createIssues(ctx, 3);
    const hundred = [...keys, ...Array.from({ length: SYNC_BATCH - 3 }, (_, i) => `EX-${1000 + i}`)];

    // Act
    const one = await plugin.syncStates(ctx, hundred);
    const before = searches().length;
    await plugin.syncStates(ctx, [...hundred, ...Array.from({ length: 150 }, (_, i) => `PB-${i + 1}`)]);

    // Assess
    expect(before).toBe(1);
    expect(one.map((t) => t.id)).toEqual(keys);
    expect(searches().length - before).toBe(3);
  });

  it('drops keys Jira names as missing and searches again, when the search refuses them', async () => {
    // Prepare
    await mock.close();
    mock = await startMockJira({ strictKeys: true });
    opened.push(mock);
    const { ctx } = contextFor();
    const keys = await createIssues(ctx, 3);
    mock.deleteIssue('EX-2');

    // Act
    const tasks = await plugin.syncStates(ctx, keys);

    // Assess
    expect(tasks.map((t) => t.id)).toEqual(['EX-1', 'EX-3']);
    expect(searches().map((r) => (r.body as { jql: string }).jql)).toEqual([
      'key in ("EX-1", "EX-2", "EX-3")',
      'key in ("EX-1", "EX-3")',
    ]);
  });

  it('never puts an id that is not an issue key in the JQL', async () => {
    // Prepare
    const { ctx, lines } = contextFor();
    const [key = ''] = await createIssues(ctx, 1);

    // Act
    const tasks = await plugin.syncStates(ctx, [key, 'EX-1") OR project = "X', 'ex-2', '']);

    // Assess
    expect(tasks.map((t) => t.id)).toEqual([key]);
    expect(searches().map((r) => (r.body as { jql: string }).jql)).toEqual([`key in ("${key}")`]);
    expect(lines).toContain('3 task id(s) are not Jira issue keys: left out of the search');
  });

  it('makes no call for no ids, and fails permanently on a 400 it cannot read', async () => {
    // Prepare
    const { ctx } = contextFor();

    // Act
    const none = await plugin.syncStates(ctx, []);
    mock.failNext(400, { errorMessages: ["Error in the JQL Query: Expecting ')'"], errors: {} });
    const e = await failure(plugin.syncStates(ctx, ['EX-1']));

    // Assess
    expect(none).toEqual([]);
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as Error).message).toBe(
      "Jira refused to search issues (400): Error in the JQL Query: Expecting ')'",
    );
  });
});

describe('findTask', () => {
  it('finds the issue carrying the marker label with one search of maxResults 1', async () => {
    // Prepare
    const { ctx } = contextFor();
    await createIssues(ctx, 2);

    // Act
    const found = await plugin.findTask(ctx, `${MARKER}-1`);
    const none = await plugin.findTask(ctx, 'triggerhub-alerts-to-jira-nope');

    // Assess
    expect(found).toEqual({ id: 'EX-2', status: 'new', link: `${mock.url}/browse/EX-2` });
    expect(none).toBeUndefined();
    expect(searches()[0]?.body).toEqual({ jql: `labels = "${MARKER}-1"`, maxResults: 1, fields: ['status'] });
  });

  it('refuses a marker that could change the query', async () => {
    const { ctx } = contextFor();
    await expect(plugin.findTask(ctx, 'x" OR labels is not EMPTY OR labels = "y')).rejects.toThrow(
      PermanentError,
    );
    expect(mock.requests).toHaveLength(0);
  });
});

describe('the token', () => {
  it('never shows in a message or a log line, even when Jira echoes it back', async () => {
    // Prepare
    const { ctx, lines } = contextFor();
    const base64 = Buffer.from(`${mock.email}:${mock.apiToken}`).toString('base64');
    mock.failNext(400, {
      errorMessages: [`token ${mock.apiToken} refused`, `header Basic ${base64}`],
      errors: {},
    });
    mock.failNext(401, { errorMessages: [`bad ${mock.apiToken}`], errors: {} });

    // Act
    const created = await failure(
      plugin.createTask(ctx, { alert, fields: { summary: 's' }, queue: '10000:Task', marker: MARKER }),
    );
    const validated = await plugin.validate(ctx);
    await plugin.syncStates(ctx, ['EX-1']);

    // Assess
    const seen = JSON.stringify([(created as Error).message, validated, lines]);
    expect((created as Error).message).toContain('***');
    expect(seen).not.toContain(mock.apiToken);
    expect(seen).not.toContain(base64);
  });

  it('is pinned to the host of url: a request elsewhere carrying it is refused before it leaves', async () => {
    // Prepare: the job's url is the mock, but a request goes to another loopback name with the token
    const { ctx } = contextFor();
    const elsewhere = mock.url.replace('127.0.0.1', 'localhost');

    // Act
    const e = await failure(
      ctx.http.get(`${elsewhere}/rest/api/3/myself`, {
        headers: {
          authorization: `Basic ${Buffer.from(`${mock.email}:${mock.apiToken}`).toString('base64')}`,
        },
      }),
    );

    // Assess
    expect((e as Error).message).toMatch(
      /password parameter "apiToken", which may only be sent to 127\.0\.0\.1/,
    );
    expect(mock.requests).toHaveLength(0);
  });
});

describe('parseWebhook', () => {
  it('recognizes the mock’s webhooks about our comment as ours, and a status change as not', async () => {
    // Prepare
    const { ctx } = contextFor();
    const [key = ''] = await createIssues(ctx, 1);
    await plugin.updateTask(ctx, { task: storedTask(key), alert, comment: 'again', marker: MARKER });
    mock.closeIssue(key);

    // Act
    const ours = plugin.parseWebhook?.(mock.webhookBody('comment_created', key), {});
    const created = plugin.parseWebhook?.(mock.webhookBody('jira:issue_created', key), {});
    const closed = plugin.parseWebhook?.(mock.webhookBody('jira:issue_updated', key), {});

    // Assess
    expect(ours).toEqual({ taskIds: [key], ownChange: true });
    expect(created).toEqual({ taskIds: [key], ownChange: true });
    expect(closed).toEqual({ taskIds: [key], ownChange: false });
  });

  it('is wired to the Jira webhook reader', () => {
    expect(plugin.parseWebhook?.({ webhookEvent: 'jira:issue_deleted', issue: { key: 'EX-1' } }, {})).toEqual(
      {
        taskIds: ['EX-1'],
        ownChange: false,
      },
    );
    expect(plugin.parseWebhook?.({ alertName: 'DLP' }, {})).toBeUndefined();
  });
});
