import { describe, expect, it } from 'vitest';
import secureChangeTicketGate, { ticketViolations } from './index.ts';
import { JobSchema, type TriggerEvent } from '../../shared/model/index.ts';
import { RunLogger, resolveParams, type AnyIntegration } from '../../shared/sdk/index.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { resetLogFormat, useLocalLogFormat } from '../../shared/runtime/platform-logger.ts';
import { memoryDeps } from '../../test/helpers/memory-deps.ts';
import { readSample } from '../../test/helpers/samples.ts';
import { contextOutsideRun } from '../../shared/runtime/toolbox/index.ts';

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

  it('fails permanently on a pattern RE2 refuses (a backreference), as a stored job from before the check would', () => {
    expect(() => ticketViolations(ticket, { subjectPattern: '(a)\\1', allowTestButton: true })).toThrow(
      /^parameter "subjectPattern": pattern .*not a valid RE2 regular expression/,
    );
  });

  it('matches a catastrophic-backtracking pattern in linear time (RE2), with the right answer', () => {
    // With RegExp this input takes longer than the test's time-out; RE2 answers at once.
    const subject = `${'a'.repeat(40)}!`;
    expect(
      ticketViolations({ ...ticket, subject }, { subjectPattern: '^(a+)+$', allowTestButton: true }),
    ).toEqual([`subject "${subject}" does not match ^(a+)+$`]);
    expect(
      ticketViolations(
        { ...ticket, subject: 'a'.repeat(40) },
        { subjectPattern: '^(a+)+$', allowTestButton: true },
      ),
    ).toEqual([]);
  });

  it('denies a ticket without a subject when a pattern is set, even one that matches nothing', () => {
    const { subject: _subject, ...noSubject } = ticket;
    expect(ticketViolations(noSubject, { subjectPattern: '.*', allowTestButton: true })).toEqual([
      'the ticket has no subject, and subjects must match .*',
    ]);
  });

  it('declares subjectPattern as a regex parameter', () => {
    expect(secureChangeTicketGate.manifest.parameters.subjectPattern).toMatchObject({
      type: 'text',
      format: 'regex',
    });
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

  it('answers the Test button (empty ticket_info) with success: no ticket is approved, the wiring is shown to work', async () => {
    const verdict = await post(await setup(), '<ticket_info/>');
    expect(verdict).toMatchObject({
      result: 'success',
      message: 'test from SecureChange received: no ticket to validate',
    });
  });

  it('answers the Test button with failure when allowTestButton is off', async () => {
    const deps = await setup();
    const job = await deps.jobs.get('sc-validate');
    if (!job) throw new Error('no job');
    await deps.jobs.put({ ...job, params: { ...job.params, allowTestButton: false } });
    const verdict = await post(deps, '<ticket_info/>');
    expect(verdict).toMatchObject({
      result: 'failure',
      message: 'test from SecureChange: no ticket to validate (allowTestButton is off)',
    });
  });

  it('denies an event with no ticket from any other source (a generic job pointed at the gate)', async () => {
    const deps = memoryDeps({ secrets: { sc: ['sc-secret-1'] } });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'gen',
        name: 'Generic',
        integration: secureChangeTicketGate.manifest.id,
        mode: 'decision',
        onError: 'allow',
        auth: { secret: 'sc' },
      }),
    );
    const answer = await ingest(deps, {
      jobId: 'gen',
      body: '{"trigger":"TEST"}',
      headers: { 'content-type': 'application/json', 'x-shared-secret': 'sc-secret-1' },
      query: { event: 'TEST' },
    });
    if (answer.kind !== 'verdict') throw new Error('expected a verdict');
    // The generic source answers {allow, message}.
    expect(JSON.parse(answer.response.body)).toMatchObject({
      allow: false,
      message: 'no SecureChange ticket in this generic/TEST event: nothing to validate, so it is denied',
    });
  });

  it("keeps every log line and the verdict small for a 1 MB subject (the review's reproduction)", async () => {
    // Prepare: the platform's log as npm start prints it
    const printed: string[] = [];
    useLocalLogFormat('text', (line) => printed.push(line));
    const xml = readSample('tufin-securechange/pytos/pytos_testsecurechangehelper_ticket.xml').replace(
      '<subject>Ticket 445</subject>',
      `<subject>${'a'.repeat(1_000_000)}</subject>`,
    );

    // Act
    let verdict: { result: string; message: string };
    try {
      verdict = await post(await setup(), xml);
    } finally {
      resetLogFormat();
    }

    // Assess
    expect(verdict.result).toBe('failure');
    expect(verdict.message).toBe(
      `ticket 445: subject ${JSON.stringify(`${'a'.repeat(200)}…`)} does not match ^Ticket \\d+$`,
    );
    expect(printed.some((l) => l.includes('denied: ticket 445: subject "aaa'))).toBe(true);
    for (const line of printed) expect(line.length).toBeLessThan(2_000);
  });

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

describe('securechange-ticket-gate echoes at most 200 characters of what it was sent', () => {
  const huge = 'a'.repeat(1_000_000);
  const decideOn = async (ticketFields: Record<string, string>) => {
    const { params } = await resolveParams(
      secureChangeTicketGate.manifest,
      { allowedRequesters: 'tzachi', subjectPattern: '^CHG\\d+', allowedPriorities: ['Normal'] },
      { getVersions: () => Promise.resolve([]) },
    );
    const logger = new RunLogger({ runId: 'r-1', jobId: 'sc', clock: { now: () => new Date(0) } });
    const event: TriggerEvent = {
      source: 'securechange',
      trigger: 'ADVANCE',
      deliveryId: 'd-1',
      receivedAt: '2026-11-22T10:00:00.000Z',
      headers: {},
      query: {},
      payload: {},
      ticket: { id: '7', ...ticketFields },
    };
    const decide = (secureChangeTicketGate as AnyIntegration).decide;
    if (!decide) throw new Error('no decide');
    const verdict = await decide({
      event,
      params,
      logger,
      signal: new AbortController().signal,
      runId: 'r-1',
      jobId: 'sc',
      ...contextOutsideRun(),
    });
    return { verdict, lines: logger.lines.map((l) => l.message) };
  };

  it('quotes a 1 MB subject, requester and priority clipped, in the verdict and in every log line', async () => {
    // Act
    const { verdict, lines } = await decideOn({ subject: huge, requester: huge, priority: huge });

    // Assess
    const clipped = JSON.stringify(`${'a'.repeat(200)}…`);
    expect(verdict.allow).toBe(false);
    expect(verdict.message).toBe(
      `ticket 7: requester ${clipped} is not allowed; subject ${clipped} does not match ^CHG\\d+; ` +
        `priority ${clipped} is not one of Normal`,
    );
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.length).toBeLessThan(1_000);
    expect(lines[0]).toContain(`"subject":"${'a'.repeat(200)}…"`);
  });

  it('clips a 1 MB ticket id in the verdict', async () => {
    // Act
    const { verdict } = await decideOn({
      id: huge,
      subject: 'CHG1',
      requester: 'tzachi',
      priority: 'Normal',
    });

    // Assess
    expect(verdict).toMatchObject({ allow: true, message: `ticket ${'a'.repeat(200)}… passes validation` });
  });
});
