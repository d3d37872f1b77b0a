import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../cli/main.ts';
import type { Job, JobInput } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { run } from '../../cli/main.ts';

/**
 * An empty folder to run the CLI in: never the repository, where a running
 * `npm start` records its endpoint (`.triggerhub/endpoint.json`) and the CLI
 * would talk to it instead of the test's fake.
 */
export const emptyCliFolder = (): string => mkdtempSync(join(tmpdir(), 'triggerhub-cli-'));
const defaultCwd = emptyCliFolder();

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in-process with `io` (defaults: an empty environment, an empty folder) and
 * returns its exit code and everything it printed.
 */
export const runCli = async (args: string[], io: Partial<CliIo> = {}): Promise<CliResult> => {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: {},
    cwd: defaultCwd,
    ...io,
  });
  return { code, stdout, stderr };
};

/**
 * A job as the admin API answers it (defaults applied): what the CLI's fake
 * stacks serve.
 */
export const storedJob = (id: string, over: Partial<JobInput> = {}): Job =>
  JobSchema.parse({ id, name: `Job ${id}`, integration: 'log-event', auth: { secret: 'demo' }, ...over });

/**
 * The CLI in this process, talking to the local stack whose data folder is
 * `dataDir` (it finds the stack's endpoint there), run in `cwd` with `stdin`.
 */
export const localStackCli = (args: string[], dataDir: string, cwd: string, stdin = ''): Promise<CliResult> =>
  runCli(args, {
    env: { TRIGGERHUB_DATA_DIR: dataDir },
    cwd,
    readStdin: () => Promise.resolve(stdin),
    stdinIsTTY: false,
  });
