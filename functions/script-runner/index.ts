import type { ScriptRunResult } from '../../shared/ports.ts';
import { DEFAULT_SCRIPT_MEMORY_MB, runScriptInThread } from '../../shared/scripts/runner/host.ts';

// The script-runner Lambda: runs ONE uploaded script per invocation, in a
// worker thread with a heap cap and a deadline. Its role grants nothing but
// its own logs, it reads no configuration and no secret, and it creates no
// AWS client: the script has nothing to reach but the network.
//
// Cold start: the host only (it must stay in index.mjs: it finds the thread's
// module, script-thread.mjs, beside its own). The input's schemas (zod) load
// with the first invocation, as the other functions' apps do.

/** Left of the invocation's own time when the script's deadline is set: room to answer. */
const ANSWER_MARGIN_MS = 2000;

/**
 * Of the function's memory, what the runtime, the host and the hooks thread
 * keep for themselves: the script's heap cap is at most the rest, so that a
 * memory hog ends as "ran out of memory", not as a killed invocation.
 */
const HOST_RESERVE_MB = 192;

/** What the handler reads of the Lambda context. */
interface InvocationContext {
  getRemainingTimeInMillis(): number;
  /** The function's memory setting, e.g. "1024". */
  memoryLimitInMB?: string;
}

/** Event: a ScriptRunInput (from the worker's LambdaScriptRunner) → its ScriptRunResult. */
export const handler = async (event: unknown, context?: InvocationContext): Promise<ScriptRunResult> => {
  const { parseScriptRunInput } = await import('../../shared/scripts/runner/schemas.ts');
  const parsed = parseScriptRunInput(event);
  if (!parsed.ok) return { status: 'failed', message: `not a script run input: ${parsed.problem}`, logs: [] };
  const { input } = parsed;
  // The script's deadline, within what this invocation has left: a timed_out
  // result is an answer, an invocation killed by Lambda is not.
  const remaining = context === undefined ? Infinity : context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS;
  const timeoutMs = Math.max(1, Math.min(input.timeoutMs, remaining));
  const functionMb = Number(context?.memoryLimitInMB);
  const requestedMb = input.memoryMb ?? DEFAULT_SCRIPT_MEMORY_MB;
  const memoryMb =
    Number.isFinite(functionMb) && functionMb > 0
      ? Math.max(16, Math.min(requestedMb, functionMb - HOST_RESERVE_MB))
      : requestedMb;
  return runScriptInThread({ ...input, timeoutMs, memoryMb });
};
