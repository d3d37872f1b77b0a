import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliResult } from './cli.ts';
import { emptyCliFolder, localStackCli } from './cli.ts';
import { REPO_ROOT } from './local-process.ts';
import type { InProcessStack } from './local-stack.ts';
import { startInProcessStack } from './local-stack.ts';

/**
 * What the ticket and enrichment e2e files share: `npm start`'s stack in this
 * process (no seeded examples), a folder the CLI runs in, and the example job
 * of examples/tickets/ pointed at a mock's URL, as the README's "Try tickets
 * locally" tells a user to do.
 */
export interface TicketStack {
  stack: InProcessStack;
  /** The CLI against the stack (it finds it through the data folder), run in a folder of its own. */
  cli(args: string[], stdin?: string): Promise<CliResult>;
  /** The CLI folder: job files written by {@link TicketStack.exampleJob} land here. */
  cwd: string;
  /** examples/tickets/<id>.json with `params.url` set to `url`, written to the CLI folder; answers its path. */
  exampleJob(id: string, url: string): string;
  stop(): Promise<void>;
}

export const EXAMPLES = join(REPO_ROOT, 'examples');

/** An example payload's text (examples/payloads/<name>). */
export const examplePayload = (name: string): string =>
  readFileSync(join(EXAMPLES, 'payloads', name), 'utf8');

/** The example alert-high.json with another alert id: the same alert again, as a new delivery. */
export const highAlertWithId = (id: string): string =>
  JSON.stringify({ ...(JSON.parse(examplePayload('alert-high.json')) as Record<string, unknown>), id });

/** `options`: the stack's, e.g. a scheduler on a clock the test moves (`schedulerNow`). */
export const startTicketStack = async (
  options: Parameters<typeof startInProcessStack>[0] = {},
): Promise<TicketStack> => {
  const stack = await startInProcessStack({ ...options, examples: false });
  const cwd = emptyCliFolder();
  return {
    stack,
    cwd,
    cli: (args, stdin = '') => localStackCli(args, stack.dataDir, cwd, stdin),
    exampleJob: (id, url) => {
      const job = JSON.parse(readFileSync(join(EXAMPLES, 'tickets', `${id}.json`), 'utf8')) as {
        params: Record<string, unknown>;
      };
      job.params.url = url;
      const path = join(cwd, `${id}.json`);
      writeFileSync(path, JSON.stringify(job));
      return path;
    },
    stop: () => stack.stop(),
  };
};

/** The `Message:` line of a run as `send --wait` / `jobs run --wait` print it. */
export const runMessage = (stdout: string): string => /^Message:\s+(.*)$/m.exec(stdout)?.[1] ?? '';
/** The `Status:` line of that run. */
export const runStatus = (stdout: string): string => /^Status:\s+(\S+)/m.exec(stdout)?.[1] ?? '';
/** The `Run:` line of that run. */
export const runIdOf = (stdout: string): string => /^Run:\s+(\S+)/m.exec(stdout)?.[1] ?? '';
