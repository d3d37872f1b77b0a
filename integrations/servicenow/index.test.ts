import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import type { Alert, StoredTask } from '../../shared/model/index.ts';
import { createHttpClient } from '../../shared/outbound/create-http-client.ts';
import type { OutboundHttp } from '../../shared/outbound/create-http-client.ts';
import type { TicketContext, TicketPlugin } from '../../shared/sdk/index.ts';
import { paramsSchema, SYNC_BATCH } from '../../shared/sdk/index.ts';
import type { MockServiceNow, MockServiceNowOptions } from '../../test/helpers/mock-servicenow.ts';
import { startMockServiceNow } from '../../test/helpers/mock-servicenow.ts';
import servicenow from './index.ts';
import { INCIDENT_STATES, statusOfState } from './mapping.ts';

// The servicenow ticket integration against a loopback ServiceNow (test/helpers/mock-servicenow.ts),
// through the runtime's own ctx.http (retries, Retry-After, egress, the password pinned to the
// instance's host as `hostFrom: 'url'` pins it).

type Params = Record<string, unknown> & { url: string; username: string; password: string; table: string };

const plugin = servicenow.tickets as TicketPlugin<Params>;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

const startMock = async (options?: MockServiceNowOptions): Promise<MockServiceNow> => {
  const mock = await startMockServiceNow(options);
  open.push(mock);
  return mock;
};

interface Harness {
  ctx: TicketContext<Params>;
  /** Everything logged: by the integration and by ctx.http. */
  logs: string[];
}

const harness = (mock: MockServiceNow, params: Record<string, unknown> = {}): Harness => {
  const logs: string[] = [];
  const log = (m: string, extra?: Record<string, unknown>) => {
    logs.push(extra === undefined ? m : `${m} ${JSON.stringify(extra)}`);
  };
  const outbound: OutboundHttp = createHttpClient({
    userAgent: 'triggerhub/test servicenow/1.0.0',
    deadlineAt: Date.now() + 60_000,
    signal: new AbortController().signal,
    logger: { debug: log, info: log },
    allowDeferral: true,
    pins: [{ param: 'password', value: mock.password, allowedHosts: ['127.0.0.1'] }],
    backoffBaseMs: 5,
  });
  open.push(outbound);
  const parsed = paramsSchema(servicenow.manifest, 'run').parse({
    url: mock.url,
    username: mock.username,
    password: mock.password,
    ...params,
  }) as Params;
  return {
    ctx: {
      jobId: 'alerts-to-servicenow',
      params: parsed,
      http: outbound.http,
      logger: { debug: log, info: log, warn: log, error: log },
      signal: new AbortController().signal,
    },
    logs,
  };
};

const alert: Alert = {
  id: 'a-1',
  alertName: 'Malware download',
  user: 'bob@acme.com',
  rawAlert: { id: 'a-1', severity: 'high' },
};
const MARKER = 'triggerhub-alerts-to-servicenow-a-1';

const query = (url: string): URLSearchParams => new URL(url, 'http://x').searchParams;

/** A sync-style listing answered by the mock, ready for `syncStates`. */
const createIncidents = async (mock: MockServiceNow, ctx: TicketContext<Params>, n: number) => {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const task = await plugin.createTask(ctx, {
      alert: { ...alert, id: `a-${i}` },
      fields: { short_description: `alert ${i}` },
      queue: mock.groups[0]?.sys_id ?? '',
      marker: `triggerhub-job-a-${i}`,
    });
    ids.push(task.id);
  }
  return ids;
};

describe('servicenow: manifest', () => {
  it('is a ticket integration (no run) with Netskope’s parameters, the password pinned to the URL’s host', () => {
    const m = servicenow.manifest;
    expect(m.id).toBe('servicenow');
    expect(m.entryPoints).toEqual(['tickets']);
    expect(servicenow.run).toBeUndefined();
    expect(Object.keys(m.parameters)).toEqual(['url', 'username', 'password', 'table']);
    expect(m.parameters.password).toMatchObject({ type: 'password', mandatory: true, hostFrom: 'url' });
    expect(m.parameters.table).toMatchObject({ type: 'choice', choices: ['incident'], default: 'incident' });
    for (const spec of Object.values(m.parameters)) expect(spec.description).toBeTruthy();
  });
});

