// IPv4/IPv6 arithmetic and the special-purpose blocks (IANA registries, RFC 6890): enough to
// say plainly what each source and destination of a ticket is, without a dependency.
import type { TicketAddress } from '../../shared/sdk/index.ts';

export type Family = 4 | 6;

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

/** `10.1.2.3` → its value; anything else (leading zeros, out of range, spaces) → undefined. */
export const parseIPv4 = (text: string): bigint | undefined => {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    value = (value << 8n) | BigInt(p);
  }
  return value;
};

/** `fe80::1`, `::ffff:10.0.0.1` → its value; a zone (`%eth0`) or anything malformed → undefined. */
export const parseIPv6 = (text: string): bigint | undefined => {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || text.length > 45) return undefined;
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = head.lastIndexOf(':');
  if (head.includes('.')) {
    tailV4 = parseIPv4(head.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    // The dotted quad stands for two groups.
    head = `${head.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): string[] | undefined => {
    if (s === '') return [];
    const g = s.split(':');
    return g.every((x) => /^[0-9A-Fa-f]{1,4}$/.test(x)) ? g : undefined;
  };
  const left = groups(halves[0] ?? '');
  const right = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (left === undefined || right === undefined) return undefined;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(missing).fill('0'), ...right];
  let value = 0n;
  for (const g of all) value = (value << 16n) | BigInt(parseInt(g, 16));
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
};

/** An address of either family. */
export const parseIp = (text: string): { family: Family; value: bigint } | undefined => {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIPv6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
};

export const formatIPv4 = (value: bigint): string =>
  [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');

/** `255.255.255.0` → 24; a non-contiguous or malformed mask → undefined. */
export const prefixOfMask = (mask: string): number | undefined => {
  const value = parseIPv4(mask);
  if (value === undefined) return undefined;
  const bits = value.toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')) : undefined;
};

export const maskOfPrefix = (prefix: number): string =>
  formatIPv4(prefix === 0 ? 0n : ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - prefix)) - 1n));

const hostMask = (family: Family, prefix: number): bigint => (1n << BigInt(BITS[family] - prefix)) - 1n;

/** The first and last address of `value/prefix`. */
export const networkBounds = (family: Family, value: bigint, prefix: number): [bigint, bigint] => {
  const host = hostMask(family, prefix);
  return [value & ~host, value | host];
};

interface Block {
  family: Family;
  start: bigint;
  end: bigint;
  prefix: number;
  cls: AddressClass;
}

export type AddressClass =
  | 'private'
  | 'public'
  | 'loopback'
  | 'link-local'
  | 'cgnat'
  | 'multicast'
  | 'this-network'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved'
  | 'unique-local'
  | 'unspecified'
  | 'ipv4-mapped'
  | 'nat64';

/** How each class reads in a comment. */
export const CLASS_LABELS: Readonly<Record<AddressClass, string>> = {
  private: 'private (RFC 1918)',
  public: 'public',
  loopback: 'loopback',
  'link-local': 'link-local',
  cgnat: 'carrier-grade NAT shared space (RFC 6598)',
  multicast: 'multicast',
  'this-network': '"this network" (0.0.0.0/8)',
  broadcast: 'limited broadcast',
  documentation: 'documentation (never routed)',
  benchmarking: 'benchmarking (RFC 2544)',
  reserved: 'reserved',
  'unique-local': 'unique local (fc00::/7, private)',
  unspecified: 'unspecified address',
  'ipv4-mapped': 'IPv4-mapped (::ffff:0:0/96)',
  nat64: 'NAT64 (64:ff9b::/96)',
};

const block = (family: Family, cidr: string, cls: AddressClass): Block => {
  const [ip = '', len = ''] = cidr.split('/');
  const value = family === 4 ? parseIPv4(ip) : parseIPv6(ip);
  if (value === undefined) throw new Error(`bad block ${cidr}`);
  const prefix = Number(len);
  const [start, end] = networkBounds(family, value, prefix);
  return { family, start, end, prefix, cls };
};

// What is not in one of these is public (IPv4) or reserved (IPv6 outside 2000::/3).
const BLOCKS: readonly Block[] = [
  block(4, '0.0.0.0/8', 'this-network'),
  block(4, '10.0.0.0/8', 'private'),
  block(4, '100.64.0.0/10', 'cgnat'),
  block(4, '127.0.0.0/8', 'loopback'),
  block(4, '169.254.0.0/16', 'link-local'),
  block(4, '172.16.0.0/12', 'private'),
  block(4, '192.0.2.0/24', 'documentation'),
  block(4, '192.168.0.0/16', 'private'),
  block(4, '198.18.0.0/15', 'benchmarking'),
  block(4, '198.51.100.0/24', 'documentation'),
  block(4, '203.0.113.0/24', 'documentation'),
  block(4, '224.0.0.0/4', 'multicast'),
  block(4, '240.0.0.0/4', 'reserved'),
  block(4, '255.255.255.255/32', 'broadcast'),
  block(6, '::/128', 'unspecified'),
  block(6, '::1/128', 'loopback'),
  block(6, '::ffff:0:0/96', 'ipv4-mapped'),
  block(6, '64:ff9b::/96', 'nat64'),
  block(6, '2000::/3', 'public'),
  block(6, '2001:db8::/32', 'documentation'),
  block(6, 'fc00::/7', 'unique-local'),
  block(6, 'fe80::/10', 'link-local'),
  block(6, 'ff00::/8', 'multicast'),
];

/**
 * The classes of the addresses `start`…`end`: one when they all share it, else each
 * class the span touches (e.g. `['public', 'private']` for 0.0.0.0/1).
 */
export const classesOfSpan = (family: Family, start: bigint, end: bigint): AddressClass[] => {
  const fallback: AddressClass = family === 4 ? 'public' : 'reserved';
  const mine = BLOCKS.filter((b) => b.family === family);
  const container = mine
    .filter((b) => b.start <= start && end <= b.end)
    .reduce<Block | undefined>(
      (best, b) => (best === undefined || b.prefix > best.prefix ? b : best),
      undefined,
    );
  const inner = mine.filter(
    (b) =>
      b !== container &&
      (container === undefined || b.prefix > container.prefix) &&
      b.start <= end &&
      start <= b.end,
  );
  const outer = container?.cls ?? fallback;
  if (inner.length === 0) return [outer];
  // Inner blocks may cover the span whole: then the outer class is only named when some of it is left.
  const covered = inner
    .map((b) => [b.start > start ? b.start : start, b.end < end ? b.end : end] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let next = start;
  let gap = false;
  for (const [s, e] of covered) {
    if (s > next) gap = true;
    if (e + 1n > next) next = e + 1n;
  }
  if (next <= end) gap = true;
  const classes = [...(gap ? [outer] : []), ...inner.map((b) => b.cls)];
  return [...new Set(classes)];
};

const THOUSANDS = /\B(?=(\d{3})+(?!\d))/g;

/** `1 address`, `256 addresses`, `2^64 addresses`. */
export const sizeText = (count: bigint): string => {
  if (count === 1n) return '1 address';
  if (count > 1n << 32n) {
    const bits = count.toString(2).length - 1;
    if (count === 1n << BigInt(bits)) return `2^${bits} addresses`;
  }
  return `${count.toString().replace(THOUSANDS, ',')} addresses`;
};

const classText = (classes: readonly AddressClass[]): string =>
  classes.length === 1
    ? CLASS_LABELS[classes[0] ?? 'public']
    : `mixed: ${classes.map((c) => CLASS_LABELS[c]).join(' + ')}`;

/** `10.1.2.0/24: private (RFC 1918), 256 addresses`, and the like for ranges, any, DNS names and objects. */
export const describeAddress = (a: TicketAddress): string => {
  switch (a.Kind) {
    case 'any':
      return 'any: every address';
    case 'dns':
      return `${a.Name ?? '(no name)'}: a DNS name${a.Ip === '' ? ' (not resolved)' : ` → ${describeIp(a)}`}`;
    case 'object':
      return `object ${a.Name ?? '(no name)'}: ${a.Ip === '' ? 'no address given' : describeIp(a)}`;
    case 'other':
      return `${a.Name ?? 'an entry'}: not an address`;
    case 'range': {
      const first = parseIp(a.Ip);
      const last = a.LastIp === undefined ? undefined : parseIp(a.LastIp);
      if (
        first === undefined ||
        last === undefined ||
        first.family !== last.family ||
        last.value < first.value
      ) {
        return `${a.Ip}–${a.LastIp ?? '?'}: not a valid address range`;
      }
      const classes = classesOfSpan(first.family, first.value, last.value);
      return `${a.Ip}–${a.LastIp}: ${classText(classes)}, ${sizeText(last.value - first.value + 1n)}`;
    }
    case 'ip':
      return describeIp(a);
  }
};

const describeIp = (a: TicketAddress): string => {
  const ip = parseIp(a.Ip);
  if (ip === undefined) return `${a.Ip}: not an IP address`;
  const bits = BITS[ip.family];
  const prefix = a.Cidr === '' ? undefined : Number(a.Cidr);
  if (prefix === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > bits) {
    const cls = classText(classesOfSpan(ip.family, ip.value, ip.value));
    return `${a.Ip}${a.Mask === '' ? '' : ` mask ${a.Mask}`}: ${cls} (the mask is not a prefix: size unknown)`;
  }
  if (prefix === 0) return `${a.Ip}/0: any IPv${ip.family} address`;
  const [start, end] = networkBounds(ip.family, ip.value, prefix);
  const hostBits =
    start !== ip.value ? ` (host bits set: the network is ${formatNetwork(ip.family, start)}/${prefix})` : '';
  return `${a.Ip}/${prefix}: ${classText(classesOfSpan(ip.family, start, end))}, ${sizeText(end - start + 1n)}${hostBits}`;
};

/** RFC 5952 text of an IPv6 value: lower case, the longest run of zero groups (two or more) as `::`. */
export const formatIPv6 = (value: bigint): string => {
  const groups = Array.from({ length: 8 }, (_, i) => (value >> BigInt(112 - 16 * i)) & 0xffffn);
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0n) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const text = groups.map((g) => g.toString(16));
  if (best.len < 2) return text.join(':');
  return `${text.slice(0, best.at).join(':')}::${text.slice(best.at + best.len).join(':')}`;
};

const formatNetwork = (family: Family, value: bigint): string =>
  family === 4 ? formatIPv4(value) : formatIPv6(value);

/** RFC 1918 (IPv4) or unique local (IPv6): the Request Add-on's `Private`. */
export const isPrivateAddress = (ip: string, prefix: number | undefined): boolean => {
  const parsed = parseIp(ip);
  if (parsed === undefined) return false;
  const bits = BITS[parsed.family];
  const [start, end] = networkBounds(parsed.family, parsed.value, prefix ?? bits);
  const classes = classesOfSpan(parsed.family, start, end);
  return classes.length === 1 && (classes[0] === 'private' || classes[0] === 'unique-local');
};
