import { describe, expect, it } from 'vitest';
import { SAMPLE_TICKETS, ticketJsonOf } from '../../test/helpers/mock-securechange.ts';
import { readSample } from '../../test/helpers/samples.ts';
import { addressOf, parseTicket, serviceOf } from './ticket-info.ts';

const sample = (id: string) => ({
  ticket: ticketJsonOf(readSample(SAMPLE_TICKETS[id] ?? ''), id),
});

describe('parseTicket', () => {
  it('builds the Request Add-on ticket_info from the pytos access-request ticket', () => {
    // Act
    const { info, step } = parseTicket(sample('445'), 0);

    // Assess: exactly the Add-on's keys, from the current step's access request
    expect(info).toEqual({
      Id: 445,
      Subject: 'Ticket 445',
      WorkflowName: 'Access Request Add Targets',
      Requester: 'tzachi',
      RequesterId: 3,
      Status: 'In Progress',
      Comments: '',
      Requests: [
        {
          Sources: [{ Ip: '123.123.123.0', Mask: '255.255.255.0', Cidr: '24', Private: false, Kind: 'ip' }],
          Destinations: [{ Ip: '8.8.8.0', Mask: '255.255.255.0', Cidr: '24', Private: false, Kind: 'ip' }],
          Services: [{ Protocol: 'TCP', Min: '54', Max: '54' }],
        },
      ],
    });
    expect(step).toEqual({
      id: '1954',
      name: 'Technical Design',
      tasks: [
        {
          id: '2021',
          status: 'ASSIGNED',
          textFields: [{ id: '55810', name: 'text field', type: 'text_field', text: '' }],
        },
      ],
    });
  });

  it('reads the current step’s own (edited) request, with private addresses marked', () => {
    // Act
    const { info, step } = parseTicket(sample('446'), 0);

    // Assess
    expect(info.Id).toBe(446);
    expect(info.Requests[0]?.Sources).toEqual([
      { Ip: '10.20.30.0', Mask: '255.255.255.0', Cidr: '24', Private: true, Kind: 'ip' },
      { Ip: '192.168.1.10', Mask: '255.255.255.255', Cidr: '32', Private: true, Kind: 'ip' },
    ]);
    expect(info.Requests[0]?.Destinations.map((d) => [d.Ip, d.Cidr, d.Private])).toEqual([
      ['8.8.8.8', '32', false],
      ['100.64.1.0', '24', false],
    ]);
    expect(step?.tasks[0]?.textFields.map((f) => f.name)).toEqual(['text field', 'Enrichment']);
  });

  it('builds the requests of a server-decommission ticket from its servers', () => {
    // Act
    const { info, step } = parseTicket(sample('557'), 0);

    // Assess
    expect(info.Id).toBe(557);
    expect(info.WorkflowName).toBe('Server Decomm');
    expect(info.Requests).toEqual([
      {
        Sources: [{ Ip: '1.1.1.1', Mask: '255.255.255.255', Cidr: '32', Private: false, Kind: 'ip' }],
        Destinations: [],
        Services: [],
      },
    ]);
    expect(step?.id).toBe('2499');
  });

  it('accepts arrays where the samples have single objects, ids as text, and joins the comments', () => {
    // Prepare: the shape with every repeated element an array and every value text
    const ticket = {
      id: '9',
      subject: 'x',
      requester_id: '',
      comments: { comment: [{ content: 'first' }, { content: { '#text': 'second' } }] },
      steps: {
        step: [
          {
            id: '1',
            name: 'Open',
            tasks: {
              task: [
                {
                  id: '11',
                  fields: {
                    field: [
                      {
                        '@xsi:type': 'multi_access_request',
                        access_request: [
                          {
                            sources: {
                              source: [
                                { '@type': 'ANY' },
                                { '@type': 'RANGE', range_first_ip: '10.0.0.1', range_last_ip: '10.0.0.9' },
                              ],
                            },
                            destinations: { destination: [{ '@type': 'DNS', host_name: 'www.example.com' }] },
                            services: {
                              service: [
                                { '@type': 'ANY' },
                                { '@type': 'PROTOCOL', protocol: 'udp', port: '1000-2000' },
                              ],
                            },
                          },
                        ],
                      },
                    ],
                  },
                },
              ],
            },
          },
          { id: '2', name: 'Approve', tasks: { task: [{ id: '21', status: 'DONE', fields: '' }] } },
        ],
      },
      current_step: { id: '2' },
    };

    // Act
    const { info, step } = parseTicket(ticket, 0);

    // Assess: the requests come from the earlier step; the comment goes to the current one
    expect(info.Id).toBe(9);
    expect(info.RequesterId).toBeNull();
    expect(info.Comments).toBe('first\nsecond');
    expect(info.Requests[0]?.Sources.map((s) => s.Kind)).toEqual(['any', 'range']);
    expect(info.Requests[0]?.Sources[1]).toMatchObject({ Ip: '10.0.0.1', LastIp: '10.0.0.9', Private: true });
    expect(info.Requests[0]?.Destinations[0]).toMatchObject({ Kind: 'dns', Name: 'www.example.com', Ip: '' });
    expect(info.Requests[0]?.Services).toEqual([
      { Protocol: 'ANY', Min: '', Max: '' },
      { Protocol: 'UDP', Min: '1000', Max: '2000' },
    ]);
    expect(step).toEqual({ id: '2', name: 'Approve', tasks: [{ id: '21', status: 'DONE', textFields: [] }] });
  });

  it('survives a body that is no ticket at all', () => {
    expect(parseTicket('nonsense', 7)).toEqual({
      info: {
        Id: 7,
        Subject: '',
        WorkflowName: '',
        Requester: '',
        RequesterId: null,
        Status: '',
        Comments: '',
        Requests: [],
      },
    });
  });
});