describe('servicenow: validate', () => {
  it('answers success after one authenticated read of the incident table', async () => {
    // Prepare
    const mock = await startMock();
    const { ctx } = harness(mock);

    // Act
    const result = await plugin.validate(ctx);

    // Assess
    expect(result.success).toBe(true);
    expect(mock.requests).toHaveLength(1);
    const [req] = mock.requests;
    expect(new URL(req?.url ?? '', 'http://x').pathname).toBe('/api/now/table/incident');
    expect(Object.fromEntries(query(req?.url ?? ''))).toEqual({
      sysparm_limit: '1',
      sysparm_fields: 'sys_id',
    });
    expect(req?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${mock.username}:${mock.password}`).toString('base64')}`,
    );
  });

  it('answers a 401 with ServiceNow’s words, never the password', async () => {
    const mock = await startMock();
    const { ctx, logs } = harness(mock, { password: 'wrong-Pa55word' });

    const result = await plugin.validate(ctx);

    expect(result).toEqual({
      success: false,
      message: 'ServiceNow refused the credentials (401): User Not Authenticated',
    });
    expect(JSON.stringify([result, logs])).not.toContain('wrong-Pa55word');
  });

  it('answers 403 (no role) and 404 (not an instance) in plain words', async () => {
    const mock = await startMock();
    const { ctx } = harness(mock);

    mock.failNext(403, {
      error: { message: 'Operation Failed', detail: 'ACL Exception Read Failed' },
      status: 'failure',
    });
    const forbidden = await plugin.validate(ctx);
    mock.failNext(404, { error: { message: 'Requested URI does not represent any resource' } });
    const notFound = await plugin.validate(ctx);

    expect(forbidden.success).toBe(false);
    expect(forbidden.message).toContain('(403): Operation Failed: ACL Exception Read Failed');
    expect(forbidden.message).toContain('itil');
    expect(notFound).toMatchObject({ success: false, param: 'url' });
    expect(notFound.message).toContain('Requested URI does not represent any resource');
  });

  it('checks the parameters before calling anything', async () => {
    const mock = await startMock();
    const cases: [Record<string, unknown>, string][] = [
      [{ url: ' ' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'ftp://snow.example' }, 'url'],
      [{ url: 'https://u:p@snow.example' }, 'url'],
      [{ url: 'https://snow.example/?x=1' }, 'url'],
      [{ username: '  ' }, 'username'],
      [{ username: 'a:b' }, 'username'],
    ];
    for (const [params, param] of cases) {
      const result = await plugin.validate(harness(mock, params).ctx);
      expect(result, JSON.stringify(params)).toMatchObject({ success: false, param });
    }
    const emptyPassword = harness(mock);
    emptyPassword.ctx.params.password = '';
    expect(await plugin.validate(emptyPassword.ctx)).toMatchObject({ success: false, param: 'password' });
    const otherTable = harness(mock);
    otherTable.ctx.params.table = 'sn_si_incident';
    expect(await plugin.validate(otherTable.ctx)).toMatchObject({ success: false, param: 'table' });
    expect(mock.requests).toHaveLength(0);
    // The other calls refuse such parameters too, permanently.
    await expect(plugin.getQueues(harness(mock, { url: 'nope' }).ctx)).rejects.toThrow(PermanentError);
  });

  it('answers an instance that is not there with the plain reason, as Jira does', async () => {
    // Prepare: a port that was just free
    const gone = await startMockServiceNow();
    const { ctx } = harness(gone);
    await gone.close();

    // Act
    const result = await plugin.validate(ctx);

    // Assess
    expect(result).toEqual({
      success: false,
      param: 'url',
      message: `could not reach ${new URL(gone.url).host}: connection refused`,
    });
  });

  it('accepts a trailing slash on the instance URL', async () => {
    const mock = await startMock();
    const { ctx } = harness(mock, { url: `${mock.url}//` });
    expect((await plugin.validate(ctx)).success).toBe(true);
    const task = await plugin.createTask(ctx, { alert, fields: {}, queue: 'q', marker: MARKER });
    expect(mock.requests.map((r) => new URL(r.url, 'http://x').pathname)).toEqual([
      '/api/now/table/incident',
      '/api/now/table/incident',
    ]);
    expect(task.link).toBe(`${mock.url}/nav_to.do?uri=incident.do?sys_id=${task.id}`);
  });
});

