import type { ParameterSpec, SecureChangeTicket, TriggerEvent } from '../../shared/model/index.ts';
import type { DecideResult, ParamsOf } from '../../shared/sdk/index.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { PermanentError } from '../../shared/errors.ts';

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
      'A regular expression the ticket subject must match, e.g. a change number: ^CHG\\d+ . Empty: any.',
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
    description: "SecureChange's Test button sends an empty ticket_info: answer success to it.",
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
        : `requester "${ticket.requester}" is not allowed`,
    );
  }
  if (params.subjectPattern !== undefined && params.subjectPattern.trim() !== '') {
    let pattern: RegExp;
    try {
      pattern = new RegExp(params.subjectPattern);
    } catch {
      throw new PermanentError(`parameter "subjectPattern": not a valid regular expression`);
    }
    if (!pattern.test(ticket.subject ?? '')) {
      violations.push(`subject "${ticket.subject ?? ''}" does not match ${params.subjectPattern}`);
    }
  }
  const priorities = params.allowedPriorities ?? [];
  if (priorities.length > 0 && !priorities.includes(ticket.priority ?? '')) {
    violations.push(`priority "${ticket.priority ?? 'none'}" is not one of ${priorities.join(', ')}`);
  }
  return violations;
};

const verdictOf = (event: TriggerEvent, params: TicketGateParams): DecideResult => {
  if (!event.ticket) {
    return event.trigger === 'TEST' && params.allowTestButton
      ? { allow: true, message: 'test from SecureChange received' }
      : { allow: false, message: 'no ticket in the request: is the job source securechange?' };
  }
  const violations = ticketViolations(event.ticket, params);
  return violations.length === 0
    ? { allow: true, message: `ticket ${event.ticket.id} passes validation`, output: { violations } }
    : {
        allow: false,
        message: `ticket ${event.ticket.id}: ${violations.join('; ')}`,
        output: { violations },
      };
};

/**
 * SecureChange ticket validation (a decision job behind a validation or risk
 * mediator script): allowed requesters, a subject pattern, allowed priorities.
 */
export const secureChangeTicketGate = defineIntegration({
  id: 'securechange-ticket-gate',
  name: 'SecureChange ticket gate',
  version: '1.0.0',
  description:
    'Validates a SecureChange ticket: requester, subject pattern and priority rules; the verdict names each violation.',
  parameters,
  decide: ({ event, params, logger }) => {
    if (event.ticket) logger.info(`ticket: ${JSON.stringify(event.ticket)}`);
    const verdict = verdictOf(event, params);
    logger.info(`${verdict.allow ? 'allowed' : 'denied'}: ${verdict.message}`);
    return verdict;
  },
  run: ({ event, params, logger }) => {
    if (event.ticket) logger.info(`ticket: ${JSON.stringify(event.ticket)}`);
    const verdict = verdictOf(event, params);
    logger.info(`${verdict.allow ? 'would allow' : 'would deny'}: ${verdict.message}`);
    return { message: verdict.message, output: { allow: verdict.allow, ...(verdict.output as object) } };
  },
});
