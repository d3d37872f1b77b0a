import type { CliIo } from '../../cli/main.ts';
import { run } from '../../cli/main.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in-process with `io` (defaults: an empty environment) and
 * returns its exit code and everything it printed.
 */
export const runCli = async (args: string[], io: Partial<CliIo> = {}): Promise<CliResult> => {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: {},
    ...io,
  });
  return { code, stdout, stderr };
};
