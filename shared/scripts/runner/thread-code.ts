import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as Esbuild from 'esbuild';

// What both sides of the child process boundary need, apart from the host
// itself: the host (host.ts) must be imported by the child's entry only, so
// that in the script-runner Lambda's bundle it lands in script-child.mjs,
// beside script-thread.mjs, which it finds by its own URL.

/** A script's heap when the job sets none, in MiB. */
export const DEFAULT_SCRIPT_MEMORY_MB = 256;
const MIN_MEMORY_MB = 16;
const MAX_MEMORY_MB = 4096;

/** The script's memory cap in MiB, within bounds (the job's, else the default). */
export const scriptMemoryMb = (memoryMb: number | undefined): number =>
  Math.min(MAX_MEMORY_MB, Math.max(MIN_MEMORY_MB, Math.round(memoryMb ?? DEFAULT_SCRIPT_MEMORY_MB)));

const HERE = import.meta.url;

let threadCode: string | undefined;

/**
 * From the sources (tsx, vitest), the thread's module — thread.ts and what it
 * imports — bundled by esbuild into one CommonJS text a Worker evaluates,
 * once per process. A worker thread does not inherit the tsx loader of its
 * process (Node 20 ignores --import in a Worker's execArgv), and registering
 * tsx in every thread costs a few hundred milliseconds of CPU per run.
 * esbuild is loaded by name here only: the Lambda bundle never reaches it.
 */
export const threadCodeFromSources = (): string => {
  if (threadCode !== undefined) return threadCode;
  const { buildSync } = createRequire(HERE)('esbuild') as typeof Esbuild;
  const [output] = buildSync({
    entryPoints: [fileURLToPath(new URL('./thread.ts', HERE))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  }).outputFiles;
  if (output === undefined) throw new Error('esbuild gave no output for the script thread');
  threadCode = output.text;
  return threadCode;
};
