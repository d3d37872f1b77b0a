// What each source and destination of a ticket is: private, public, loopback, link-local,
// carrier-grade NAT, multicast…, with the size of each network; any, ranges, DNS names and
// objects said plainly. No parameters, no calls: it always has something to say when the
// ticket has addresses.
import type { TicketAddress } from '../../../shared/sdk/index.ts';
import { defineEnricher } from '../../../shared/sdk/index.ts';
import { describeAddress } from '../addresses.ts';

const lines = (label: string, list: readonly TicketAddress[]): string[] =>
  list.length === 0 ? [] : [`  ${label}:`, ...list.map((a) => `    ${describeAddress(a)}`)];

export default defineEnricher({
  id: 'address-classes',
  name: 'Address classes',
  description:
    'For every source and destination (and decommissioned server): its class — private (RFC 1918), public, loopback, ' +
    'link-local, carrier-grade NAT (100.64.0.0/10), multicast… — and the size of its network.',
  parameters: {},
  getData(ticketInfo) {
    const blocks = ticketInfo.Requests.flatMap((r, i) => {
      const body = [...lines('Sources', r.Sources), ...lines('Destinations', r.Destinations)];
      return body.length === 0 ? [] : [[`Request ${i + 1}`, ...body].join('\n')];
    });
    return blocks.length === 0 ? null : blocks.join('\n');
  },
});
