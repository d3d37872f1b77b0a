import { iso, lazy, object, string } from 'zod';
import type { infer as Infer } from 'zod';

export const SECURECHANGE_EVENTS = [
  'CREATE',
  'ADVANCE',
  'REDO',
  'RESUBMIT',
  'REOPEN',
  'RESOLVE',
  'CLOSE',
  'CANCEL',
  'REJECT',
  'AUTOMATION_FAILED',
  'PRE_ASSIGNMENT_SCRIPT',
  'TEST',
] as const;
export type SecureChangeEvent = (typeof SECURECHANGE_EVENTS)[number];

/** The normalized SecureChange ticket (`event.ticket`). Dates are ISO-8601. */
export const SecureChangeTicketSchema = lazy(() => {
  const Named = object({ id: string().optional(), name: string().optional() });
  return object({
    id: string(),
    subject: string().optional(),
    priority: string().optional(),
    status: string().optional(),
    domain: string().optional(),
    workflow: Named.optional(),
    requester: string().optional(),
    createDate: iso.datetime({ offset: true }).optional(),
    updateDate: iso.datetime({ offset: true }).optional(),
    currentStage: Named.extend({
      task: Named.extend({ status: string().optional() }).optional(),
      handler: string().optional(),
    }).optional(),
    openRequestStage: Named.optional(),
    completionStep: Named.optional(),
    comment: object({ type: string().optional(), content: string().optional() }).optional(),
  });
});
export type SecureChangeTicket = Infer<typeof SecureChangeTicketSchema>;
