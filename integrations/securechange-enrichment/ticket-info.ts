// The full ticket SecureChange's REST API answers (`GET …/tickets/{id}`, JSON) → the Request
// Add-on's ticket_info, and where the comment goes. SecureChange's JSON is its XML as JSON:
// an element repeated once is an object, more often an array, an empty one `""`; attributes
// are `@type` / `@xsi.type`. Everything here accepts either form and never trusts a shape.
import type { TicketAddress, TicketInfo, TicketRequest, TicketService } from '../../shared/sdk/index.ts';
import { isPrivateAddress, maskOfPrefix, parseIp, parseIPv4, prefixOfMask } from './addresses.ts';

type Json = Record<string, unknown>;

const obj = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;

/** An element that may be absent, `""`, one object or an array → its items (objects only). */
const list = (value: unknown): Json[] => {
  const items = Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
  return items.flatMap((v): Json[] => {
    const o = obj(v);
    return o === undefined ? [] : [o];
  });
};

/** An element's text: a string, a number (SecureChange's JSON gives ids as numbers), `{ "#text" }`. */
const text = (value: unknown): string => {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const o = obj(value);
  return o === undefined ? '' : text(o['#text']);
};

const child = (o: Json | undefined, ...path: string[]): unknown =>
  path.reduce<unknown>((at, key) => obj(at)?.[key], o);

/** An attribute, however the JSON spells it (`@xsi.type`, `@xsi:type`, `xsi.type`…). */
const attribute = (o: Json, ...names: string[]): string => {
  for (const name of names) {
    for (const key of [`@${name}`, name]) {
      const value = text(o[key]);
      if (value !== '') return value;
    }
  }
  return '';
};

const fieldType = (field: Json): string => attribute(field, 'xsi.type', 'xsi:type').toLowerCase();

/** An IPv4 address with its mask and/or prefix, or an IPv6 one with its prefix: the Add-on's four keys. */
const ipEntry = (rawIp: string, rawMask: string, rawCidr: string): Omit<TicketAddress, 'Kind'> => {
  let ip = rawIp;
  let mask = rawMask;
  let cidr = rawCidr;
  const slash = ip.indexOf('/');
  if (slash !== -1) {
    const after = ip.slice(slash + 1);
    ip = ip.slice(0, slash);
    if (parseIPv4(after) !== undefined) mask ||= after;
    else cidr ||= after;
  }
  const parsed = parseIp(ip);
  if (parsed?.family === 4) {
    if (cidr === '' && mask !== '') cidr = String(prefixOfMask(mask) ?? '');
    if (mask === '' && cidr !== '' && /^\d+$/.test(cidr) && Number(cidr) <= 32)
      mask = maskOfPrefix(Number(cidr));
    if (cidr === '' && mask === '') {
      cidr = '32';
      mask = '255.255.255.255';
    }
  } else if (parsed?.family === 6) {
    mask = '';
    cidr ||= '128';
  }
  const prefix = /^\d+$/.test(cidr) ? Number(cidr) : undefined;
  return { Ip: ip, Mask: mask, Cidr: cidr, Private: parsed !== undefined && isPrivateAddress(ip, prefix) };
};

const NONE = { Ip: '', Mask: '', Cidr: '', Private: false } as const;

/** One `<source>`, `<destination>` or `<server>`. */
export const addressOf = (o: Json): TicketAddress => {
  const type = attribute(o, 'type').toUpperCase();
  const ipText = text(o.ip_address);
  if (type === 'IP' || (type === '' && ipText !== '')) {
    return { ...ipEntry(ipText, text(o.netmask), text(o.cidr)), Kind: 'ip' };
  }
  if (type === 'RANGE') {
    const first = text(o.range_first_ip);
    const last = text(o.range_last_ip);
    return {
      Ip: first,
      Mask: '',
      Cidr: '',
      Private: isPrivateAddress(first, undefined) && isPrivateAddress(last, undefined),
      Kind: 'range',
      LastIp: last,
    };
  }
  if (type === 'ANY') return { ...NONE, Kind: 'any' };
  if (type === 'DNS') {
    const name = text(o.host_name) || text(o.dns_name);
    const dnsIps = child(o, 'dns_ip_addresses', 'ip_address');
    const firstIp = ipText || text(Array.isArray(dnsIps) ? (dnsIps as unknown[])[0] : dnsIps);
    return { ...(firstIp === '' ? NONE : ipEntry(firstIp, '', '')), Kind: 'dns', Name: name };
  }
  if (type === 'OBJECT') {
    const details = text(o.object_details);
    const name = text(o.object_name);
    const ip = details.split('/')[0] ?? '';
    return { ...(parseIp(ip) === undefined ? NONE : ipEntry(details, '', '')), Kind: 'object', Name: name };
  }
  return { ...NONE, Kind: 'other', Name: text(o.ldap_entity_name) || type.toLowerCase() || 'unknown' };
};

