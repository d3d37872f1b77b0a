import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Readable } from 'node:stream';
import type { ScriptLogLine, ScriptRunInput, ScriptRunResult } from '../../ports.ts';
import { ScriptLog } from './log-cap.ts';
import type { ThreadData, ThreadMessage } from './protocol.ts';

/** A script's heap when the job sets none, in MiB. */
export const DEFAULT_SCRIPT_MEMORY_MB = 256;
const MIN_MEMORY_MB = 16;
const MAX_MEMORY_MB = 4096;
/** How long a thread may take to start before the script's deadline begins. */
const STARTUP_LIMIT_MS = 30_000;

export interface ThreadRunOptions {
  /** Aborted: the thread is terminated, the run `failed` "stopped". */
  signal?: AbortSignal;
  /** Each log line as the script writes it (the child process forwards them). */
  onLog?: (line: ScriptLogLine) => void;
  /** The thread started and the script's deadline began. */
  onReady?: () => void;
}

const HERE = import.meta.url;

/**
 * The thread's module. From the sources (tsx, vitest) it is thread.ts beside
 * this file; in the script-runner Lambda's bundle, where this code is inlined
 * into index.mjs, the bundle's second entry `script-thread.mjs` beside it.
 */
const threadEntry = (): URL =>
  HERE.endsWith('.ts') ? new URL('./thread.ts', HERE) : new URL('./script-thread.mjs', HERE);

// A worker thread does not inherit the tsx loader of the process (Node 20
// ignores --import in a Worker's execArgv): from the sources, the thread
// first registers tsx, then loads its TypeScript module. CommonJS, as an
// eval'd worker is.
const TS_BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsxApi).then((tsx) => { tsx.register(); return import(workerData.entry); });
`;

const startThread = (data: ThreadData, memoryMb: number): Worker => {
  const entry = threadEntry();
  const options = {
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
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { ...options, workerData: data });
  // tsx's ESM API by its export map (its CommonJS build registers from a wrong path when imported).
  const tsxPackage = createRequire(HERE).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(tsxPackage, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } };
  };
  const tsxApi = new URL(exports['./esm/api'].import.default, pathToFileURL(tsxPackage)).href;
  return new Worker(TS_BOOTSTRAP, {
    ...options,
    eval: true,
    workerData: { ...data, tsxApi, entry: entry.href },
  });
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
  const memoryMb = Math.min(
    MAX_MEMORY_MB,
    Math.max(MIN_MEMORY_MB, Math.round(input.memoryMb ?? DEFAULT_SCRIPT_MEMORY_MB)),
  );
  const timeoutMs = Math.max(1, input.timeoutMs);
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
    const worker = startThread(data, memoryMb);
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

    worker.on('message', (message: ThreadMessage) => {
      switch (message.type) {
        case 'ready':
          clearTimeout(timer);
          timer = setTimeout(
            () => finish('timed_out', `did not finish within ${seconds(timeoutMs)} s`),
            timeoutMs,
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
          finish(message.status, message.message, message.logsTruncated);
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
