import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ListenOptions, Received } from './http.ts';
import { controlOf, json, readSampleJson, startLoopback } from './http.ts';

/**
 * A loopback ServiceNow instance (Table API) for the `servicenow` integration's
 * tests and the e2e suite: incidents, assignment groups and the dictionary, in
 * memory. Records are shaped after the documented 201 answer of
 * `POST /api/now/table/incident` (test/fixtures/samples/api-responses/servicenow/,
 * with provenance): every value a string, references `{ link, value }`. Paging
 * as the Table API does it: `sysparm_limit` (default 10000) / `sysparm_offset`,
 * `X-Total-Count`, and `Link` with first/prev/next/last. Encoded queries:
 * `field=value`, `field!=value`, `fieldINa,b`, `fieldISNOTEMPTY`,
 * `ORDERBYfield`, `ORDERBYDESCfield`, joined by `^`.
 *
 * Beside the API, without auth, for a person trying a job (`triggerhub mock
 * servicenow`): `POST /_mock/incidents/<sys_id or number>/close`, `…/delete`
 * and `GET /_mock/state` (the incidents with their work notes); a task's link,
 * `GET /nav_to.do?uri=incident.do?sys_id=<id>`, shows that incident.
 */

export type SnowRecord = Record<string, unknown>;

export interface MockServiceNowOptions extends ListenOptions {
  /** @default 'triggerhub' */
  username?: string;
  /** @default 'snow-Pa55word!' */
  password?: string;
  /** Assignment groups: a number of generated ones, or the records. @default 3 */
  groups?: number | { sys_id: string; name: string }[];
  /** Send `Link` headers (else a client must count offsets itself). @default true */
  links?: boolean;
  /** The `sys_dictionary` rows. @default {@link DEFAULT_DICTIONARY} */
  dictionary?: SnowRecord[];
  /** The most rows a page holds, whatever `sysparm_limit` asks (an instance's cap). @default 10000 */
  maxLimit?: number;
}

export interface MockServiceNow {
  /** `http://127.0.0.1:<port>`: the instance URL a job's `params.url` takes. */
  url: string;
  username: string;
  password: string;
  /** Incidents by sys_id. */
  incidents: Map<string, SnowRecord>;
  /** Work notes added to each incident (by sys_id), oldest first. */
  workNotes: Map<string, string[]>;
  groups: { sys_id: string; name: string }[];
  /** Every request, in order (its headers hold the Authorization one). */
  requests: Received[];
  /** Closes the incident as an agent would (state 7 Closed). */
  closeIncident(sysId: string): void;
  /** Sets any state value (1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled). */
  setState(sysId: string, state: string): void;
  deleteIncident(sysId: string): void;
  /** The next request (whatever it is) gets this answer instead; queued, one per call. */
  failNext(status: number, body?: unknown, headers?: Record<string, string>): void;
  /** What e2e tests read and act on (`{ url, close(), state }` like the other mocks). */
  state: MockServiceNow;
  /** What `GET /_mock/state` answers. */
  snapshot(): MockServiceNowSnapshot;
  close(): Promise<void>;
}

/** An incident as `GET /_mock/state` shows it. */
export interface MockServiceNowSnapshotIncident {
  sys_id: string;
  number: string;
  short_description: string;
  /** 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed, 8 Canceled. */
  state: string;
  correlation_id: string;
  work_notes: string[];
}

export interface MockServiceNowSnapshot {
  incidents: MockServiceNowSnapshotIncident[];
}

/** ServiceNow's answer to a request without (or with wrong) credentials. */
export const UNAUTHENTICATED = {
  error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
  status: 'failure',
};
/** Its answer about a record that does not exist (or an ACL hides). */
export const NO_RECORD = {
  error: { message: 'No Record found', detail: "Record doesn't exist or ACL restricts the record retrieval" },
  status: 'failure',
};

const failure = (message: string, detail: string | null = null) => ({
  error: { message, detail },
  status: 'failure',
});

/** The sample's `result`: the template of every incident the mock creates. */
const incidentTemplate = (): SnowRecord =>
  (
    readSampleJson('api-responses/servicenow/table_api_POST_incident_201_response.json') as {
      result: SnowRecord;
    }
  ).result;

const sysId = (): string => randomBytes(16).toString('hex');

const dict = (name: string, element: string, label: string, type: string, mandatory = false): SnowRecord => ({
  name,
  element,
  column_label: label,
  internal_type: {
    link: `https://instance.servicenow.com/api/now/table/sys_glide_object/${type}`,
    value: type,
  },
  mandatory: String(mandatory),
  sys_id: sysId(),
});

