import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** A free loopback port (asked of the OS, then released). */
export const freePort = (): Promise<number> =>
  new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => ok(port));
    });
  });

export interface LocalProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** What the stack prints when its port was taken between freePort() and its listen. */
const PORT_IN_USE = /port \d+ on 127\.0\.0\.1 is in use/;

/**
 * Starts `triggerhub start` as `npm start` does, in its own process; resolves on the ready line.
 * `cwd`: the repository to run (default: this one; a copy from test/helpers/repo-copy.ts).
 * A port freePort() handed out can be taken before the stack listens (another process's
 * outgoing connection gets it as its ephemeral port): then it starts again on a new free port,
 * twice at most — use the answer's `url`.
 */
export const startLocalProcess = async (
  dataDir: string,
  port: number,
  options: { cwd?: string } = {},
): Promise<LocalProcess> => {
  for (let tries = 1; ; tries++) {
    try {
      return await startOnce(dataDir, port, options);
    } catch (e) {
      if (tries >= 3 || !(e instanceof Error) || !PORT_IN_USE.test(e.message)) throw e;
      port = await freePort();
    }
  }
};

const startOnce = async (
  dataDir: string,
  port: number,
  { cwd = REPO_ROOT }: { cwd?: string },
): Promise<LocalProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'start'], {
    cwd,
    env: { ...process.env, PORT: String(port), TRIGGERHUB_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'DEBUG' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`local stack did not start:\n${out}`)), 30_000);
    const check = () => {
      if (out.includes('triggerhub is ready on')) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`local stack exited with ${code}:\n${out}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}`, output: () => out };
};

export const stopProcess = (child: ChildProcess, signal: NodeJS.Signals): Promise<void> =>
  new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok();
    child.once('exit', () => ok());
    child.kill(signal);
  });
