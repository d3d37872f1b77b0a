import { z } from 'zod';

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

const Named = z.object({ id: z.string().optional(), name: z.string().optional() });

/** The normalized SecureChange ticket (`event.ticket`). Dates are ISO-8601. */
export const SecureChangeTicketSchema = z.object({
  id: z.string(),
  subject: z.string().optional(),
  priority: z.string().optional(),
  status: z.string().optional(),
  domain: z.string().optional(),
  workflow: Named.optional(),
  requester: z.string().optional(),
  createDate: z.iso.datetime({ offset: true }).optional(),
  updateDate: z.iso.datetime({ offset: true }).optional(),
  currentStage: Named.extend({
    task: Named.extend({ status: z.string().optional() }).optional(),
    handler: z.string().optional(),
  }).optional(),
  openRequestStage: Named.optional(),
  completionStep: Named.optional(),
  comment: z.object({ type: z.string().optional(), content: z.string().optional() }).optional(),
});
export type SecureChangeTicket = z.infer<typeof SecureChangeTicketSchema>;
