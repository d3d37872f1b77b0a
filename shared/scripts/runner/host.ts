import { Worker } from 'node:worker_threads';
import type { Readable } from 'node:stream';
import type { ScriptLogLine, ScriptRunInput, ScriptRunResult } from '../../ports.ts';
import { cutUtf8, MAX_SCRIPT_LINE_BYTES, ScriptLog } from './log-cap.ts';
import type { ThreadData, ThreadMessage } from './protocol.ts';
import { scriptMemoryMb, threadCodeFromSources } from './thread-code.ts';

export { DEFAULT_SCRIPT_MEMORY_MB, threadCodeFromSources } from './thread-code.ts';

/** The longest timer Node keeps (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How long a thread may take to start before the script's deadline begins. */
const STARTUP_LIMIT_MS = 30_000;

export interface ThreadRunOptions {
  /** Aborted: the thread is terminated, the run `failed` "stopped". */
  signal?: AbortSignal;
  /** Each log line as the script writes it (the child process forwards them). */
  onLog?: (line: ScriptLogLine) => void;
  /** The thread started and the script's deadline began. */
  onReady?: () => void;
  /** The thread's code (from {@link threadCodeFromSources}), when the caller built it already. */
  threadCode?: string;
  /**
   * When the script is ended (epoch ms), start-up included: the child's
   * deadline, set by its parent when it forked it. Else `timeoutMs` after the
   * thread is ready.
   */
  deadlineAt?: number;
}

const HERE = import.meta.url;
const FROM_SOURCES = HERE.endsWith('.ts');

const startThread = (data: ThreadData, memoryMb: number, code: string | undefined): Worker => {
  const options = {
    workerData: data,
    // Nothing of the host's environment: the script sees an empty process.env.
    env: {},
    argv: [],
    stdout: true,
    stderr: true,
    resourceLimits: {
      maxOldGenerationSizeMb: memoryMb,
      maxYoungGenerationSizeMb: Math.min(32, Math.max(4, Math.floor(memoryMb / 8))),
    },
  };
  // In the script-runner Lambda's bundle, where this code is inlined into
  // index.mjs, the thread is the bundle's second entry, script-thread.mjs, beside it.
  if (!FROM_SOURCES && code === undefined) return new Worker(new URL('./script-thread.mjs', HERE), options);
  return new Worker(code ?? threadCodeFromSources(), { ...options, eval: true });
};

const LEVELS: ReadonlySet<unknown> = new Set(['LOG', 'INFO', 'WARN', 'ERROR', 'DIR', 'TRACE']);

/**
 * A message of the thread, checked: the script runs in that thread and can
 * post anything on its port (a forged result ends its own run only; a
 * malformed message must not throw here). Anything else is ignored.
 */
const threadMessageOf = (value: unknown): ThreadMessage | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'log': {
      const line = m.line as Record<string, unknown> | null | undefined;
      return typeof line?.ts === 'string' && LEVELS.has(line.level) && typeof line.message === 'string'
        ? {
            type: 'log',
            line: { ts: line.ts, level: line.level as ScriptLogLine['level'], message: line.message },
          }
        : undefined;
    }
    case 'exit':
      return typeof m.code === 'number' ? { type: 'exit', code: m.code } : undefined;
    case 'result':
      return (m.status === 'succeeded' || m.status === 'failed') && typeof m.message === 'string'
        ? { type: 'result', status: m.status, message: m.message, logsTruncated: m.logsTruncated === true }
        : undefined;
    default:
      return undefined;
  }
};

/** "1", "1.5", "60": seconds as the messages say them. */
const seconds = (ms: number): string => String(Math.round(ms / 100) / 10);

