import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ScriptRunInput, ScriptRunner, ScriptRunOptions, ScriptRunResult } from '../ports.ts';
import type { ChildRequest } from './runner/child-main.ts';
import { ScriptLog } from './runner/log-cap.ts';
import { descendantsOf, killAll } from './runner/processes.ts';
import type { parseChildMessage } from './runner/schemas.ts';
import { scriptMemoryMb, threadCodeFromSources } from './runner/thread-code.ts';

/** The only variables of this process's environment a script's process gets: nothing secret. */
export const CHILD_ENV_KEEP = ['PATH', 'TZ', 'LANG'] as const;

/** How often the child's resident memory is read (Linux: /proc/<pid>/status). */
const RSS_POLL_MS = 200;
/** The longest timer Node keeps (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ChildProcessScriptRunnerOptions {
  /** How long the child may take to start (node, its entry, the thread) before it is killed. */
  startupMs?: number;
  /** The environment the child's is picked from ({@link CHILD_ENV_KEEP} only); this process's by default. */
  env?: NodeJS.ProcessEnv;
  /**
   * Above the script's `memoryMb`, how much resident memory the child may use
   * (Node itself, the thread, Buffers the heap cap does not count) before it
   * is killed: "ran out of memory".
   */
  rssMarginMb?: number;
  /** Another module to fork instead of the runner's child (tests: a child that misbehaves). */
  entry?: string;
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

/** PATH, TZ, LANG of `env`, and nothing else: no AWS_*, no TRIGGERHUB_*, no NODE_OPTIONS, no HOME. */
export const childEnv = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv =>
  Object.fromEntries(CHILD_ENV_KEEP.flatMap((name) => (env[name] === undefined ? [] : [[name, env[name]]])));

/** "1", "1.5": seconds as the messages say them. */
const seconds = (ms: number): string => String(Math.round(ms / 100) / 10);

/** The resident memory of `pid` in KiB (Linux), or undefined where /proc does not tell. */
const residentKib = (pid: number): number | undefined => {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
};

// Node ≥ 22.14 can refuse SIGUSR1 (which opens the inspector of a process the signal reaches).
const NO_SIGUSR1 = process.allowedNodeEnvironmentFlags.has('--disable-sigusr1') ? ['--disable-sigusr1'] : [];

/**
 * The ScriptRunner of `npm start`, and of the script-runner Lambda inside its
 * invocation: ONE child process per run — nothing of a run outlives it, a
 * warm Lambda carries nothing from one script to the next. The child is
 * forked with an environment holding nothing secret, a working directory and
 * HOME of its own (removed after), a heap cap, as the leader of a process
 * group of its own; it runs the script in a worker thread (runner/host.ts)
 * and reports over IPC, each message checked.
 *
 * The run's deadline counts from here, the child's start-up included
 * (`timeoutMs`, or the input's earlier `deadlineAt`): the child ends the
 * script a little before it and reports `timed_out` with the lines the script
 * wrote; at the deadline the whole group is killed whatever the child says.
 * A stop (`signal`), resident memory above `memoryMb + rssMarginMb`, or a
 * malformed message kill the group too (SIGKILL); the promise resolves once
 * the child is gone.
 */
export class ChildProcessScriptRunner implements ScriptRunner {
  readonly #startupMs: number;
  readonly #env: NodeJS.ProcessEnv;
  readonly #rssMarginMb: number;
  readonly #entry: string | undefined;

  constructor(options: ChildProcessScriptRunnerOptions = {}) {
    this.#startupMs = options.startupMs ?? 30_000;
    this.#env = childEnv(options.env);
    this.#rssMarginMb = options.rssMarginMb ?? 128;
    this.#entry = options.entry;
  }

  async run(
    input: ScriptRunInput,
    signal: AbortSignal,
    options: ScriptRunOptions = {},
  ): Promise<ScriptRunResult> {
    if (signal.aborted) return { status: 'failed', message: 'stopped', logs: [] };
    // The schemas (zod) load with the first run: the script-runner Lambda's cold start stays the adapter alone.
    const { parseChildMessage: parse } = await import('./runner/schemas.ts');
    if (signal.aborted) return { status: 'failed', message: 'stopped', logs: [] };
    return this.#run(parse, input, signal, options);
  }