describe('servicenow: queues, fields, default mappings', () => {
  it('lists assignment groups over several pages, following Link rel="next"', async () => {
    // Prepare
    const mock = await startMock({ groups: 250 });
    const { ctx } = harness(mock);

    // Act
    const queues = await plugin.getQueues(ctx);

    // Assess
    expect(queues).toHaveLength(250);
    expect(queues[0]).toEqual({ label: 'Group 0000', value: '287ebd7da9fe198100f92cc8d1d2154e' });
    expect(queues.map((q) => q.label)).toEqual(mock.groups.map((g) => g.name));
    expect(new Set(queues.map((q) => q.value)).size).toBe(250);
    const asked = mock.requests.map((r) => query(r.url));
    expect(asked.map((q) => q.get('sysparm_offset'))).toEqual(['0', '100', '200']);
    for (const q of asked) {
      expect(q.get('sysparm_limit')).toBe('100');
      expect(q.get('sysparm_fields')).toBe('sys_id,name');
    }
  });

  it('counts offsets itself when the instance sends no Link', async () => {
    const mock = await startMock({ groups: 200, links: false });
    const queues = await plugin.getQueues(harness(mock).ctx);
    expect(queues).toHaveLength(200);
    expect(mock.requests.map((r) => query(r.url).get('sysparm_offset'))).toEqual(['0', '100', '200']);
  });

  it('offers incident’s and task’s columns, typed, without system fields or the ones it sets', async () => {
    // Prepare
    const mock = await startMock();
    const { ctx } = harness(mock);

    // Act
    const fields = await plugin.getAvailableFields(ctx, mock.groups[0]?.sys_id);

    // Assess
    const byValue = Object.fromEntries(fields.map((f) => [f.value, f]));
    expect(byValue.short_description).toEqual({
      label: 'Short description',
      value: 'short_description',
      type: 'string',
    });
    expect(byValue.work_notes?.type).toBe('text');
    expect(byValue.close_notes?.type).toBe('text');
    expect(byValue.priority?.type).toBe('number');
    expect(byValue.opened_at?.type).toBe('datetime');
    expect(byValue.u_resolved_on?.type).toBe('date');
    expect(byValue.watch_list?.type).toBe('array');
    expect(byValue.assigned_to?.type).toBe('any');
    expect(byValue.active?.type).toBe('any');
    expect(byValue.caller_id).toMatchObject({ required: true });
    // incident's own entry wins over task's
    expect(byValue.state?.label).toBe('Incident state');
    expect(fields.filter((f) => f.value === 'state')).toHaveLength(1);
    for (const gone of ['sys_created_on', 'assignment_group', 'correlation_id', '']) {
      expect(byValue[gone], gone).toBeUndefined();
    }
    expect(fields.map((f) => f.label)).toEqual(
      [...fields.map((f) => f.label)].sort((a, b) => a.localeCompare(b, 'en')),
    );
    const q = query(mock.requests[0]?.url ?? '');
    expect(q.get('sysparm_query')).toBe(
      'nameINincident,task^internal_type!=collection^elementISNOTEMPTY^ORDERBYelement',
    );
    expect(q.get('sysparm_exclude_reference_link')).toBe('true');
  });

  it('reads internal_type given as a reference object too', async () => {
    // A dictionary answered without sysparm_exclude_reference_link: { link, value }.
    const mock = await startMock({
      dictionary: [
        // incident's entry first: task's, read after it, must not replace it
        { name: 'incident', element: 'u_shared', column_label: 'Incident own', internal_type: 'string' },
        { name: 'task', element: 'u_shared', column_label: 'Task inherited', internal_type: 'integer' },
        {
          name: 'incident',
          element: 'u_count',
          column_label: 'Count',
          internal_type: { value: 'integer', link: 'x' },
          mandatory: 'false',
        },
        {
          name: 'incident',
          element: 'u_odd',
          column_label: '',
          internal_type: 'some_plugin_type',
          mandatory: 'false',
        },
        { name: 'incident', element: 42 },
      ],
    });
    const fields = await plugin.getAvailableFields(harness(mock).ctx);
    expect(fields).toEqual([
      { label: 'Count', value: 'u_count', type: 'number' },
      { label: 'Incident own', value: 'u_shared', type: 'string' },
      { label: 'u_odd', value: 'u_odd', type: 'any' },
    ]);
  });

  it('maps by default like Netskope’s plugin: short_description and description', async () => {
    const mock = await startMock();
    const mappings = await plugin.getDefaultMappings(harness(mock).ctx);
    expect(mappings.map((m) => m.field)).toEqual(['short_description', 'description']);
    expect(mappings[0]?.value).toContain('$alertName');
    expect(mappings[1]?.value).toContain('Alert ID: $id');
    expect(mock.requests).toHaveLength(0);
  });
});

