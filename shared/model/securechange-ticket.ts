import { extend, iso, lazy, object, optional, string } from './zod.ts';
import type { infer as Infer } from './zod.ts';

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
  const Named = object({ id: optional(string()), name: optional(string()) });
  return object({
    id: string(),
    subject: optional(string()),
    priority: optional(string()),
    status: optional(string()),
    domain: optional(string()),
    workflow: optional(Named),
    requester: optional(string()),
    createDate: optional(iso.datetime({ offset: true })),
    updateDate: optional(iso.datetime({ offset: true })),
    currentStage: optional(
      extend(Named, {
        task: optional(extend(Named, { status: optional(string()) })),
        handler: optional(string()),
      }),
    ),
    openRequestStage: optional(Named),
    completionStep: optional(Named),
    comment: optional(object({ type: optional(string()), content: optional(string()) })),
  });
});
export type SecureChangeTicket = Infer<typeof SecureChangeTicketSchema>;
