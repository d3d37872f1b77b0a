import type { ParameterSpec, SecureChangeTicket, TriggerEvent } from '../../shared/model/index.ts';
import type { DecideResult, ParamsOf } from '../../shared/sdk/index.ts';
import { clip, compilePattern, defineIntegration, quote } from '../../shared/sdk/index.ts';
import { PermanentError, ValidationError } from '../../shared/errors.ts';

const parameters = {
  allowedRequesters: {
    type: 'text',
    label: 'Allowed requesters',
    description:
      'Comma-separated SecureChange user names who may open tickets on this workflow. Empty: anyone.',
  },
  subjectPattern: {
    type: 'text',
    label: 'Subject pattern',
    description:
      'A regular expression (RE2 syntax: no backreferences or lookaround) the ticket subject must match, e.g. a change number: ^CHG\\d+ . Empty: any.',
    format: 'regex',
  },
  allowedPriorities: {
    type: 'multichoice',
    label: 'Allowed priorities',
    choices: ['Low', 'Normal', 'High', 'Critical'],
    description: 'Deny tickets of any other priority. Empty: any.',
  },
  allowTestButton: {
    type: 'boolean',
    label: 'Allow the Test button',
    description:
      "SecureChange's Test button sends an empty ticket_info (no ticket, so nothing is approved): answer success to it, so the Test shows the script is wired right.",
    default: true,
  },
} as const satisfies Record<string, ParameterSpec>;

type TicketGateParams = ParamsOf<typeof parameters>;

const list = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Each rule in order; the message names every violation. */
export const ticketViolations = (ticket: SecureChangeTicket, params: TicketGateParams): string[] => {
  const violations: string[] = [];
  const requesters = list(params.allowedRequesters);
  if (requesters.length > 0 && !requesters.includes(ticket.requester ?? '')) {
    violations.push(
      ticket.requester === undefined
        ? 'the ticket names no requester, and only named requesters are allowed'
        : `requester ${quote(ticket.requester)} is not allowed`,
    );
  }
  if (params.subjectPattern !== undefined && params.subjectPattern.trim() !== '') {
    let pattern;
    try {
      // RE2: linear time, whatever the operator wrote (checked when the job was saved, too).
      pattern = compilePattern(params.subjectPattern);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      throw new PermanentError(`parameter "subjectPattern": ${e.message}`);
    }
    if (ticket.subject === undefined) {
      violations.push(`the ticket has no subject, and subjects must match ${clip(params.subjectPattern)}`);
    } else if (!pattern.test(ticket.subject)) {
      violations.push(`subject ${quote(ticket.subject)} does not match ${clip(params.subjectPattern)}`);
    }
  }
  const priorities = params.allowedPriorities ?? [];
  if (priorities.length > 0 && !priorities.includes(ticket.priority ?? '')) {
    violations.push(`priority ${quote(ticket.priority ?? 'none')} is not one of ${priorities.join(', ')}`);
  }
  return violations;
};

const verdictOf = (event: TriggerEvent, params: TicketGateParams): DecideResult => {
  if (!event.ticket) {
    // The Test button's empty <ticket_info/> carries no ticket, so answering success approves nothing:
    // it tells the admin that the mediator, URL and secret work. Anything else without a ticket is denied.
    if (event.source === 'securechange' && event.trigger === 'TEST') {
      return params.allowTestButton
        ? { allow: true, message: 'test from SecureChange received: no ticket to validate' }
        : { allow: false, message: 'test from SecureChange: no ticket to validate (allowTestButton is off)' };
    }
    return {
      allow: false,
      message: `no SecureChange ticket in this ${event.source}/${event.trigger} event: nothing to validate, so it is denied`,
    };
  }
  const violations = ticketViolations(event.ticket, params);
  const id = clip(event.ticket.id);
  return violations.length === 0
    ? { allow: true, message: `ticket ${id} passes validation`, output: { violations } }
    : {
        allow: false,
        message: `ticket ${id}: ${violations.join('; ')}`,
        output: { violations },
      };
};

/**
 * The ticket as one log line: its JSON with every text clipped to 200
 * characters, so a 1 MB subject cannot make a 1 MB line (the ticket has a
 * fixed set of fields, so the line is bounded).
 */
const ticketLine = (ticket: SecureChangeTicket): string =>
  `ticket: ${JSON.stringify(ticket, (_k, v: unknown) => (typeof v === 'string' ? clip(v) : v))}`;

/**
 * SecureChange ticket validation (a decision job behind a validation or risk
 * mediator script): allowed requesters, a subject pattern, allowed priorities.
 */
export default defineIntegration({
  id: 'securechange-ticket-gate',
  name: 'SecureChange ticket gate',
  version: '1.0.0',
  description:
    'Validates a SecureChange ticket: requester, subject pattern and priority rules; the verdict names each violation.',
  parameters,
  decide: ({ event, params, logger }) => {
    if (event.ticket) logger.info(ticketLine(event.ticket));
    const verdict = verdictOf(event, params);
    logger.info(`${verdict.allow ? 'allowed' : 'denied'}: ${verdict.message}`);
    return verdict;
  },
  run: ({ event, params, logger }) => {
    if (event.ticket) logger.info(ticketLine(event.ticket));
    const verdict = verdictOf(event, params);
    logger.info(`${verdict.allow ? 'would allow' : 'would deny'}: ${verdict.message}`);
    return { message: verdict.message, output: { allow: verdict.allow, ...(verdict.output as object) } };
  },
});