describe('servicenow: createTask', () => {
  it('creates an incident in the queue’s group with our marker as correlation id, answering the sample’s shape', async () => {
    // Prepare
    const mock = await startMock();
    const { ctx } = harness(mock);
    const queue = mock.groups[1]?.sys_id ?? '';

    // Act
    const task = await plugin.createTask(ctx, {
      alert,
      fields: {
        short_description: 'Netskope alert: Malware download',
        urgency: 2,
        watch_list: ['a', 'b'],
        correlation_id: 'not ours',
        assignment_group: 'elsewhere',
      },
      queue,
      marker: MARKER,
    });
    const second = await plugin.createTask(ctx, { alert, fields: {}, queue, marker: `${MARKER}-2` });

    // Assess
    const post = mock.requests[0];
    expect(post?.method).toBe('POST');
    expect(new URL(post?.url ?? '', 'http://x').pathname).toBe('/api/now/table/incident');
    expect(query(post?.url ?? '').get('sysparm_fields')).toBe('sys_id,number,state');
    expect(JSON.parse(post?.body ?? '')).toEqual({
      short_description: 'Netskope alert: Malware download',
      urgency: '2',
      watch_list: 'a,b',
      assignment_group: queue,
      correlation_id: MARKER,
      correlation_display: 'triggerhub',
    });
    expect(task.id).toMatch(/^[0-9a-f]{32}$/);
    // The incident's number is the key a person knows it by (its run message, `tasks list`).
    expect(task).toEqual({
      id: task.id,
      status: 'new',
      link: `${mock.url}/nav_to.do?uri=incident.do?sys_id=${task.id}`,
      key: 'INC0010002',
    });
    const record = mock.incidents.get(task.id);
    expect(record?.number).toBe('INC0010002');
    expect(mock.incidents.get(second.id)?.number).toBe('INC0010003');
    expect(second.id).not.toBe(task.id);
    expect(record?.correlation_id).toBe(MARKER);
  });

  it('fails permanently on 400/401/403/404 with ServiceNow’s message and detail', async () => {
    const mock = await startMock();
    const { ctx, logs } = harness(mock);
    const input = { alert, fields: { short_description: 'x' }, queue: 'q', marker: MARKER };
    const cases: [number, unknown, string][] = [
      [
        400,
        { error: { message: 'Invalid field', detail: 'u_nope is not a field' }, status: 'failure' },
        'Invalid field: u_nope is not a field',
      ],
      [
        403,
        {
          error: {
            message: 'Operation Failed',
            detail: 'ACL Exception Insert Failed due to security constraints',
          },
          status: 'failure',
        },
        'ACL Exception Insert Failed',
      ],
      [404, 'plain text answer', 'plain text answer'],
    ];
    for (const [status, body, words] of cases) {
      mock.failNext(status, body);
      const error = await plugin.createTask(ctx, input).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, String(status)).toBeInstanceOf(PermanentError);
      expect((error as Error).message).toContain(`(${status})`);
      expect((error as Error).message).toContain(words);
    }
    const wrong = harness(mock, { password: 'wrong-Pa55word' });
    const refused = await plugin.createTask(wrong.ctx, input).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as Error).message).toBe(
      'ServiceNow refused to create an incident (401): User Not Authenticated: Required to provide Auth information',
    );
    expect((refused as Error).cause).toBeUndefined();
    expect(
      JSON.stringify([logs, wrong.logs, (refused as Error).message, (refused as Error).stack]),
    ).not.toMatch(/wrong-Pa55word|snow-Pa55word/);
    expect(mock.incidents.size).toBe(0);
  });

  it('waits out a 429 with Retry-After (ctx.http) and creates one incident', async () => {
    const mock = await startMock();
    const { ctx, logs } = harness(mock);
    mock.failNext(429, { error: { message: 'Too many requests' } }, { 'retry-after': '1' });

    const task = await plugin.createTask(ctx, { alert, fields: {}, queue: 'q', marker: MARKER });

    expect(mock.requests.map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(mock.incidents.size).toBe(1);
    expect(task.status).toBe('new');
    expect(logs.join('\n')).toContain('http 429');
  });

  it('passes a 5xx on for the runtime to retry (not permanent)', async () => {
    const mock = await startMock();
    const { ctx } = harness(mock);
    mock.failNext(500, { error: { message: 'boom' } });
    const error = await plugin
      .createTask(ctx, { alert, fields: {}, queue: 'q', marker: MARKER })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentError);
  });

  it('refuses a marker that could change a query, and an answer without a record', async () => {
    const mock = await startMock();
    const { ctx } = harness(mock);
    await expect(
      plugin.createTask(ctx, { alert, fields: {}, queue: 'q', marker: 'x^ORactive=true' }),
    ).rejects.toThrow(PermanentError);
    expect(mock.requests).toHaveLength(0);
    mock.failNext(201, { result: { number: 'INC1' } });
    await expect(plugin.createTask(ctx, { alert, fields: {}, queue: 'q', marker: MARKER })).rejects.toThrow(
      /no record with a sys_id/,
    );
  });
});

