import {
  enum as oneOf,
  array,
  boolean,
  int,
  lazy,
  literal,
  maxLength,
  minLength,
  nullable,
  number,
  object,
  optional,
  positive,
  record,
  string,
  union,
  unknown,
} from '../../model/zod.ts';
import type { ScriptRunInput, ScriptRunResult } from '../../ports.ts';

// The two payloads that cross the Lambda boundary, checked on arrival: the
// runner's input (its entry is invocable by whoever may invoke it) and its
// answer (the worker records only a well-formed result).

/** An uploaded script is at most 1 MiB; its text is at most that many characters. */
const MAX_SOURCE_CHARS = 1024 * 1024;

const ScriptRunInputSchema = lazy(() =>
  object({
    runId: string().check(minLength(1)),
    jobId: string().check(minLength(1)),
    script: object({
      id: string().check(minLength(1), maxLength(128)),
      version: number().check(int(), positive()),
      sha256: string(),
    }),
    source: string().check(maxLength(MAX_SOURCE_CHARS)),
    args: object({
      arguments: record(string(), unknown()),
      globalArguments: record(string(), string()),
      lastRunDateUtc: nullable(string()),
      lastSuccessfulRunDateUtc: nullable(string()),
      plutoraValues: record(string(), unknown()),
      event: unknown(),
    }),
    timeoutMs: number().check(int(), positive()),
    memoryMb: optional(number().check(int(), positive())),
    deadlineAt: optional(number().check(int(), positive())),
  }),
);

const LogLineSchema = lazy(() =>
  object({
    ts: string(),
    level: oneOf(['LOG', 'INFO', 'WARN', 'ERROR', 'DIR', 'TRACE']),
    message: string(),
  }),
);

// What the child process of a script says to its parent over IPC (child-main.ts): checked
// whole, as the child runs the script and cannot be trusted to send well-formed messages.
const ChildMessageSchema = lazy(() =>
  union([
    object({ type: literal('ready') }),
    object({ type: literal('log'), line: LogLineSchema }),
    object({
      type: literal('result'),
      status: union([literal('succeeded'), literal('failed'), literal('timed_out')]),
      message: string(),
      logsTruncated: boolean(),
    }),
  ]),
);

/** What the child says to its parent (see {@link parseChildMessage}). */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'log'; line: ScriptRunResult['logs'][number] }
  | { type: 'result'; status: ScriptRunResult['status']; message: string; logsTruncated: boolean };

const ScriptRunResultSchema = lazy(() =>
  object({
    status: union([literal('succeeded'), literal('failed'), literal('timed_out')]),
    message: string(),
    logs: array(LogLineSchema),
    logsTruncated: optional(boolean()),
  }),
);

/** What zod found wrong, in one line. */
const problemsOf = (issues: readonly { path: readonly PropertyKey[]; message: string }[]): string =>
  issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');

/** The runner's input, or what is wrong with it. */
export const parseScriptRunInput = (
  value: unknown,
): { ok: true; input: ScriptRunInput } | { ok: false; problem: string } => {
  const parsed = ScriptRunInputSchema.safeParse(value);
  return parsed.success
    ? { ok: true, input: parsed.data }
    : { ok: false, problem: problemsOf(parsed.error.issues) };
};

/** The runner's answer, or what is wrong with it. */
export const parseScriptRunResult = (
  value: unknown,
): { ok: true; result: ScriptRunResult } | { ok: false; problem: string } => {
  const parsed = ScriptRunResultSchema.safeParse(value);
  return parsed.success
    ? { ok: true, result: parsed.data }
    : { ok: false, problem: problemsOf(parsed.error.issues) };
};

/** A message of the script's child process, or what is wrong with it. */
export const parseChildMessage = (
  value: unknown,
): { ok: true; message: ChildMessage } | { ok: false; problem: string } => {
  const parsed = ChildMessageSchema.safeParse(value);
  return parsed.success
    ? { ok: true, message: parsed.data }
    : { ok: false, problem: problemsOf(parsed.error.issues) };
};
