import type { ScriptRunResult } from '../../shared/ports.ts';
import { ChildProcessScriptRunner } from '../../shared/scripts/child-process-runner.ts';
import { DEFAULT_SCRIPT_MEMORY_MB } from '../../shared/scripts/runner/thread-code.ts';

// The script-runner Lambda: runs ONE uploaded script per invocation, in a
// child process of its own (script-child.mjs beside this file, which runs
// the script in a worker thread, script-thread.mjs) with a heap cap, a
// resident-memory watch and a deadline. The child's environment holds none
// of this function's (its role's credentials are in it), and it is gone
// when the invocation answers: a warm function carries nothing of one
// script into the next. The role grants nothing but its own logs, the
// function reads no configuration and no secret, and it creates no AWS
// client: the script has nothing to reach but the network.
//
// Cold start: the adapter only. The input's schemas (zod) load with the
// first invocation, as the other functions' apps do.

/** Left of the invocation's own time when the script's deadline is set: room to answer. */
const ANSWER_MARGIN_MS = 2000;

/**
 * Of the function's memory, what this process (the runtime and the adapter)
 * and the child's own Node keep for themselves: the script's heap cap is at
 * most the rest, so that a memory hog ends as "ran out of memory", not as a
 * killed invocation. The child's resident memory may reach the cap plus
 * {@link RSS_MARGIN_MB}.
 */
const HOST_RESERVE_MB = 320;
const RSS_MARGIN_MB = 128;

/** What the handler reads of the Lambda context. */
interface InvocationContext {
  getRemainingTimeInMillis(): number;
  /** The function's memory setting, e.g. "1024". */
  memoryLimitInMB?: string;
}

const runner = new ChildProcessScriptRunner({ rssMarginMb: RSS_MARGIN_MB });
const never = new AbortController().signal;

/** Event: a ScriptRunInput (from the worker's LambdaScriptRunner) → its ScriptRunResult. */
export const handler = async (event: unknown, context?: InvocationContext): Promise<ScriptRunResult> => {
  const { parseScriptRunInput } = await import('../../shared/scripts/runner/schemas.ts');
  const parsed = parseScriptRunInput(event);
  if (!parsed.ok) return { status: 'failed', message: `not a script run input: ${parsed.problem}`, logs: [] };
  const { input } = parsed;
  // The script's deadline, within what this invocation has left: a timed_out
  // result is an answer, an invocation killed by Lambda is not. The worker's
  // deadlineAt (when it sent one) already counts this invocation's start.
  const now = Date.now();
  const remaining = context === undefined ? Infinity : context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS;
  const deadlineAt = Math.max(now + 1, Math.min(input.deadlineAt ?? Infinity, now + remaining));
  const functionMb = Number(context?.memoryLimitInMB);
  const requestedMb = input.memoryMb ?? DEFAULT_SCRIPT_MEMORY_MB;
  const memoryMb =
    Number.isFinite(functionMb) && functionMb > 0
      ? Math.max(16, Math.min(requestedMb, functionMb - HOST_RESERVE_MB))
      : requestedMb;
  return runner.run(
    Number.isFinite(deadlineAt)
      ? {
          ...input,
          memoryMb,
          deadlineAt,
          timeoutMs: Math.max(1, Math.min(input.timeoutMs, deadlineAt - now)),
        }
      : { ...input, memoryMb },
    never,
  );
};