describe('servicenow: updateTask', () => {
  const stored = (id: string, link: string): StoredTask => ({
    id,
    status: 'new',
    link,
    dedupeCount: 1,
    alertIds: ['a-1'],
    queue: 'q',
    createdAt: '2026-11-29T10:00:00.000Z',
    updatedAt: '2026-11-29T10:00:00.000Z',
  });

  it('adds the comment as a work note (PATCH), with our own-change note', async () => {
    // Prepare
    const mock = await startMock();
    const { ctx } = harness(mock);
    const task = await plugin.createTask(ctx, { alert, fields: {}, queue: 'q', marker: MARKER });
    mock.setState(task.id, '2');

    // Act
    const withNote = await plugin.updateTask(ctx, {
      task: stored(task.id, task.link),
      alert,
      comment: `Another alert a-2\n[triggerhub:${MARKER}]`,
      marker: MARKER,
    });
    await plugin.updateTask(ctx, {
      task: stored(task.id, task.link),
      alert,
      comment: 'bare',
      marker: MARKER,
    });

    // Assess
    const patch = mock.requests[1];
    expect(patch?.method).toBe('PATCH');
    expect(new URL(patch?.url ?? '', 'http://x').pathname).toBe(`/api/now/table/incident/${task.id}`);
    expect(JSON.parse(patch?.body ?? '')).toEqual({
      work_notes: `Another alert a-2\n[triggerhub:${MARKER}]`,
    });
    expect(mock.workNotes.get(task.id)).toEqual([
      `Another alert a-2\n[triggerhub:${MARKER}]`,
      `bare\n\n[triggerhub:${MARKER}]`,
    ]);
    expect(withNote).toEqual({ id: task.id, status: 'in_progress', link: task.link, key: task.key });
    expect(task.key).toMatch(/^INC\d+$/);
  });

  it('answers deleted when the incident is gone (404), and refuses an id that is not a sys_id', async () => {
    const mock = await startMock();
    const { ctx } = harness(mock);
    const task = await plugin.createTask(ctx, { alert, fields: {}, queue: 'q', marker: MARKER });
    mock.deleteIncident(task.id);

    const answer = await plugin.updateTask(ctx, {
      task: stored(task.id, task.link),
      alert,
      comment: 'c',
      marker: MARKER,
    });

    expect(answer).toEqual({ id: task.id, status: 'deleted', link: task.link });
    const before = mock.requests.length;
    await expect(
      plugin.updateTask(ctx, { task: stored('../sys_user/x', 'l'), alert, comment: 'c', marker: MARKER }),
    ).rejects.toThrow(PermanentError);
    expect(mock.requests).toHaveLength(before);
    mock.failNext(403, { error: { message: 'Operation Failed', detail: 'ACL Exception Update Failed' } });
    await expect(
      plugin.updateTask(ctx, { task: stored(task.id, task.link), alert, comment: 'c', marker: MARKER }),
    ).rejects.toThrow(/\(403\): Operation Failed: ACL Exception Update Failed/);
  });
});

