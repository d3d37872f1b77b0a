import { enum as zEnum, iso, lazy, maxLength, optional, strictObject, string } from './zod.ts';
import type { infer as Infer } from './zod.ts';

export const SEVERITIES = ['info', 'warn', 'error'] as const;
export const NOTIFICATION_KINDS = [
  'integration',
  'run_failed',
  'rate_limited',
  'payload_too_large',
  'egress_refused',
  'checkpoint_rewound',
  'effect_in_doubt',
  // Operations (issue 9): a schedule not running, a job failing in a row, and its recovery.
  'schedule_overdue',
  'job_failing',
  'job_recovered',
] as const;

/** A notification's message is cut to this many characters (after redaction). */
export const MAX_NOTIFICATION_CHARS = 2000;

export const SeveritySchema = lazy(() => zEnum(SEVERITIES));

/** A notification as stored and as `GET /admin/notifications` answers it. */
export const NotificationSchema = lazy(() =>
  strictObject({
    id: string(),
    jobId: string(),
    runId: optional(string()),
    severity: SeveritySchema,
    kind: zEnum(NOTIFICATION_KINDS),
    message: string().check(maxLength(MAX_NOTIFICATION_CHARS + 16)),
    createdAt: iso.datetime(),
  }),
);
export type NotificationView = Infer<typeof NotificationSchema>;
