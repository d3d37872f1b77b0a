import type { ParameterSpec, TriggerEvent } from '../../shared/model/index.ts';
import type { DecideResult, ParamsOf } from '../../shared/sdk/index.ts';
import { clip, defineIntegration } from '../../shared/sdk/index.ts';
import { PermanentError } from '../../shared/errors.ts';

const parameters = {
  taskName: {
    type: 'text',
    label: 'Task name',
    description: 'The name of the task SecureChange creates for the step, e.g. "Firewall team".',
    default: 'Firewall team',
  },
  participants: {
    type: 'text',
    label: 'Participants',
    mandatory: true,
    description: 'Comma-separated SecureChange user names who handle the task.',
  },
  assignmentMode: {
    type: 'choice',
    label: 'Assignment mode',
    choices: ['self', 'manual', 'auto'],
    default: 'self',
    description:
      'self: a participant takes the task; manual: the assigner picks a participant; auto: SecureChange assigns it.',
  },
  assigner: {
    type: 'text',
    label: 'Assigner',
    description: 'The SecureChange user name who assigns the task (manual mode only).',
  },
} as const satisfies Record<string, ParameterSpec>;

type AssignParams = ParamsOf<typeof parameters>;

const list = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * The assignment as the securechange source renders it (`<tasks>` XML): one
 * task with the configured participants. Access requests are not listed (the
 * ticket_info a script gets does not name them): the task handles the step.
 */
export const assignmentOf = (params: AssignParams): { tasks: Record<string, unknown>[] } => {
  const participants = list(params.participants);
  if (participants.length === 0) throw new PermanentError('parameter "participants": no user name given');
  const assigner = params.assigner?.trim() ?? '';
  if (params.assignmentMode === 'manual' && assigner === '') {
    throw new PermanentError('parameter "assigner" is needed when "assignmentMode" is manual');
  }
  return {
    tasks: [
      {
        name: params.taskName,
        participants,
        assignmentMode: params.assignmentMode,
        ...(params.assignmentMode === 'manual' ? { assigner } : {}),
      },
    ],
  };
};

const decideFor = (event: TriggerEvent, params: AssignParams): DecideResult => {
  // The Test button sends no ticket: the default task (an empty <tasks/>) is the harmless answer.
  if (!event.ticket) return { allow: true, message: 'no ticket: default task', output: { tasks: [] } };
  const output = assignmentOf(params);
  return {
    allow: true,
    message: `ticket ${clip(event.ticket.id)}: task "${params.taskName}" for ${list(params.participants).join(', ')}`,
    output,
  };
};

/**
 * SecureChange dynamic / pre-assignment (a decision job behind an assignment
 * mediator script): assigns the step to one task with fixed participants.
 * The smallest useful assignment, and the example to start your own rules from.
 */
export default defineIntegration({
  id: 'securechange-assign',
  name: 'SecureChange assignment',
  version: '1.0.0',
  description:
    'Answers a SecureChange dynamic assignment / pre-assignment script: one task with the configured participants.',
  parameters,
  decide: ({ event, params, logger }) => {
    const verdict = decideFor(event, params);
    logger.info(verdict.message);
    return verdict;
  },
  run: ({ event, params, logger }) => {
    const verdict = decideFor(event, params);
    logger.info(`would assign: ${verdict.message}`);
    return { message: verdict.message, output: verdict.output };
  },
});
