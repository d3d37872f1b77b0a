import { describe, expect, it } from 'vitest';
import type { TicketAddress } from '../../shared/sdk/index.ts';
import {
  classesOfSpan,
  describeAddress,
  formatIPv6,
  parseIPv4,
  parseIPv6,
  prefixOfMask,
  sizeText,
} from './addresses.ts';

const ip = (Ip: string, Cidr: string): TicketAddress => ({ Ip, Mask: '', Cidr, Private: false, Kind: 'ip' });

describe('describeAddress', () => {
  it.each([
    ['10.20.30.0', '24', '10.20.30.0/24: private (RFC 1918), 256 addresses'],
    ['172.31.255.255', '32', '172.31.255.255/32: private (RFC 1918), 1 address'],
    ['192.168.0.0', '16', '192.168.0.0/16: private (RFC 1918), 65,536 addresses'],
    ['8.8.8.8', '32', '8.8.8.8/32: public, 1 address'],
    ['123.123.123.0', '24', '123.123.123.0/24: public, 256 addresses'],
    ['127.0.0.1', '32', '127.0.0.1/32: loopback, 1 address'],
    ['169.254.10.0', '24', '169.254.10.0/24: link-local, 256 addresses'],
    ['100.64.1.0', '24', '100.64.1.0/24: carrier-grade NAT shared space (RFC 6598), 256 addresses'],
    ['224.0.0.251', '32', '224.0.0.251/32: multicast, 1 address'],
    ['192.0.2.0', '24', '192.0.2.0/24: documentation (never routed), 256 addresses'],
    ['255.255.255.255', '32', '255.255.255.255/32: limited broadcast, 1 address'],
    ['0.0.0.0', '0', '0.0.0.0/0: any IPv4 address'],
    ['10.0.0.0', '7', '10.0.0.0/7: mixed: public + private (RFC 1918), 33,554,432 addresses'],
    [
      '10.1.2.3',
      '24',
      '10.1.2.3/24: private (RFC 1918), 256 addresses (host bits set: the network is 10.1.2.0/24)',
    ],
    ['fe80::1', '64', 'fe80::1/64: link-local, 2^64 addresses (host bits set: the network is fe80::/64)'],
    ['fd12:3456::', '48', 'fd12:3456::/48: unique local (fc00::/7, private), 2^80 addresses'],
    ['2001:4860::8888', '128', '2001:4860::8888/128: public, 1 address'],
    ['::1', '128', '::1/128: loopback, 1 address'],
    ['ff02::1', '128', 'ff02::1/128: multicast, 1 address'],
    ['nonsense', '32', 'nonsense: not an IP address'],
  ])('%s/%s', (address, cidr, expected) => {
    expect(describeAddress(ip(address, cidr))).toBe(expected);
  });

  it('says plainly what is not one address or network', () => {
    const none = { Ip: '', Mask: '', Cidr: '', Private: false } as const;
    expect(describeAddress({ ...none, Kind: 'any' })).toBe('any: every address');
    expect(describeAddress({ ...none, Kind: 'dns', Name: 'www.example.com' })).toBe(
      'www.example.com: a DNS name (not resolved)',
    );
    expect(describeAddress({ ...none, Kind: 'object', Name: 'grp' })).toBe('object grp: no address given');
    expect(describeAddress({ ...none, Kind: 'other', Name: 'internet' })).toBe('internet: not an address');
    expect(describeAddress({ ...none, Kind: 'range', Ip: '10.0.0.1', LastIp: '10.0.0.10' })).toBe(
      '10.0.0.1–10.0.0.10: private (RFC 1918), 10 addresses',
    );
    expect(describeAddress({ ...none, Kind: 'range', Ip: '9.255.255.250', LastIp: '10.0.0.5' })).toBe(
      '9.255.255.250–10.0.0.5: mixed: public + private (RFC 1918), 12 addresses',
    );
    expect(describeAddress({ ...none, Kind: 'range', Ip: '10.0.0.5', LastIp: '10.0.0.1' })).toBe(
      '10.0.0.5–10.0.0.1: not a valid address range',
    );
    expect(
      describeAddress({ Ip: '10.0.0.1', Mask: '255.0.255.0', Cidr: '', Private: true, Kind: 'ip' }),
    ).toBe('10.0.0.1 mask 255.0.255.0: private (RFC 1918) (the mask is not a prefix: size unknown)');
    expect(
      describeAddress({
        Ip: '8.8.4.4',
        Mask: '',
        Cidr: '32',
        Private: false,
        Kind: 'dns',
        Name: 'dns.google',
      }),
    ).toBe('dns.google: a DNS name → 8.8.4.4/32: public, 1 address');
  });
});

describe('address arithmetic', () => {
  it('parses strictly', () => {
    expect(parseIPv4('010.0.0.1')).toBeUndefined();
    expect(parseIPv4('256.0.0.1')).toBeUndefined();
    expect(parseIPv6('1::2::3')).toBeUndefined();
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIPv6('::ffff:10.0.0.1')).toBe(0xffff0a000001n);
    expect(formatIPv6(parseIPv6('2001:db8:0:0:1:0:0:1') ?? 0n)).toBe('2001:db8::1:0:0:1');
    expect(prefixOfMask('255.255.255.128')).toBe(25);
    expect(prefixOfMask('0.0.0.0')).toBe(0);
    expect(prefixOfMask('255.0.255.0')).toBeUndefined();
  });

  it('names only the classes a span touches', () => {
    const v4 = (s: string) => parseIPv4(s) ?? 0n;
    // 10.0.0.0–10.255.255.255 is wholly private; 0.0.0.0/0 touches everything
    expect(classesOfSpan(4, v4('10.0.0.0'), v4('10.255.255.255'))).toEqual(['private']);
    expect(classesOfSpan(4, v4('127.0.0.0'), v4('127.255.255.255'))).toEqual(['loopback']);
    expect(classesOfSpan(4, 0n, v4('255.255.255.255')).length).toBeGreaterThan(8);
    expect(sizeText(1n << 32n)).toBe('4,294,967,296 addresses');
    expect(sizeText((1n << 64n) + 1n)).toBe('18,446,744,073,709,551,617 addresses');
  });
});
