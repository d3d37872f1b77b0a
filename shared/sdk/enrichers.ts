/**
 * Enrichers: the plug-ins of the built-in `securechange-enrichment` integration, as the
 * SecureChange Request Add-on has them (a `get_data(ticket_info, logger)` per file that
 * returns the text to add to the ticket, or nothing). One file per enricher in
 * `integrations/securechange-enrichment/enrichers/<id>.ts`, default-exporting what
 * {@link defineEnricher} makes; `npm run generate` lists the files.
 */
import { ValidationError } from '../errors.ts';
import type { ParameterSpec } from '../model/index.ts';
import type { HttpClient } from '../outbound/types.ts';
import type { IntegrationLogger, ParamsOf } from './types.ts';

/**
 * One source, destination or decommissioned server of a ticket, with the Request
 * Add-on's keys (`Ip`, `Mask`, `Cidr`, `Private`) and what SecureChange tells beside
 * them (`Kind`, `Name`, `LastIp`), so that an enricher can say plainly what is not an
 * address.
 *
 * @example
 * ```ts
 * const a: TicketAddress = { Ip: '10.1.2.0', Mask: '255.255.255.0', Cidr: '24', Private: true, Kind: 'ip' };
 * ```
 */
export interface TicketAddress {
  /** The address (a range's first one); `''` when there is none (any, a DNS name not resolved, an object without details). */
  Ip: string;
  /** The IPv4 netmask, e.g. `255.255.255.0`; `''` for IPv6 and when unknown. */
  Mask: string;
  /** The prefix length as text, e.g. `32`; `''` when unknown (a range, a non-contiguous mask). */
  Cidr: string;
  /** RFC 1918 (IPv4) or unique local fc00::/7 (IPv6). */
  Private: boolean;
  /** What SecureChange sent: an address or network, a range, any, a DNS name, a named object, something else (LDAP, internet…). */
  Kind: 'ip' | 'range' | 'any' | 'dns' | 'object' | 'other';
  /** A DNS host name, an object's name, or SecureChange's type for `other`. */
  Name?: string;
  /** A range's last address. */
  LastIp?: string;
}

/**
 * One service of an access request, with the Request Add-on's keys.
 *
 * @example
 * ```ts
 * const s: TicketService = { Protocol: 'TCP', Min: '443', Max: '443' };
 * ```
 */
export interface TicketService {
  /** `TCP`, `UDP`, `ICMP`…, or `ANY`. */
  Protocol: string;
  /** Lowest port, `''` when none (any, ICMP). */
  Min: string;
  /** Highest port, `''` when none. */
  Max: string;
  /** A predefined service's or an object's name, when SecureChange gives one. */
  Name?: string;
}

/** One access request (or server-decommission request: its servers are the `Sources`). */
export interface TicketRequest {
  Sources: TicketAddress[];
  Destinations: TicketAddress[];
  Services: TicketService[];
}

/**
 * The Request Add-on's `ticket_info`, built from the full ticket SecureChange's REST API
 * answers: exactly its keys, so that an Add-on integration's logic ports as it is.
 *
 * @example
 * ```ts
 * const info: TicketInfo = {
 *   Id: 445, Subject: 'Ticket 445', WorkflowName: 'Access Request', Requester: 'tzachi', RequesterId: 3,
 *   Status: 'In Progress', Comments: '', Requests: [{ Sources: [], Destinations: [], Services: [] }],
 * };
 * ```
 */
export interface TicketInfo {
  Id: number;
  Subject: string;
  WorkflowName: string;
  Requester: string;
  /** `null` when the ticket does not say. */
  RequesterId: number | null;
  Status: string;
  /** The ticket's comments, one per line, oldest first. */
  Comments: string;
  Requests: TicketRequest[];
}

/**
 * What `getData` receives besides the ticket: its own parameters (resolved: a
 * password parameter is the secret's value, redacted from every log line), the run's
 * `ctx.http`, a logger whose lines go to the run's log prefixed with the enricher's
 * id, a signal that fires at the enricher's time limit or the run's deadline, and the
 * job's id.
 */
export interface EnricherContext<P> {
  params: P;
  http: HttpClient;
  logger: IntegrationLogger;
  signal: AbortSignal;
  jobId: string;
}

/** The text to add under the enricher's heading; `null`, `undefined` or `''` adds nothing. */
export type EnricherOutput = string | null | undefined;