/** Incident's columns and some of those it inherits from task, with the two collection rows. */
export const DEFAULT_DICTIONARY: readonly SnowRecord[] = [
  dict('task', '', 'Task', 'collection'),
  dict('task', 'short_description', 'Short description', 'string'),
  dict('task', 'description', 'Description', 'string'),
  dict('task', 'work_notes', 'Work notes', 'journal_input'),
  dict('task', 'comments', 'Additional comments', 'journal_input'),
  dict('task', 'assignment_group', 'Assignment group', 'reference'),
  dict('task', 'assigned_to', 'Assigned to', 'reference'),
  dict('task', 'correlation_id', 'Correlation ID', 'string'),
  dict('task', 'priority', 'Priority', 'integer'),
  dict('task', 'impact', 'Impact', 'integer'),
  dict('task', 'urgency', 'Urgency', 'integer'),
  dict('task', 'state', 'State', 'integer'),
  dict('task', 'due_date', 'Due date', 'due_date'),
  dict('task', 'opened_at', 'Opened', 'glide_date_time'),
  dict('task', 'watch_list', 'Watch list', 'glide_list'),
  dict('task', 'active', 'Active', 'boolean'),
  dict('task', 'sys_created_on', 'Created', 'glide_date_time'),
  dict('incident', '', 'Incident', 'collection'),
  dict('incident', 'category', 'Category', 'string'),
  dict('incident', 'caller_id', 'Caller', 'reference', true),
  dict('incident', 'severity', 'Severity', 'integer'),
  dict('incident', 'close_notes', 'Resolution notes', 'html'),
  // incident overrides task's label (a dictionary entry of its own wins).
  dict('incident', 'state', 'Incident state', 'integer'),
  dict('incident', 'u_resolved_on', 'Resolved on', 'glide_date'),
];

const fieldValue = (record: SnowRecord, field: string): string => {
  const v = record[field];
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && 'value' in v && typeof v.value === 'string') return v.value;
  return v === undefined || v === null ? '' : JSON.stringify(v);
};

/** The rows an encoded query selects, in the order it asks for. */
const select = (rows: SnowRecord[], query: string): SnowRecord[] => {
  const filters: ((r: SnowRecord) => boolean)[] = [];
  const orders: { field: string; desc: boolean }[] = [];
  for (const term of query.split('^').filter((t) => t !== '')) {
    let m: RegExpExecArray | null;
    if ((m = /^ORDERBYDESC(\w+)$/.exec(term))) orders.push({ field: m[1] ?? '', desc: true });
    else if ((m = /^ORDERBY(\w+)$/.exec(term))) orders.push({ field: m[1] ?? '', desc: false });
    else if ((m = /^(\w+)ISNOTEMPTY$/.exec(term))) {
      const f = m[1] ?? '';
      filters.push((r) => fieldValue(r, f) !== '');
    } else if ((m = /^(\w+)IN(.*)$/.exec(term))) {
      const f = m[1] ?? '';
      const values = new Set((m[2] ?? '').split(','));
      filters.push((r) => values.has(fieldValue(r, f)));
    } else if ((m = /^(\w+)!=(.*)$/.exec(term))) {
      const [, f = '', v = ''] = m;
      filters.push((r) => fieldValue(r, f) !== v);
    } else if ((m = /^(\w+)=(.*)$/.exec(term))) {
      const [, f = '', v = ''] = m;
      filters.push((r) => fieldValue(r, f) === v);
    } else {
      // ServiceNow ignores an invalid part of a query (glide.invalid_query.returns_no_rows is false by default).
    }
  }
  const out = rows.filter((r) => filters.every((f) => f(r)));
  for (const { field, desc } of [...orders].reverse()) {
    out.sort((a, b) => fieldValue(a, field).localeCompare(fieldValue(b, field)) * (desc ? -1 : 1));
  }
  return out;
};

/** `sysparm_fields` applied; references as plain values with `sysparm_exclude_reference_link=true`. */
const project = (record: SnowRecord, q: URLSearchParams): SnowRecord => {
  const fields = q.get('sysparm_fields');
  const names = fields ? fields.split(',').filter((f) => f !== '') : Object.keys(record);
  const plain = q.get('sysparm_exclude_reference_link') === 'true';
  return Object.fromEntries(
    names.map((n) => {
      const v = record[n] ?? '';
      return [n, plain && typeof v === 'object' && v !== null && 'value' in v ? v.value : v];
    }),
  );
};

const now = (): string => new Date().toISOString().replace('T', ' ').slice(0, 19);