describe('servicenow: syncStates and findTask', () => {
  it('maps every incident state', () => {
    expect(INCIDENT_STATES).toEqual({
      '1': 'new',
      '2': 'in_progress',
      '3': 'on_hold',
      '6': 'closed',
      '7': 'closed',
      '8': 'closed',
    });
    for (const other of ['4', '5', '', '-5', 'toString', undefined, 7])
      expect(statusOfState(other)).toBe('other');
  });

  it('reads the states of the incidents asked, in one sys_idIN query per 100, leaving the deleted out', async () => {
    // Prepare: 6 incidents, in each state, one deleted
    const mock = await startMock();
    const { ctx } = harness(mock);
    const ids = await createIncidents(mock, ctx, 7);
    const states = ['1', '2', '3', '6', '7', '8'];
    states.forEach((s, i) => mock.setState(ids[i] ?? '', s));
    mock.deleteIncident(ids[6] ?? '');
    const before = mock.requests.length;

    // Act
    const tasks = await plugin.syncStates(ctx, ids);

    // Assess
    expect(Object.fromEntries(tasks.map((t) => [t.id, t.status]))).toEqual(
      Object.fromEntries(states.map((s, i) => [ids[i], INCIDENT_STATES[s]])),
    );
    const calls = mock.requests.slice(before);
    expect(calls).toHaveLength(1);
    const q = query(calls[0]?.url ?? '');
    expect(q.get('sysparm_query')).toBe(`sys_idIN${ids.join(',')}^ORDERBYsys_id`);
    expect(q.get('sysparm_fields')).toBe('sys_id,number,state');
    expect(q.get('sysparm_limit')).toBe('100');
    expect(tasks[0]?.link).toBe(`${mock.url}/nav_to.do?uri=incident.do?sys_id=${tasks[0]?.id}`);
    expect(tasks[0]?.key).toBe(mock.incidents.get(tasks[0]?.id ?? '')?.number);
    expect(tasks[0]?.key).toMatch(/^INC\d+$/);
  });

  it('syncs 250 tasks given in the platform’s batches of 100, one call per batch', async () => {
    // Prepare: 250 incidents, made straight in the mock (as an agent would have)
    const mock = await startMock();
    const { ctx } = harness(mock);
    await createIncidents(mock, ctx, 250);
    const ids = [...mock.incidents.keys()];
    const before = mock.requests.length;

    // Act: the batches the platform gives (SYNC_BATCH)
    const found: string[] = [];
    const callsPerBatch: number[] = [];
    for (let at = 0; at < ids.length; at += SYNC_BATCH) {
      const start = mock.requests.length;
      found.push(...(await plugin.syncStates(ctx, ids.slice(at, at + SYNC_BATCH))).map((t) => t.id));
      callsPerBatch.push(mock.requests.length - start);
    }

    // Assess: every task once; a full batch is one page (Link says no next), a short one too
    expect(found.sort()).toEqual([...ids].sort());
    expect(callsPerBatch).toEqual([1, 1, 1]);
    expect(mock.requests.length - before).toBe(Math.ceil(250 / SYNC_BATCH));
  });

  it('follows Link rel="next" when the instance caps its pages below 100', async () => {
    const mock = await startMock({ maxLimit: 30 });
    const { ctx } = harness(mock);
    const ids = await createIncidents(mock, ctx, 100);
    const before = mock.requests.length;

    const tasks = await plugin.syncStates(ctx, ids);

    expect(tasks).toHaveLength(100);
    expect(mock.requests.slice(before).map((r) => query(r.url).get('sysparm_offset'))).toEqual([
      '0',
      '30',
      '60',
      '90',
    ]);
  });

  it('stops at a short page when the instance sends no Link', async () => {
    const mock = await startMock({ links: false });
    const { ctx } = harness(mock);
    const ids = await createIncidents(mock, ctx, 100);
    mock.deleteIncident(ids[5] ?? '');
    const before = mock.requests.length;

    const tasks = await plugin.syncStates(ctx, ids);

    expect(tasks).toHaveLength(99);
    expect(mock.requests.length - before).toBe(1);
  });

  it('splits more than 100 ids itself, and asks nothing for none', async () => {
    const mock = await startMock();
    const { ctx } = harness(mock);
    const ids = await createIncidents(mock, ctx, 150);
    const before = mock.requests.length;

    expect(await plugin.syncStates(ctx, [])).toEqual([]);
    const tasks = await plugin.syncStates(ctx, [...ids, ids[0] ?? '']);

    expect(tasks).toHaveLength(150);
    const calls = mock.requests.slice(before).map((r) => query(r.url).get('sysparm_query') ?? '');
    expect(calls.map((c) => c.split(',').length)).toEqual([100, 50]);
  });

  it('refuses ids that are not sys_ids (no query injection), asking nothing', async () => {
    const mock = await startMock();
    const { ctx } = harness(mock);
    await expect(
      plugin.syncStates(ctx, ['0123456789abcdef0123456789abcdef', 'x^ORactive=true']),
    ).rejects.toThrow(/not sys_ids/);
    expect(mock.requests).toHaveLength(0);
  });

  it('fails a sync permanently on 401, with ServiceNow’s words', async () => {
    const mock = await startMock();
    const { ctx } = harness(mock, { password: 'wrong-Pa55word' });
    const error = await plugin.syncStates(ctx, ['0123456789abcdef0123456789abcdef']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain('(401): User Not Authenticated');
    expect((error as Error).message).not.toContain('wrong-Pa55word');
  });

  it('finds the incident by our marker (correlation_id), or nothing', async () => {
    const mock = await startMock();
    const { ctx } = harness(mock);
    const task = await plugin.createTask(ctx, { alert, fields: {}, queue: 'q', marker: MARKER });
    await createIncidents(mock, ctx, 2);

    const found = await plugin.findTask(ctx, MARKER);
    const none = await plugin.findTask(ctx, 'triggerhub-alerts-to-servicenow-zzz');

    expect(found).toEqual(task);
    expect(none).toBeUndefined();
    const q = query(mock.requests.at(-1)?.url ?? '');
    expect(q.get('sysparm_query')).toBe(
      'correlation_id=triggerhub-alerts-to-servicenow-zzz^ORDERBYsys_created_on',
    );
    expect(q.get('sysparm_limit')).toBe('1');
    await expect(plugin.findTask(ctx, 'a^ORactive=true')).rejects.toThrow(PermanentError);
    mock.failNext(200, { nothing: true });
    await expect(plugin.findTask(ctx, MARKER)).rejects.toThrow(/no result list/);
    mock.failNext(401, { error: { message: 'User Not Authenticated' } });
    await expect(plugin.findTask(ctx, MARKER)).rejects.toThrow(PermanentError);
  });
});

describe('servicenow: secrets', () => {
  it('never writes the password (or its Basic auth form) to a log line, a result or an error', async () => {
    // Prepare
    const mock = await startMock({ groups: 120 });
    const { ctx, logs } = harness(mock);
    const basic = Buffer.from(`${mock.username}:${mock.password}`).toString('base64');

    // Act: every call, and a refused one
    const seen: unknown[] = [];
    seen.push(await plugin.validate(ctx));
    seen.push(await plugin.getQueues(ctx));
    seen.push(await plugin.getAvailableFields(ctx));
    const task = await plugin.createTask(ctx, {
      alert,
      fields: { short_description: 's' },
      queue: 'q',
      marker: MARKER,
    });
    seen.push(task);
    seen.push(
      await plugin.updateTask(ctx, {
        task: { ...task, dedupeCount: 1, alertIds: ['a-1'], queue: 'q', createdAt: '', updatedAt: '' },
        alert,
        comment: 'c',
        marker: MARKER,
      }),
    );
    seen.push(await plugin.syncStates(ctx, [task.id]));
    seen.push(await plugin.findTask(ctx, MARKER));
    mock.failNext(400, { error: { message: 'Bad', detail: 'request' } });
    const error = (await plugin
      .createTask(ctx, { alert, fields: {}, queue: 'q', marker: MARKER })
      .catch((e: unknown) => e)) as Error;
    seen.push(error.message, error.stack);

    // Assess: the calls did authenticate, and nothing kept the credentials
    expect(mock.requests.every((r) => r.headers.authorization === `Basic ${basic}`)).toBe(true);
    expect(logs.length).toBeGreaterThan(0);
    const written = JSON.stringify([seen, logs]);
    expect(written).not.toContain(mock.password);
    expect(written).not.toContain(basic);
  });
});

describe('servicenow: parseWebhook', () => {
  const sys_id = 'c537bae64f411200adf9f8e18110c76e';
  const parse = (body: unknown) => plugin.parseWebhook?.(body, {});

  it('recognizes the Business Rule’s body: our own work note is ignored, another change syncs the incident', () => {
    const base = { source: 'servicenow', table: 'incident', sys_id, state: '2', sys_updated_by: 'admin' };
    expect(
      parse({
        ...base,
        work_notes: `2026-11-29 10:00:00 - triggerhub (Work notes)\nAnother alert\n[triggerhub:${MARKER}]\n\n`,
      }),
    ).toEqual({ taskIds: [sys_id], ownChange: true });
    expect(parse({ ...base, work_notes: 'Looked into it' })).toEqual({ taskIds: [sys_id], ownChange: false });
    expect(parse({ ...base, work_notes: '' })).toEqual({ taskIds: [sys_id], ownChange: false });
    expect(parse(base)).toEqual({ taskIds: [sys_id], ownChange: false });
  });

  it('leaves any other body to be an alert', () => {
    for (const body of [
      { alertName: 'x', user: 'u' },
      { source: 'servicenow', sys_id: 'INC0010002' },
      { source: 'jira', sys_id },
      'text',
      null,
      [sys_id],
    ]) {
      expect(parse(body), JSON.stringify(body)).toBeUndefined();
    }
  });
});
