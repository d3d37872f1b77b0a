// The ServiceNow configuration items whose IP address is a host address of the ticket (a /32,
// or /128), through the Table API (`GET /api/now/table/cmdb_ci?sysparm_query=ip_address=<ip>`),
// as the Request Add-on's ServiceNow_CIs integration does. Networks are not looked up.
import type { TicketAddress } from '../../../shared/sdk/index.ts';
import { defineEnricher } from '../../../shared/sdk/index.ts';
import { parseIp } from '../addresses.ts';

/** The most addresses one ticket looks up: one call each. */
export const MAX_LOOKUPS = 50;
/** The most configuration items shown per address. */
export const MAX_ITEMS = 10;

const FIELDS = [
  'sys_id',
  'sys_class_name',
  'name',
  'fqdn',
  'ip_address',
  'category',
  'vendor',
  'model_number',
  'assigned_to',
  'owned_by',
  'department',
  'location',
  'short_description',
];

/** The host addresses of the ticket (sources, then destinations), each once. */
export const hostAddresses = (all: readonly TicketAddress[]): string[] => {
  const seen = new Set<string>();
  for (const a of all) {
    const ip = parseIp(a.Ip);
    if (ip === undefined || a.Kind === 'range' || a.Kind === 'any') continue;
    if (a.Cidr !== (ip.family === 4 ? '32' : '128')) continue;
    seen.add(a.Ip);
  }
  return [...seen];
};

/** A Table API value: text, or `{ display_value }` / `{ value }` of a reference. */
const shown = (value: unknown): string => {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'object' && value !== null) {
    const v = value as { display_value?: unknown; value?: unknown };
    return shown(v.display_value ?? v.value);
  }
  return '';
};

const itemLines = (item: Record<string, unknown>, base: string): string => {
  const cls = shown(item.sys_class_name) || 'cmdb_ci';
  const parts = [
    ['FQDN', shown(item.fqdn)],
    ['Category', shown(item.category)],
    ['Vendor', shown(item.vendor)],
    ['Model', shown(item.model_number)],
    ['Assigned to', shown(item.assigned_to)],
    ['Owned by', shown(item.owned_by)],
    ['Department', shown(item.department)],
    ['Location', shown(item.location)],
    ['Description', shown(item.short_description)],
  ].filter(([, v]) => v !== '');
  const sysId = shown(item.sys_id);
  const link = /^[0-9a-f]{32}$/.test(sysId)
    ? `${base}/nav_to.do?uri=${encodeURIComponent(`${cls}.do?sys_id=${sysId}`)}`
    : '';
  return [
    `    ${shown(item.name) || '(no name)'} (${cls})`,
    ...parts.map(([k, v]) => `      ${k}: ${v}`),
    ...(link === '' ? [] : [`      Link: ${link}`]),
  ].join('\n');
};

export default defineEnricher({
  id: 'servicenow-cmdb',
  name: 'ServiceNow CMDB',
  description:
    "The configuration items of ServiceNow's CMDB whose ip_address is one of the ticket's host addresses (/32 or /128).",
  parameters: {
    url: {
      type: 'text',
      label: 'ServiceNow URL',
      mandatory: true,
      description: 'The instance, e.g. https://acme.service-now.com.',
    },
    username: {
      type: 'text',
      label: 'User name',
      mandatory: true,
      description: 'A ServiceNow account with read access to cmdb_ci (e.g. the cmdb_read role).',
    },
    password: {
      type: 'password',
      label: 'Password',
      mandatory: true,
      hostFrom: 'url',
      description: "The account's password: a secret, sent to the host of url only.",
    },
  },
  async getData(ticketInfo, { params, http, logger, signal }) {
    const ips = hostAddresses(ticketInfo.Requests.flatMap((r) => [...r.Sources, ...r.Destinations]));
    if (ips.length === 0) return null;
    const base = params.url.replace(/\/+$/, '');
    const authorization = `Basic ${Buffer.from(`${params.username}:${params.password}`).toString('base64')}`;
    const looked = ips.slice(0, MAX_LOOKUPS);
    const blocks: string[] = [];
    for (const ip of looked) {
      // `ip` is a parsed address literal: nothing in it can change the encoded query.
      const answer = await http
        .get(`${base}/api/now/table/cmdb_ci`, {
          headers: { authorization, accept: 'application/json' },
          searchParams: {
            sysparm_query: `ip_address=${ip}`,
            sysparm_fields: FIELDS.join(','),
            sysparm_display_value: 'true',
            sysparm_exclude_reference_link: 'true',
            sysparm_limit: String(MAX_ITEMS + 1),
          },
          signal,
        })
        .json<{ result?: unknown }>();
      const items = Array.isArray(answer.result)
        ? (answer.result as unknown[]).filter(
            (i): i is Record<string, unknown> => typeof i === 'object' && i !== null,
          )
        : [];
      logger.debug(`${ip}: ${items.length} configuration item(s)`);
      if (items.length === 0) {
        blocks.push(`  ${ip}: no configuration item`);
        continue;
      }
      const more = items.length > MAX_ITEMS ? `\n    … and more (first ${MAX_ITEMS} shown)` : '';
      blocks.push(
        [`  ${ip}:`, ...items.slice(0, MAX_ITEMS).map((i) => itemLines(i, base))].join('\n') + more,
      );
    }
    const skipped = ips.length - looked.length;
    return [
      `Configuration items by IP address (host addresses only; networks are not looked up):`,
      ...blocks,
      ...(skipped > 0 ? [`  … ${skipped} more address(es) not looked up (at most ${MAX_LOOKUPS})`] : []),
    ].join('\n');
  },
});
