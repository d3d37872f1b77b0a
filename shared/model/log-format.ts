// How a run log line is printed, by the CLI and by the console alike. Dependency-free on
// purpose: the console bundles it, and anything importing zod here would bundle zod too.

/** A run log line's shape as printed (the model's LogLine, without importing its schema). */
export interface PrintableLogLine {
  ts: string;
  level: string;
  message: string;
}

/** `[2026-11-22T10:00:00.000Z] [INFO] – message` */
export const formatLogLine = (l: PrintableLogLine): string => `[${l.ts}] [${l.level}] – ${l.message}`;