  #run(
    parse: typeof parseChildMessage,
    input: ScriptRunInput,
    signal: AbortSignal,
    options: ScriptRunOptions,
  ): Promise<ScriptRunResult> {
    const startedAt = Date.now();
    const hardDeadline = Math.min(startedAt + input.timeoutMs, input.deadlineAt ?? Infinity);
    // The child ends the script this much earlier, so that its own answer (with the script's
    // last lines and its result) arrives before the kill.
    const reportMs = Math.min(500, Math.max(0, (hardDeadline - startedAt) / 5));
    const { path, execArgv } = this.#entry === undefined ? childEntry() : { path: this.#entry, execArgv: [] };
    const memoryMb = scriptMemoryMb(input.memoryMb);
    const home = mkdtempSync(join(tmpdir(), 'triggerhub-script-'));
    const child: ChildProcess = fork(path, [], {
      // An outer cap on the child's own heap; the script's thread has its own, memoryMb.
      execArgv: [...execArgv, ...NO_SIGUSR1, `--max-old-space-size=${memoryMb + 128}`],
      env: { ...this.#env, HOME: home },
      cwd: home,
      // A process group of its own: a stop kills whatever the child started too.
      detached: true,
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
    const rssLimitKib = (memoryMb + this.#rssMarginMb) * 1024;

    return new Promise<ScriptRunResult>((resolve) => {
      let outcome: Pick<ScriptRunResult, 'status' | 'message'> | undefined;
      let ready = false;
      const timeoutMessage = `did not finish within ${seconds(input.timeoutMs)} s`;
      const startup = setTimeout(
        () => kill('failed', `the script runner did not start within ${seconds(this.#startupMs)} s`),
        this.#startupMs,
      );
      const deadline = setTimeout(
        () => kill('timed_out', timeoutMessage),
        Math.min(MAX_TIMER_MS, Math.max(1, hardDeadline - startedAt)),
      );
      const watch = setInterval(() => {
        if (child.pid === undefined) return;
        const rss = residentKib(child.pid);
        if (rss !== undefined && rss > rssLimitKib)
          kill('failed', `ran out of memory (limit ${memoryMb} MiB)`);
      }, RSS_POLL_MS);
      const onAbort = (): void => kill('failed', 'stopped');
      signal.addEventListener('abort', onAbort, { once: true });

      /** The child's whole process group: the child and anything it started that stayed in it. */
      const killGroup = (): void => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is gone already (ESRCH).
        }
      };

      /** Decides the outcome (the first one wins) and makes sure the process and all it started end. */
      function kill(status: ScriptRunResult['status'], message: string): void {
        outcome ??= { status, message };
        const alive = child.exitCode === null && child.signalCode === null;
        // Found while the child lives: one that left the group (setsid) is still its descendant.
        const descendants = alive && child.pid !== undefined ? descendantsOf(child.pid) : [];
        killGroup();
        if (alive) child.kill('SIGKILL');
        killAll(descendants);
      }

      child.on('message', (value: unknown) => {
        const parsed = parse(value);
        if (!parsed.ok) {
          kill('failed', `the script runner process sent a malformed message (${parsed.problem})`);
          return;
        }
        const message = parsed.message;
        switch (message.type) {
          case 'ready':
            if (ready) kill('failed', 'the script runner process said it was ready twice');
            ready = true;
            clearTimeout(startup);
            break;
          case 'log': {
            // Handed on as it comes (the run's live log), as kept: the result's lines start with these.
            const kept = log.add(message.line);
            if (kept !== undefined) options.onLog?.(kept);
            break;
          }
          case 'result':
            outcome ??= { status: message.status, message: message.message };
            if (message.logsTruncated) log.markTruncated();
            break;
        }
      });
      child.on('error', (error) => kill('failed', `the script runner could not start: ${error.message}`));
      // Whatever the child left in its group goes with it, however it ended.
      child.on('exit', killGroup);
      // 'close': the process has exited (and been reaped) and its pipes are drained.
      child.on('close', (code, killedBy) => {
        clearTimeout(startup);
        clearTimeout(deadline);
        clearInterval(watch);
        signal.removeEventListener('abort', onAbort);
        rmSync(home, { recursive: true, force: true });
        const ended = killedBy === null ? `exit code ${String(code)}` : killedBy;
        const why = stderr.trim().split('\n').slice(-3).join(' ').slice(-500);
        const { status, message } = outcome ?? {
          status: 'failed' as const,
          message: `the script runner process ended unexpectedly (${ended})${why === '' ? '' : `: ${why}`}`,
        };
        resolve({ status, message, logs: log.lines, ...(log.truncated ? { logsTruncated: true } : {}) });
      });
      const request: ChildRequest = {
        input,
        deadlineAt: hardDeadline - reportMs,
        ...(HERE.endsWith('.ts') && this.#entry === undefined ? { threadCode: threadCodeFromSources() } : {}),
      };
      child.send(request);
    });
  }
}