/** One `<service>`: a protocol with a port or port range, a predefined service, any… */
export const serviceOf = (o: Json): TicketService => {
  const type = attribute(o, 'type').toUpperCase();
  if (type === 'ANY') return { Protocol: 'ANY', Min: '', Max: '' };
  const name = text(o.predefined_name) || text(o.application_name) || text(o.object_name);
  const port = text(o.port);
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(port);
  const protocol =
    text(o.protocol).toUpperCase() || (type === 'APPLICATION_IDENTITY' ? 'APPLICATION' : type || 'UNKNOWN');
  return {
    Protocol: protocol,
    Min: range?.[1] ?? port,
    Max: range?.[2] ?? port,
    ...(name !== '' && { Name: name }),
  };
};

const addresses = (o: Json, outer: string, inner: string): TicketAddress[] =>
  list(child(o, outer, inner)).map(addressOf);

const REQUEST_FIELDS = new Set(['multi_access_request', 'multi_server_decommission_request']);

const requestsOf = (fields: readonly Json[]): TicketRequest[] =>
  fields.flatMap((field) =>
    fieldType(field) === 'multi_access_request'
      ? list(field.access_request).map((ar) => ({
          Sources: addresses(ar, 'sources', 'source'),
          Destinations: addresses(ar, 'destinations', 'destination'),
          Services: list(child(ar, 'services', 'service')).map(serviceOf),
        }))
      : list(field.server_decommission_request).map((dr) => ({
          Sources: addresses(dr, 'servers', 'server'),
          Destinations: [],
          Services: [],
        })),
  );

/** A text field of a task: where the enrichment is written. */
export interface TextField {
  id: string;
  name: string;
  /** `text_area` or `text_field`. */
  type: string;
  text: string;
}

/** A task of the step the comment goes to. */
export interface StepTask {
  id: string;
  status: string;
  textFields: TextField[];
}

/** What the integration needs of a ticket. */
export interface ParsedTicket {
  info: TicketInfo;
  /** The current step (else the last one), with its tasks; absent when the ticket has no steps. */
  step?: { id: string; name: string; tasks: StepTask[] };
}

const tasksOf = (step: Json): Json[] => list(child(step, 'tasks', 'task'));
const fieldsOf = (task: Json): Json[] => list(child(task, 'fields', 'field'));

/**
 * The ticket JSON (`{ "ticket": {…} }`, or the ticket itself) → ticket_info and the
 * current step. The requests are the current step's (an access request is copied into
 * each step's task; a later step's may have been edited), else the latest earlier step
 * that has any: in the first task holding a multi access request or server
 * decommission field.
 *
 * @example
 * ```ts
 * const { info, step } = parseTicket(await http.get(url).json(), 445);
 * ```
 */
export const parseTicket = (body: unknown, fallbackId: number): ParsedTicket => {
  const ticket = obj(obj(body)?.ticket) ?? obj(body) ?? {};
  const steps = list(child(ticket, 'steps', 'step'));
  const currentId = text(child(ticket, 'current_step', 'id'));
  const found = steps.findIndex((s) => currentId !== '' && text(s.id) === currentId);
  const at = found === -1 ? steps.length - 1 : found;

  let requests: TicketRequest[] = [];
  for (let i = at; i >= 0 && requests.length === 0; i--) {
    const task = tasksOf(steps[i] ?? {}).find((t) =>
      fieldsOf(t).some((f) => REQUEST_FIELDS.has(fieldType(f))),
    );
    if (task) requests = requestsOf(fieldsOf(task).filter((f) => REQUEST_FIELDS.has(fieldType(f))));
  }

  const id = Number(text(ticket.id));
  const requesterId = Number(text(ticket.requester_id));
  const info: TicketInfo = {
    Id: Number.isSafeInteger(id) && text(ticket.id) !== '' ? id : fallbackId,
    Subject: text(ticket.subject),
    WorkflowName: text(child(ticket, 'workflow', 'name')),
    Requester: text(ticket.requester),
    RequesterId: text(ticket.requester_id) !== '' && Number.isSafeInteger(requesterId) ? requesterId : null,
    Status: text(ticket.status),
    Comments: list(child(ticket, 'comments', 'comment'))
      .map((c) => text(c.content))
      .filter((c) => c !== '')
      .join('\n'),
    Requests: requests,
  };

  const current = steps[at];
  if (current === undefined) return { info };
  return {
    info,
    step: {
      id: text(current.id),
      name: text(current.name),
      tasks: tasksOf(current).map((task) => ({
        id: text(task.id),
        status: text(task.status),
        textFields: fieldsOf(task)
          .filter((f) => ['text_area', 'text_field'].includes(fieldType(f)))
          .map((f) => ({ id: text(f.id), name: text(f.name), type: fieldType(f), text: text(f.text) })),
      })),
    },
  };
};