/** What an enricher's author writes. */
export interface EnricherDefinition<P extends Record<string, ParameterSpec>> {
  /** Lower-case letters, digits and `-`: the file's name (`enrichers/<id>.ts`) and what a job's `enrichers` lists. */
  id: string;
  /** The heading of its part of the comment. */
  name: string;
  description?: string;
  /**
   * Its own parameters, as an integration's. The job gives them prefixed with the id
   * in camelCase (`servicenow-cmdb` + `url` → `servicenowCmdbUrl`); a password's
   * `hostFrom` names the unprefixed parameter.
   */
  parameters: P;
  /** The ticket → the text to add, or nothing. Throwing is logged, and the comment names the enricher without detail. */
  getData(
    ticketInfo: TicketInfo,
    ctx: EnricherContext<ParamsOf<P>>,
  ): EnricherOutput | Promise<EnricherOutput>;
}

/** An enricher as the integration holds it, whatever its params type. */
export interface Enricher {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly parameters: Readonly<Record<string, ParameterSpec>>;
  getData(ticketInfo: TicketInfo, ctx: EnricherContext<Record<string, unknown>>): Promise<EnricherOutput>;
}

/** One file of `enrichers/` as the generated module lists it: the file's name and its default export, not yet checked. */
export interface EnricherFile {
  readonly file: string;
  readonly default: unknown;
}

const ENRICHER_BRAND = Symbol.for('triggerhub.enricher');

/** The id rule of integrations: it is also a file name. */
export const ENRICHER_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Whether `value` was made with {@link defineEnricher}. */
export const isEnricher = (value: unknown): value is Enricher =>
  typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[ENRICHER_BRAND] === true;

/**
 * Defines an enricher: the parameter specs give the type of `ctx.params` and become
 * parameters of the `securechange-enrichment` job (prefixed by the id).
 *
 * @example
 * ```ts
 * // integrations/securechange-enrichment/enrichers/owner-lookup.ts
 * export default defineEnricher({
 *   id: 'owner-lookup',
 *   name: 'Owners',
 *   parameters: { url: { type: 'text', mandatory: true } },
 *   async getData(ticketInfo, { http, params, signal }) {
 *     const ips = ticketInfo.Requests.flatMap((r) => r.Destinations.map((d) => d.Ip)).filter(Boolean);
 *     if (ips.length === 0) return null;
 *     const owners = await http.get(`${params.url}/owners`, { searchParams: { ip: ips.join(',') }, signal }).json<string[]>();
 *     return owners.join('\n');
 *   },
 * });
 * ```
 */
export const defineEnricher = <const P extends Record<string, ParameterSpec>>(
  def: EnricherDefinition<P>,
): Enricher => {
  if (!ENRICHER_ID.test(def.id)) {
    throw new ValidationError(
      `enricher "${def.id}": not a valid id (lower-case letters, digits and -, at most 64)`,
      'invalid_enricher',
    );
  }
  // A method: checked bivariantly, so the typed params fit the enricher's untyped view.
  const getData: (t: TicketInfo, c: EnricherContext<Record<string, unknown>>) => unknown = (t, c) =>
    def.getData(t, c as EnricherContext<ParamsOf<P>>);
  return Object.freeze({
    [ENRICHER_BRAND]: true,
    id: def.id,
    name: def.name,
    description: def.description ?? '',
    parameters: Object.freeze({ ...def.parameters }),
    getData: async (ticketInfo: TicketInfo, ctx: EnricherContext<Record<string, unknown>>) =>
      (await getData(ticketInfo, ctx)) as EnricherOutput,
  });
};

/**
 * The enrichers the generated module lists, checked: each file's default export made
 * with {@link defineEnricher}, its id equal to the file's name.
 *
 * @example
 * ```ts
 * const enrichers = enrichersOfFiles(enricherFiles, 'integrations/securechange-enrichment/enrichers');
 * ```
 */
export const enrichersOfFiles = (files: readonly EnricherFile[], dir: string): Enricher[] =>
  files.map(({ file, default: value }) => {
    const where = `${dir}/${file}.ts`;
    if (!isEnricher(value)) {
      throw new ValidationError(
        `${where}: its default export is not made with defineEnricher`,
        'invalid_enricher',
      );
    }
    if (value.id !== file) {
      throw new ValidationError(
        `${where}: default export has id "${value.id}": the file name must equal the enricher id`,
        'enricher_file_mismatch',
      );
    }
    return value;
  });