export const startMockServiceNow = async (options: MockServiceNowOptions = {}): Promise<MockServiceNow> => {
  const username = options.username ?? 'triggerhub';
  const password = options.password ?? 'snow-Pa55word!';
  const expectedAuth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const links = options.links ?? true;
  const maxLimit = options.maxLimit ?? 10000;
  const groups =
    typeof options.groups === 'object'
      ? options.groups
      : Array.from({ length: options.groups ?? 3 }, (_, i) => ({
          sys_id: i === 0 ? '287ebd7da9fe198100f92cc8d1d2154e' : sysId(),
          name: `Group ${String(i).padStart(4, '0')}`,
        }));
  const dictionary = [...(options.dictionary ?? DEFAULT_DICTIONARY)];
  const incidents = new Map<string, SnowRecord>();
  const workNotes = new Map<string, string[]>();
  const failures: { status: number; body?: unknown; headers?: Record<string, string> }[] = [];
  const template = incidentTemplate();
  let nextNumber = 10002;
  let origin = '';

  const tables = (table: string): SnowRecord[] | undefined => {
    if (table === 'incident') return [...incidents.values()];
    if (table === 'sys_user_group') return groups.map((g) => ({ ...g, active: 'true' }));
    if (table === 'sys_dictionary') return dictionary;
    return undefined;
  };

  const list = (res: ServerResponse, table: string, rows: SnowRecord[], q: URLSearchParams): void => {
    const selected = select(rows, q.get('sysparm_query') ?? '');
    const limit = Math.min(maxLimit, Math.max(1, Number(q.get('sysparm_limit') ?? 10000) || 10000));
    const offset = Math.max(0, Number(q.get('sysparm_offset') ?? 0) || 0);
    const page = selected.slice(offset, offset + limit).map((r) => project(r, q));
    const headers: Record<string, string> = { 'x-total-count': String(selected.length) };
    if (links) {
      const at = (o: number) => {
        const params = new URLSearchParams(q);
        params.set('sysparm_limit', String(limit));
        params.set('sysparm_offset', String(o));
        return `<${origin}/api/now/table/${table}?${params.toString()}>`;
      };
      const parts = [`${at(0)};rel="first"`];
      if (offset > 0) parts.push(`${at(Math.max(0, offset - limit))};rel="prev"`);
      if (offset + limit < selected.length) parts.push(`${at(offset + limit)};rel="next"`);
      parts.push(`${at(Math.max(0, Math.floor((selected.length - 1) / limit) * limit))};rel="last"`);
      headers.link = parts.join(',');
    }
    json(res, 200, { result: page }, headers);
  };

  const bodyOf = (req: Received): SnowRecord | undefined => {
    try {
      const parsed: unknown = JSON.parse(req.body);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as SnowRecord)
        : undefined;
    } catch {
      return undefined;
    }
  };

  /** Values as ServiceNow keeps them: strings; a group as a reference; work notes into the journal. */
  const apply = (record: SnowRecord, body: SnowRecord): void => {
    for (const [k, v] of Object.entries(body)) {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      if (k === 'work_notes') {
        const id = fieldValue(record, 'sys_id');
        workNotes.set(id, [...(workNotes.get(id) ?? []), text]);
      } else if (k === 'assignment_group') {
        record[k] = { link: `${origin}/api/now/table/sys_user_group/${text}`, value: text };
      } else if (k !== 'sys_id' && k !== 'number') {
        record[k] = text;
      }
    }
    record.sys_updated_on = now();
    record.sys_mod_count = String(Number(record.sys_mod_count ?? 0) + 1);
  };

  const server = await startLoopback((req, res) => {
    const control = controlOf(req.method, new URL(req.url, 'http://127.0.0.1').pathname);
    if (control !== undefined) return answerControl(control, res);
    // A task's link (`<url>/nav_to.do?uri=incident.do?sys_id=<id>`) opened in a browser: the incident as the state shows it.
    if (req.method === 'GET' && req.url.startsWith('/nav_to.do?')) {
      const id = /sys_id=(\w+)/.exec(decodeURIComponent(req.url))?.[1] ?? '';
      const shown = snapshot().incidents.find((i) => i.sys_id === id);
      return json(res, shown === undefined ? 404 : 200, shown ?? { error: `no incident ${id}` });
    }
    const failing = failures.shift();
    if (failing !== undefined) {
      json(res, failing.status, failing.body ?? failure(`HTTP ${failing.status}`), failing.headers);
      return;
    }
    if (req.headers.authorization !== expectedAuth) {
      json(res, 401, UNAUTHENTICATED);
      return;
    }
    const url = new URL(req.url, origin);
    const q = url.searchParams;
    const m = /^\/api\/now\/(?:v\d+\/)?table\/(\w+)(?:\/([^/]+))?$/.exec(url.pathname);
    const table = m?.[1];
    const id = m?.[2];
    const rows = table === undefined ? undefined : tables(table);
    if (table === undefined || rows === undefined) {
      json(res, 400, failure('Invalid table', `Table ${table ?? url.pathname} does not exist`));
      return;
    }
    if (req.method === 'GET' && id === undefined) return list(res, table, rows, q);
    if (req.method === 'GET') {
      const record = rows.find((r) => fieldValue(r, 'sys_id') === id);
      if (record === undefined) json(res, 404, NO_RECORD);
      else json(res, 200, { result: project(record, q) });
      return;
    }
    if (table !== 'incident') {
      json(res, 403, failure('Operation Failed', 'ACL Exception Insert Failed due to security constraints'));
      return;
    }
    const body = bodyOf(req);
    if (body === undefined) {
      json(res, 400, failure('Exception while reading request', 'The payload is not valid JSON.'));
      return;
    }
    if (req.method === 'POST' && id === undefined) {
      const sys_id = sysId();
      const created = now();
      const record: SnowRecord = {
        ...structuredClone(template),
        sys_id,
        number: `INC${String(nextNumber++).padStart(7, '0')}`,
        short_description: '',
        assignment_group: '',
        correlation_id: '',
        correlation_display: '',
        sys_created_on: created,
        opened_at: created,
        sys_mod_count: '-1',
        sys_created_by: username,
        sys_updated_by: username,
      };
      incidents.set(sys_id, record);
      apply(record, body);
      json(
        res,
        201,
        { result: project(record, q) },
        { location: `${origin}/api/now/table/incident/${sys_id}` },
      );
      return;
    }
    if ((req.method === 'PATCH' || req.method === 'PUT') && id !== undefined) {
      const record = incidents.get(id);
      if (record === undefined) {
        json(res, 404, NO_RECORD);
        return;
      }
      apply(record, body);
      json(res, 200, { result: project(record, q) });
      return;
    }
    json(res, 405, failure('Method not Supported', `${req.method} is not supported here`));
  }, options);
  origin = server.origin;

  const setState = (sys_id: string, state: string): void => {
    const record = incidents.get(sys_id);
    if (record === undefined) throw new Error(`mock ServiceNow: no incident ${sys_id}`);
    record.state = state;
    record.incident_state = state;
    record.active = ['6', '7', '8'].includes(state) ? 'false' : 'true';
    if (state === '7') record.closed_at = now();
    record.sys_updated_on = now();
  };

  const snapshot = (): MockServiceNowSnapshot => ({
    incidents: [...incidents.values()].map((r) => ({
      sys_id: fieldValue(r, 'sys_id'),
      number: fieldValue(r, 'number'),
      short_description: fieldValue(r, 'short_description'),
      state: fieldValue(r, 'state'),
      correlation_id: fieldValue(r, 'correlation_id'),
      work_notes: workNotes.get(fieldValue(r, 'sys_id')) ?? [],
    })),
  });
  /** The routes a person calls with curl while trying a job: close or delete an incident, see the state. */
  function answerControl(control: NonNullable<ReturnType<typeof controlOf>>, res: ServerResponse): void {
    if (control.kind === 'state') return json(res, 200, snapshot());
    const { things, id, action } = control;
    if (things !== 'incidents' || (action !== 'close' && action !== 'delete')) {
      return json(res, 404, {
        error:
          'control routes: GET /_mock/state, POST /_mock/incidents/<sys_id>/close, POST /_mock/incidents/<sys_id>/delete',
      });
    }
    const record = incidents.get(id) ?? [...incidents.values()].find((r) => fieldValue(r, 'number') === id);
    if (record === undefined) return json(res, 404, { error: `no incident ${id}` });
    const sys_id = fieldValue(record, 'sys_id');
    if (action === 'close') setState(sys_id, '7');
    else incidents.delete(sys_id);
    json(res, 200, {
      sys_id,
      number: fieldValue(record, 'number'),
      ...(action === 'close' ? { state: '7' } : { deleted: true }),
    });
  }

  const mock: MockServiceNow = {
    url: origin,
    username,
    password,
    incidents,
    workNotes,
    groups,
    requests: server.received,
    closeIncident: (sys_id) => setState(sys_id, '7'),
    setState,
    deleteIncident: (sys_id) => {
      incidents.delete(sys_id);
    },
    failNext: (status, body, headers) => {
      failures.push({ status, body, headers });
    },
    get state() {
      return mock;
    },
    snapshot,
    close: () => server.close(),
  };
  return mock;
};
