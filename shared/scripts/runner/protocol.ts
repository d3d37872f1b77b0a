import type { ScriptArgs, ScriptLogLine } from '../../ports.ts';

// What the host (host.ts) and the script's worker thread (thread.ts) say to
// each other. Plain data: it crosses a structured clone.

/** The thread's `workerData`. */
export interface ThreadData {
  source: string;
  args: ScriptArgs;
  /** What stack traces and syntax errors call the script: `<id>@<version>.js`. */
  fileName: string;
  /** The URL of a module the curated packages resolve from (the thread's own file). */
  packagesFrom: string;
}

export type ThreadMessage =
  /** The script is about to be evaluated: the deadline starts. */
  | { type: 'ready' }
  | { type: 'log'; line: ScriptLogLine }
  /** `run(args)` settled (or the script could not be loaded). */
  | { type: 'result'; status: 'succeeded' | 'failed'; message: string; logsTruncated: boolean }
  /** The script called `process.exit(code)`: the thread ends next. */
  | { type: 'exit'; code: number };
