import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runForTest } from '../../../shared/sdk/testing.ts';
import type { MockSecureChange } from '../../../test/helpers/mock-securechange.ts';
import { startMockSecureChange } from '../../../test/helpers/mock-securechange.ts';
import integration from '../index.ts';
import { hostAddresses, MAX_ITEMS } from './servicenow-cmdb.ts';

const SN_PASSWORD = 'sn-pass-77#Q';
const SYS_ID = 'a9c0c8d2c6112276018f7705562f9cb0';

/** A tiny ServiceNow Table API: cmdb_ci by ip_address, Basic auth checked. */
const startServiceNow = async (items: Record<string, Record<string, unknown>[]>, status = 200) => {
  const queries: { query: string; limit: string; fields: string; display: string; authorized: boolean }[] =
    [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sn');
    const authorized =
      req.headers.authorization === `Basic ${Buffer.from(`sn-reader:${SN_PASSWORD}`).toString('base64')}`;
    const query = url.searchParams.get('sysparm_query') ?? '';
    queries.push({
      query,
      limit: url.searchParams.get('sysparm_limit') ?? '',
      fields: url.searchParams.get('sysparm_fields') ?? '',
      display: url.searchParams.get('sysparm_display_value') ?? '',
      authorized,
    });
    res.setHeader('content-type', 'application/json');
    if (!authorized || url.pathname !== '/api/now/table/cmdb_ci') {
      res.statusCode = authorized ? 404 : 401;
      res.end(JSON.stringify({ error: { message: 'User Not Authenticated' }, status: 'failure' }));
      return;
    }
    res.statusCode = status;
    res.end(JSON.stringify({ result: items[query.replace(/^ip_address=/, '')] ?? [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    queries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

const run = async (sc: MockSecureChange, snUrl: string) =>
  runForTest(integration, {
    jobId: 'sc-enrich',
    event: { source: 'securechange', trigger: 'CREATE', ticket: { id: '446' } },
    params: {
      url: sc.url,
      username: 'sc-api',
      password: { secret: 'sc' },
      enrichers: ['servicenow-cmdb'],
      servicenowCmdbUrl: `${snUrl}/`,
      servicenowCmdbUsername: 'sn-reader',
      servicenowCmdbPassword: { secret: 'sn' },
    },
    secrets: { sc: 'sc-secret', sn: SN_PASSWORD },
  });

describe('servicenow-cmdb', () => {
  it('lists the configuration items whose ip_address is a host address of the ticket', async () => {
    // Prepare
    const sc = await startMockSecureChange();
    const sn = await startServiceNow({
      '8.8.8.8': [
        {
          sys_id: SYS_ID,
          sys_class_name: 'cmdb_ci_dns_server',
          name: 'dns-google',
          fqdn: 'dns.google',
          ip_address: '8.8.8.8',
          category: 'Hardware',
          assigned_to: 'Kevin Gallows',
          location: { display_value: 'Boston' },
          short_description: '',
        },
      ],
    });
    closers.push(sc.close, sn.close);

    // Act
    const outcome = await run(sc, sn.url);

    // Assess: the two /32s of the ticket are looked up (the /24s are networks), each once
    expect(outcome.status, outcome.error).toBe('succeeded');
    expect(sn.queries.map((q) => q.query)).toEqual(['ip_address=192.168.1.10', 'ip_address=8.8.8.8']);
    expect(
      sn.queries.every((q) => q.authorized && q.display === 'true' && q.limit === String(MAX_ITEMS + 1)),
    ).toBe(true);
    expect(sn.queries[0]?.fields).toContain('sys_class_name');
    expect(sc.comments[0]?.text).toBe(
      [
        '— ServiceNow CMDB —',
        'Configuration items by IP address (host addresses only; networks are not looked up):',
        '  192.168.1.10: no configuration item',
        '  8.8.8.8:',
        '    dns-google (cmdb_ci_dns_server)',
        '      FQDN: dns.google',
        '      Category: Hardware',
        '      Assigned to: Kevin Gallows',
        '      Location: Boston',
        `      Link: ${sn.url}/nav_to.do?uri=cmdb_ci_dns_server.do%3Fsys_id%3D${SYS_ID}`,
        '',
        '[triggerhub:enrichment:sc-enrich:1954]',
      ].join('\n'),
    );
    const everything = JSON.stringify([outcome.logs, sc.comments, outcome.output]);
    expect(everything).not.toContain(SN_PASSWORD);
  });

  it('fails as an enricher (named, without detail) when ServiceNow refuses the account', async () => {
    // Prepare
    const sc = await startMockSecureChange();
    const sn = await startServiceNow({});
    closers.push(sc.close, sn.close);

    // Act
    const outcome = await runForTest(integration, {
      jobId: 'sc-enrich',
      event: { source: 'securechange', trigger: 'CREATE', ticket: { id: '446' } },
      params: {
        url: sc.url,
        username: 'sc-api',
        password: { secret: 'sc' },
        servicenowCmdbUrl: sn.url,
        servicenowCmdbUsername: 'sn-reader',
        servicenowCmdbPassword: { secret: 'sn' },
      },
      secrets: { sc: 'sc-secret', sn: 'not-the-password' },
    });

    // Assess: every enricher ran by default; the CMDB one failed, the address classes are there
    expect(outcome.status).toBe('succeeded');
    const text = sc.comments[0]?.text ?? '';
    expect(text).toContain('— Address classes —');
    expect(text).toContain('ServiceNow CMDB: failed (see the run log)');
    expect(text).not.toContain('401');
    expect(outcome.logs.find((l) => l.level === 'ERROR')?.message).toContain(
      'enricher servicenow-cmdb failed: HTTPError',
    );
  });

  it('looks up host addresses only, each once, and says nothing when there is none', () => {
    const a = (Ip: string, Cidr: string, Kind: 'ip' | 'range' = 'ip') => ({
      Ip,
      Mask: '',
      Cidr,
      Private: false,
      Kind,
    });
    expect(
      hostAddresses([
        a('10.0.0.1', '32'),
        a('10.0.0.1', '32'),
        a('10.0.0.0', '24'),
        a('fd00::1', '128'),
        a('10.0.0.2', '', 'range'),
      ]),
    ).toEqual(['10.0.0.1', 'fd00::1']);
  });
});
