import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ScriptRunInput, ScriptRunner, ScriptRunResult } from '../ports.ts';
import type { ChildMessage, ChildRequest } from './runner/child-main.ts';
import { DEFAULT_SCRIPT_MEMORY_MB, threadCodeFromSources } from './runner/host.ts';
import { ScriptLog } from './runner/log-cap.ts';

/** The only variables of this process's environment a script's process gets: nothing secret. */
export const CHILD_ENV_KEEP = ['PATH', 'HOME', 'TZ', 'LANG'] as const;

export interface ChildProcessScriptRunnerOptions {
  /** After the script's deadline, how long the child has to report before it is killed. */
  graceMs?: number;
  /** How long the child may take to start (node, tsx, the thread) before it is killed. */
  startupMs?: number;
  /** The environment the child's is picked from ({@link CHILD_ENV_KEEP} only); this process's by default. */
  env?: NodeJS.ProcessEnv;
}

const HERE = import.meta.url;

/**
 * From the sources (npm start runs under tsx): child-main.ts, run by node
 * with tsx's loader; from a bundle, its `script-child.mjs` beside this code.
 */
const childEntry = (): { path: string; execArgv: string[] } => {
  if (!HERE.endsWith('.ts'))
    return { path: fileURLToPath(new URL('./script-child.mjs', HERE)), execArgv: [] };
  const entry = new URL('./runner/child-main.ts', HERE);
  // tsx registered by its own URL, so the child finds it whatever its working directory.
  const tsxPackage = createRequire(HERE).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports: { '.': string } };
  const tsx = new URL(exports['.'], pathToFileURL(tsxPackage)).href;
  return { path: fileURLToPath(entry), execArgv: ['--import', tsx] };
};

/** PATH, HOME, TZ, LANG of `env`, and nothing else: no AWS_*, no TRIGGERHUB_*, no NODE_OPTIONS. */
export const childEnv = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv =>
  Object.fromEntries(CHILD_ENV_KEEP.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])));

/** "1", "1.5": seconds as the messages say them. */
const seconds = (ms: number): string => String(Math.round(ms / 100) / 10);

/**
 * The ScriptRunner of `npm start`: one child process per run, forked with
 * an environment holding nothing secret and a heap cap, which runs the
 * script in a worker thread (runner/host.ts) and reports over IPC. A stop
 * (`signal`) or a child that outlives the deadline by `graceMs` is killed
 * (SIGKILL); the promise resolves once the process is gone.
 */
export class ChildProcessScriptRunner implements ScriptRunner {
  readonly #graceMs: number;
  readonly #startupMs: number;
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: ChildProcessScriptRunnerOptions = {}) {
    this.#graceMs = options.graceMs ?? 3000;
    this.#startupMs = options.startupMs ?? 30_000;
    this.#env = childEnv(options.env);
  }

  run(input: ScriptRunInput, signal: AbortSignal): Promise<ScriptRunResult> {
    if (signal.aborted) return Promise.resolve({ status: 'failed', message: 'stopped', logs: [] });
    const { path, execArgv } = childEntry();
    const memoryMb = input.memoryMb ?? DEFAULT_SCRIPT_MEMORY_MB;
    const child: ChildProcess = fork(path, [], {
      // An outer cap on the child's own heap; the script's thread has its own, memoryMb.
      execArgv: [...execArgv, `--max-old-space-size=${memoryMb + 128}`],
      env: this.#env,
      cwd: tmpdir(),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const log = new ScriptLog();
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      // Only the end is kept: it says why a child died.
      stderr = (stderr + chunk).slice(-2000);
    });

    return new Promise<ScriptRunResult>((resolve) => {
      let outcome: Pick<ScriptRunResult, 'status' | 'message'> | undefined;
      let timer = setTimeout(
        () => kill('failed', `the script runner did not start within ${seconds(this.#startupMs)} s`),
        this.#startupMs,
      );
      const onAbort = (): void => kill('failed', 'stopped');
      signal.addEventListener('abort', onAbort, { once: true });

      /** Decides the outcome (the first one wins) and makes sure the process ends. */
      function kill(status: ScriptRunResult['status'], message: string): void {
        outcome ??= { status, message };
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }

      child.on('message', (message: ChildMessage) => {
        switch (message.type) {
          case 'ready':
            clearTimeout(timer);
            timer = setTimeout(
              () => kill('timed_out', `did not finish within ${seconds(input.timeoutMs)} s`),
              Math.min(2 ** 31 - 1, input.timeoutMs + this.#graceMs),
            );
            break;
          case 'log':
            log.add(message.line);
            break;
          case 'result':
            outcome ??= { status: message.status, message: message.message };
            if (message.logsTruncated) log.markTruncated();
            break;
        }
      });
      child.on('error', (error) => kill('failed', `the script runner could not start: ${error.message}`));
      // 'close': the process has exited (and been reaped) and its pipes are drained.
      child.on('close', (code, killedBy) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        const ended = killedBy === null ? `exit code ${String(code)}` : killedBy;
        const why = stderr.trim().split('\n').slice(-3).join(' ').slice(-500);
        const { status, message } = outcome ?? {
          status: 'failed' as const,
          message: `the script runner process ended unexpectedly (${ended})${why === '' ? '' : `: ${why}`}`,
        };
        resolve({ status, message, logs: log.lines, ...(log.truncated ? { logsTruncated: true } : {}) });
      });
      const request: ChildRequest = HERE.endsWith('.ts')
        ? { input, threadCode: threadCodeFromSources() }
        : { input };
      child.send(request);
    });
  }
}
