// A loopback SecureChange for the securechange-enrichment tests and the e2e suite: it serves the
// pytos ticket samples as SecureChange's JSON (`GET …/tickets/{id}`) and accepts what pytos'
// `put_field` sends (`PUT …/tickets/{id}/steps/{step}/tasks/{task}/fields/{field}`, XML), with
// Basic auth checked on every request. Startable in-process (node:http on 127.0.0.1, port 0), and
// by `triggerhub mock securechange`, with `GET /_mock/state` (no auth): the tickets served and the
// field writes accepted.
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import type { ListenOptions } from './http.ts';
import { closeServer, controlOf, listenLoopback, readSample } from './http.ts';

/** The pytos samples the mock serves by default, by the ticket id it answers them under. */
export const SAMPLE_TICKETS: Readonly<Record<string, string>> = {
  // Access request, public addresses only (123.123.123.0/24 → 8.8.8.0/24); current step 1954 has a text field "text field".
  '445': 'tufin-securechange/pytos/pytos_testsecurechangehelper_ticket.xml',
  // The same, edited: private, public and CGNAT addresses, and a text area "Enrichment" in step 1954 (PROVENANCE.md).
  '446': 'tufin-securechange/triggerhub-derived/ticket_446_private_public.xml',
  // Server decommission (server 1.1.1.1/32); the sample says id 445, its links 557: served as 557. No text field.
  '557': 'tufin-securechange/pytos/pytos_testsecurechangehelper_server_decomm_ticket.xml',
};

export interface MockSecureChangeOptions extends ListenOptions {
  /** @default 'sc-api' */
  username?: string;
  /** @default 'sc-secret' */
  password?: string;
  /** Ticket id → ticket XML (as the REST API's XML answer). @default the {@link SAMPLE_TICKETS} */
  tickets?: Record<string, string>;
  /** Answer the next this many field writes with 503 (after recording nothing). @default 0 */
  failWrites?: number;
}

/** One request the mock received. */
export interface SecureChangeRequest {
  method: string;
  path: string;
  /** Whether its Basic credentials were right. */
  authorized: boolean;
  accept: string;
  contentType: string;
  body: string;
}

/** One accepted field write: the field's whole new text. */
export interface SecureChangeComment {
  ticketId: string;
  stepId: string;
  taskId: string;
  fieldId: string;
  name: string;
  text: string;
}

export interface MockSecureChange {
  /** `http://127.0.0.1:<port>`: a job's `url`. */
  url: string;
  username: string;
  password: string;
  /** Every accepted field write, in order. */
  readonly comments: SecureChangeComment[];
  readonly requests: SecureChangeRequest[];
  /**
   * What tests may read or change: the tickets as served (JSON), by id (writes land here), the
   * writes still to refuse with 503, and the accepted writes (the same array as `comments`).
   */
  readonly state: {
    tickets: Map<string, Record<string, unknown>>;
    failWrites: number;
    comments: SecureChangeComment[];
  };
  /** What `GET /_mock/state` answers. */
  snapshot(): MockSecureChangeSnapshot;
  close(): Promise<void>;
}

export interface MockSecureChangeSnapshot {
  /** The tickets served: id, subject, current step. */
  tickets: { id: string; subject: string; currentStep: string }[];
  /** Every accepted field write, in order. */
  comments: SecureChangeComment[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // SecureChange's JSON spells xsi:type as "@xsi.type".
  transformAttributeName: (name) => name.replace(':', '.'),
  parseTagValue: true,
  trimValues: true,
});

/** A ticket's XML as SecureChange's JSON answer would carry it: `{ ticket: {…} }` (ids as numbers). */
export const ticketJsonOf = (xml: string, id: string): Record<string, unknown> => {
  const parsed = parser.parse(xml) as { ticket?: Record<string, unknown> };
  const ticket = parsed.ticket ?? {};
  ticket.id = Number(id);
  return ticket;
};

type Json = Record<string, unknown>;
const items = (value: unknown): Json[] =>
  (Array.isArray(value) ? (value as unknown[]) : value === undefined || value === '' ? [] : [value]).filter(
    (v): v is Json => typeof v === 'object' && v !== null,
  );
const at = (o: unknown, key: string): unknown =>
  typeof o === 'object' && o !== null ? (o as Json)[key] : undefined;

const textOf = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

