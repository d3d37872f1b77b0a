import { describe, expect, it } from 'vitest';
import {
  secureChangeTicketGate,
  ticketViolations,
} from '../../integrations/securechange-ticket-gate/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { readSample } from '../helpers/samples.ts';

const ticket = { id: '445', subject: 'Ticket 445', requester: 'tzachi', priority: 'Normal' };

describe('securechange-ticket-gate rules', () => {
  it('allows a ticket that breaks no rule', () => {
    expect(
      ticketViolations(ticket, {
        allowedRequesters: 'tzachi, api',
        subjectPattern: '^Ticket \\d+$',
        allowedPriorities: ['Normal'],
        allowTestButton: true,
      }),
    ).toEqual([]);
  });

  it('names each violation', () => {
    expect(
      ticketViolations(ticket, {
        allowedRequesters: 'alice',
        subjectPattern: '^CHG\\d+',
        allowedPriorities: ['High'],
        allowTestButton: true,
      }),
    ).toEqual([
      'requester "tzachi" is not allowed',
      'subject "Ticket 445" does not match ^CHG\\d+',
      'priority "Normal" is not one of High',
    ]);
  });

  it('fails permanently on a bad pattern', () => {
    expect(() => ticketViolations(ticket, { subjectPattern: '(', allowTestButton: true })).toThrow(
      /subjectPattern/,
    );
  });
});

describe('securechange-ticket-gate as a SecureChange validation job', () => {
  const setup = async () => {
    const deps = memoryDeps({ secrets: { sc: ['sc-secret-1'] } });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'sc-validate',
        name: 'Validate',
        integration: secureChangeTicketGate.manifest.id,
        source: 'securechange',
        mode: 'decision',
        auth: { secret: 'sc' },
        params: { allowedRequesters: 'tzachi', subjectPattern: '^Ticket \\d+$' },
      }),
    );
    return deps;
  };
  const post = async (deps: Awaited<ReturnType<typeof setup>>, body: string) => {
    const answer = await ingest(deps, {
      jobId: 'sc-validate',
      body,
      headers: {
        'content-type': 'application/xml',
        'x-shared-secret': 'sc-secret-1',
        'x-scw-event': 'ADVANCE',
      },
      query: {},
    });
    if (answer.kind !== 'verdict') throw new Error('expected a verdict');
    return JSON.parse(answer.response.body) as { result: string; message: string };
  };

  it('answers success for a ticket by an allowed requester (sample ticket 445)', async () => {
    const verdict = await post(
      await setup(),
      readSample('tufin-securechange/pytos/pytos_testsecurechangehelper_ticket.xml'),
    );
    expect(verdict).toMatchObject({ result: 'success', message: 'ticket 445 passes validation' });
  });

  it('answers failure naming the violation otherwise (sample server decommission ticket)', async () => {
    const verdict = await post(
      await setup(),
      readSample('tufin-securechange/pytos/pytos_testsecurechangehelper_server_decomm_ticket.xml'),
    );
    expect(verdict.result).toBe('failure');
    expect(verdict.message).toContain('subject "Server Decomm Ticket" does not match ^Ticket \\d+$');
  });
});
