import { ValidationError } from '../errors.ts';
import type { Job } from '../model/index.ts';
import { clip } from '../sdk/text.ts';
import type { AnyIntegration } from '../sdk/types.ts';
import { ruleProblem } from '../tickets/rule.ts';
import type { TicketContextDeps } from '../tickets/ticket-context.ts';

/**
 * The target refused the job's configuration (`tickets.validate` answered
 * `success: false`, or threw): 400 `ticket_validation_failed`, the message
 * `<integration>: <the target's reason>` with every secret value redacted,
 * and the parameter at fault when the integration named one.
 */
export class TicketValidationError extends ValidationError {
  constructor(message: string, param?: string) {
    super(message, 'ticket_validation_failed', param);
    this.name = 'TicketValidationError';
  }
}

export interface TicketApplyOptions {
  /** `false` (`PUT …?verify=false`, `jobs apply --no-verify`): no call to the target. @default true */
  verify?: boolean;
  /** The request's signal: the target call ends with it. */
  signal?: AbortSignal;
  /** Overrides the admin deadline (tests). */
  deadlineMs?: number;
}

/**
 * Apply-time checks of a job with `tickets`, after the schema and parameter
 * checks and before anything is stored: the business rule compiles (400
 * `invalid_rule`); the integration is a ticket integration (400
 * `not_a_ticket_integration`); then, unless `verify` is false, its
 * `tickets.validate` with a context built as a run's (parameters resolved,
 * `ctx.http` with the job's egress rules): a refusal or a throw is 400
 * `ticket_validation_failed` with the target's reason, never a secret.
 */
export const checkTicketJob = async (
  deps: Pick<TicketContextDeps, 'clock'> &
    Partial<TicketContextDeps> & { registry: { get(id: string): AnyIntegration | undefined } },
  job: Job,
  options: TicketApplyOptions = {},
): Promise<void> => {
  const tickets = job.tickets;
  if (tickets === undefined) return;
  if (tickets.rule !== undefined) {
    const problem = ruleProblem(tickets.rule);
    if (problem !== undefined) {
      throw new ValidationError(`invalid job: tickets.rule: ${clip(problem, 500)}`, 'invalid_rule');
    }
  }
  const integration = job.integration === undefined ? undefined : deps.registry.get(job.integration);
  const plugin = integration?.tickets;
  if (integration === undefined || plugin === undefined) {
    throw new ValidationError(
      `invalid job: tickets: integration "${job.integration ?? ''}" is not a ticket integration (it has no tickets contract)`,
      'not_a_ticket_integration',
    );
  }
  if (options.verify === false) return;
  const { secrets, globals } = deps;
  if (secrets === undefined || globals === undefined) {
    throw new Error('checking a ticket job with its target needs the secret store and the globals');
  }
  const id = integration.manifest.id;
  const { ticketContextFor } = await import('../tickets/ticket-context.ts');
  // A missing secret is the ValidationError `invalid_params` naming the parameter: a plain 400 of its own.
  const ctx = await ticketContextFor({ secrets, globals, clock: deps.clock }, job, integration, {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
  });
  try {
    let result;
    try {
      result = await plugin.validate(ctx);
    } catch (e) {
      const reason = ctx.reasonOf(e);
      throw new TicketValidationError(`${id}: ${reason}`);
    }
    if (!result.success) {
      throw new TicketValidationError(
        `${id}: ${ctx.redact(result.message === '' ? 'refused by the target' : result.message)}`,
        result.param,
      );
    }
  } finally {
    ctx.close();
  }
};