/** Feeds what the script wrote to process.stdout/stderr directly into the log, line by line. */
const captureStream = (
  stream: Readable,
  level: 'LOG' | 'ERROR',
  add: (line: ScriptLogLine) => void,
): (() => void) => {
  let pending = '';
  stream.setEncoding('utf8');
  const emit = (text: string): void => {
    if (text.length > 0) add({ ts: new Date().toISOString(), level, message: text });
  };
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) emit(line);
    // A line without an end must not grow without bound: emit it as it is.
    if (pending.length > 64 * 1024) {
      emit(pending);
      pending = '';
    }
  });
  return () => {
    emit(pending);
    pending = '';
  };
};

/**
 * Runs one uploaded script in a worker thread of this process, with a heap
 * cap and a deadline, and nothing of this process's environment. Shared by
 * the child process of `npm start` (child-main.ts) and the script-runner
 * Lambda (functions/script-runner). Never throws: every way the script can
 * end — resolve, reject, throw, a module it may not load, an endless loop,
 * running out of memory, process.exit — is a result.
 */
export const runScriptInThread = (
  input: ScriptRunInput,
  options: ThreadRunOptions = {},
): Promise<ScriptRunResult> => {
  const memoryMb = scriptMemoryMb(input.memoryMb);
  // setTimeout takes at most 2^31-1 ms (~24.8 days); a run is far shorter.
  const timeoutMs = Math.min(MAX_TIMER_MS, Math.max(1, input.timeoutMs));
  const log = new ScriptLog();
  const add = (line: ScriptLogLine): void => {
    const kept = log.add(line);
    if (kept !== undefined) options.onLog?.(kept);
  };
  const data: ThreadData = {
    source: input.source,
    args: input.args,
    fileName: `${input.script.id}@${input.script.version}.js`,
    packagesFrom: HERE,
  };

  return new Promise<ScriptRunResult>((resolve) => {
    if (options.signal?.aborted === true) {
      resolve({ status: 'failed', message: 'stopped', logs: [] });
      return;
    }
    const worker = startThread(data, memoryMb, options.threadCode);
    const flushOut = captureStream(worker.stdout, 'LOG', add);
    const flushErr = captureStream(worker.stderr, 'ERROR', add);
    let exitCode: number | undefined;
    let done = false;
    let timer = setTimeout(() => finish('failed', 'the script runner did not start'), STARTUP_LIMIT_MS);

    const onAbort = (): void => finish('failed', 'stopped');
    options.signal?.addEventListener('abort', onAbort, { once: true });

    function finish(status: ScriptRunResult['status'], message: string, truncated = false): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (truncated) log.markTruncated();
      // Terminated before the answer: the script cannot write anything more,
      // and a thread stuck in a loop is ended (TerminateExecution).
      void worker.terminate().then(() => {
        flushOut();
        flushErr();
        resolve({
          status,
          message,
          logs: log.lines,
          ...(log.truncated ? { logsTruncated: true } : {}),
        });
      });
    }

    let started = false;
    worker.on('message', (value: unknown) => {
      const message = threadMessageOf(value);
      switch (message?.type) {
        case 'ready':
          // Once: the script could post another "ready" to push its deadline back.
          if (started) break;
          started = true;
          clearTimeout(timer);
          timer = setTimeout(
            () => finish('timed_out', `did not finish within ${seconds(timeoutMs)} s`),
            options.deadlineAt === undefined
              ? timeoutMs
              : Math.min(MAX_TIMER_MS, Math.max(1, options.deadlineAt - Date.now())),
          );
          options.onReady?.();
          break;
        case 'log':
          add(message.line);
          break;
        case 'exit':
          exitCode = message.code;
          break;
        case 'result':
          finish(message.status, cutUtf8(message.message, MAX_SCRIPT_LINE_BYTES), message.logsTruncated);
          break;
        case undefined:
          break;
      }
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY')
        finish('failed', `ran out of memory (limit ${memoryMb} MiB)`);
      else finish('failed', error.message || String(error));
    });
    worker.on('exit', (code) => {
      if (exitCode !== undefined || code !== 0)
        finish('failed', `the script called process.exit(${exitCode ?? code})`);
      else finish('failed', 'the script ended without settling the promise of run(args)');
    });
  });
};