const send = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const failure = (res: ServerResponse, status: number, code: string, message: string): void =>
  send(res, status, { result: { code, message } });

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const TICKET = /^\/securechangeworkflow\/api\/securechange\/tickets\/(\d+)$/;
const FIELD =
  /^\/securechangeworkflow\/api\/securechange\/tickets\/(\d+)\/steps\/(\d+)\/tasks\/(\d+)\/fields\/(\d+)$/;

/**
 * Starts the mock.
 *
 * @example
 * ```ts
 * const sc = await startMockSecureChange();
 * // job params: { url: sc.url, username: sc.username, password: { secret: 'securechange-api' } }
 * expect(sc.comments).toHaveLength(1);
 * await sc.close();
 * ```
 */
export const startMockSecureChange = async (
  options: MockSecureChangeOptions = {},
): Promise<MockSecureChange> => {
  const username = options.username ?? 'sc-api';
  const password = options.password ?? 'sc-secret';
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const sources =
    options.tickets ??
    Object.fromEntries(Object.entries(SAMPLE_TICKETS).map(([id, path]) => [id, readSample(path)]));
  const tickets = new Map(Object.entries(sources).map(([id, xml]) => [id, ticketJsonOf(xml, id)]));
  const comments: SecureChangeComment[] = [];
  const state = { tickets, failWrites: options.failWrites ?? 0, comments };
  const requests: SecureChangeRequest[] = [];
  const snapshot = (): MockSecureChangeSnapshot => ({
    tickets: [...tickets].map(([id, t]) => ({
      id,
      subject: textOf(at(t, 'subject')),
      currentStep: textOf(at(at(t, 'current_step'), 'name')),
    })),
    comments,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://mock').pathname;
    const control = controlOf(req.method ?? '', path);
    if (control?.kind === 'state') return send(res, 200, snapshot());
    if (control !== undefined) return send(res, 404, { error: 'control routes: GET /_mock/state' });
    const authorized = req.headers.authorization === expected;
    requests.push({
      method: req.method ?? '',
      path,
      authorized,
      accept: req.headers.accept ?? '',
      contentType: req.headers['content-type'] ?? '',
      body,
    });
    if (!authorized) return failure(res, 401, 'UNAUTHORIZED', 'Authentication failed');

    const ticketMatch = TICKET.exec(path);
    if (req.method === 'GET' && ticketMatch) {
      const ticket = tickets.get(ticketMatch[1] ?? '');
      if (!ticket) return failure(res, 404, 'NOT_FOUND', `Ticket with ID ${ticketMatch[1]} does not exist`);
      return send(res, 200, { ticket });
    }

    const fieldMatch = FIELD.exec(path);
    if (req.method === 'PUT' && fieldMatch) {
      const [, ticketId = '', stepId = '', taskId = '', fieldId = ''] = fieldMatch;
      if (state.failWrites > 0) {
        state.failWrites--;
        return failure(res, 503, 'UNAVAILABLE', 'Service temporarily unavailable');
      }
      const step = items(at(at(tickets.get(ticketId), 'steps'), 'step')).find((s) => String(s.id) === stepId);
      const task = items(at(at(step, 'tasks'), 'task')).find((t) => String(t.id) === taskId);
      const field = items(at(at(task, 'fields'), 'field')).find((f) => String(f.id) === fieldId);
      if (!field) return failure(res, 404, 'NOT_FOUND', `Field ${fieldId} not found in task ${taskId}`);
      let written: unknown;
      try {
        written = at(parser.parse(body), 'field');
      } catch {
        return failure(res, 400, 'BAD_REQUEST', 'Malformed XML');
      }
      const declared = at(written, '@xsi.type');
      const type = typeof declared === 'string' ? declared : '';
      if (!['text_area', 'text_field'].includes(type) || type !== field['@xsi.type']) {
        return failure(res, 400, 'BAD_REQUEST', `Field ${fieldId} is not of type ${type}`);
      }
      const text = at(written, 'text');
      field.text = typeof text === 'string' || typeof text === 'number' ? String(text) : '';
      comments.push({
        ticketId,
        stepId,
        taskId,
        fieldId,
        name: String(field.name),
        text: String(field.text),
      });
      return send(res, 200, {});
    }
    return failure(res, 404, 'NOT_FOUND', `No route for ${req.method ?? ''} ${path}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => failure(res, 500, 'INTERNAL', String(e)));
  });
  const url = await listenLoopback(server, options);
  return {
    url,
    username,
    password,
    comments,
    requests,
    state,
    snapshot,
    close: () => closeServer(server),
  };
};