describe('addressOf and serviceOf', () => {
  it('reads each kind SecureChange sends', () => {
    expect(addressOf({ '@type': 'IP', ip_address: '10.1.1.0/24' })).toMatchObject({
      Ip: '10.1.1.0',
      Cidr: '24',
      Mask: '255.255.255.0',
      Private: true,
    });
    expect(addressOf({ '@type': 'IP', ip_address: '10.1.1.0', cidr: 16 })).toMatchObject({
      Mask: '255.255.0.0',
      Cidr: '16',
    });
    expect(addressOf({ '@type': 'IP', ip_address: '10.1.1.1' })).toMatchObject({
      Mask: '255.255.255.255',
      Cidr: '32',
    });
    expect(addressOf({ '@type': 'IP', ip_address: '10.1.1.0', netmask: '255.0.255.0' })).toMatchObject({
      Cidr: '',
    });
    expect(addressOf({ '@type': 'IP', ip_address: 'fd00::1' })).toMatchObject({
      Mask: '',
      Cidr: '128',
      Private: true,
    });
    expect(addressOf({ '@type': 'IP', ip_address: '2001:db8::/32' })).toMatchObject({
      Cidr: '32',
      Private: false,
    });
    expect(
      addressOf({
        '@type': 'DNS',
        host_name: 'a.example',
        dns_ip_addresses: { ip_address: ['192.168.0.5'] },
      }),
    ).toMatchObject({
      Kind: 'dns',
      Ip: '192.168.0.5',
      Cidr: '32',
      Private: true,
    });
    expect(
      addressOf({ '@type': 'Object', object_name: 'web', object_details: '172.16.0.0/255.240.0.0' }),
    ).toMatchObject({
      Kind: 'object',
      Name: 'web',
      Cidr: '12',
      Private: true,
    });
    expect(addressOf({ '@type': 'Object', object_name: 'group' })).toMatchObject({ Kind: 'object', Ip: '' });
    expect(addressOf({ '@type': 'INTERNET' })).toMatchObject({ Kind: 'other', Name: 'internet' });
    expect(addressOf({ '@type': 'LDAP_ENTITY', ldap_entity_name: 'CN=ops' })).toMatchObject({
      Kind: 'other',
      Name: 'CN=ops',
    });
    expect(
      serviceOf({ '@type': 'PREDEFINED', protocol: 'TCP', port: 443, predefined_name: 'https' }),
    ).toEqual({
      Protocol: 'TCP',
      Min: '443',
      Max: '443',
      Name: 'https',
    });
    expect(serviceOf({ '@type': 'APPLICATION_IDENTITY', application_name: 'Facebook' })).toMatchObject({
      Protocol: 'APPLICATION',
      Name: 'Facebook',
    });
  });
});
