import { z } from 'zod';
import { TriggerEventSchema } from './trigger-event.ts';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'stopped', 'timed_out'] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;
export const FINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'stopped', 'timed_out'];
export const isFinal = (s: RunStatus): boolean => FINAL_STATUSES.includes(s);

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export const LogLineSchema = z.object({
  ts: z.iso.datetime(),
  level: z.enum(LOG_LEVELS),
  message: z.string(),
});
export type LogLine = z.infer<typeof LogLineSchema>;
export type LogLevel = LogLine['level'];

/** `[2026-11-22T10:00:00.000Z] [INFO] – message` */
export const formatLogLine = (l: LogLine): string => `[${l.ts}] [${l.level}] – ${l.message}`;

export const VerdictSchema = z.object({
  allow: z.boolean(),
  message: z.string(),
  /** Set when the verdict came from the job's `onError` rather than the integration. */
  fallback: z.boolean().optional(),
});
export type Verdict = z.infer<typeof VerdictSchema>;

export const RunSchema = z.object({
  id: z.string(),
  jobId: z.string(),
  deliveryId: z.string().optional(),
  source: z.string(),
  trigger: z.string(),
  mode: z.enum(['async', 'decision']),
  status: RunStatusSchema,
  /** How many times the worker has started this run (1 on the first try). */
  attempt: z.number().int().min(0),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().optional(),
  endedAt: z.iso.datetime().optional(),
  durationMs: z.number().int().min(0).optional(),
  message: z.string().optional(),
  /** Last error, kept across retries. */
  error: z.string().optional(),
  output: z.unknown().optional(),
  verdict: VerdictSchema.optional(),
  logs: z.array(LogLineSchema).default([]),
  logsTruncated: z.boolean().optional(),
  /** The event, inline when small enough for the table. */
  event: TriggerEventSchema.optional(),
  /** Where the event is kept when it is too large for the table (claim check). */
  eventRef: z.string().optional(),
});
export type Run = z.infer<typeof RunSchema>;

/** The list view of a run: everything but logs and event. */
export type RunSummary = Omit<Run, 'logs' | 'event' | 'output'>;
export const summarizeRun = (run: Run): RunSummary => {
  const { logs: _logs, event: _event, output: _output, ...summary } = run;
  return summary;
};
