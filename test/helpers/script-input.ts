import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScriptArgs, ScriptRunInput } from '../../shared/ports.ts';
import { repoRoot } from './samples.ts';

/** A script's args with nothing set (no parameters, never run, no event), unless `over` says otherwise. */
export const scriptArgs = (over: Partial<ScriptArgs> = {}): ScriptArgs => ({
  arguments: {},
  globalArguments: {},
  lastRunDateUtc: null,
  lastSuccessfulRunDateUtc: null,
  plutoraValues: {},
  event: null,
  ...over,
});

/** Run `run-1` of job `job-1` running `source` as version 1 of script `script`, unless `over` says otherwise. */
export const scriptRunInput = (source: string, over: Partial<ScriptRunInput> = {}): ScriptRunInput => ({
  runId: 'run-1',
  jobId: 'job-1',
  script: { id: 'script', version: 1, sha256: '0'.repeat(64) },
  source,
  args: scriptArgs(),
  timeoutMs: 10_000,
  ...over,
});

/** The source of a seed script from test/fixtures/scripts/plutora (the scripts customers upload). */
export const seedScript = (name: string): string =>
  readFileSync(join(repoRoot, 'test', 'fixtures', 'scripts', 'plutora', name), 'utf8');
