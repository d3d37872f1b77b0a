import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import type { ScriptArgs, ScriptRunInput } from '../../shared/ports.ts';
import { ChildProcessScriptRunner } from '../../shared/scripts/child-process-runner.ts';
import { repoRoot } from '../helpers/samples.ts';

// The adapter `npm start` uses: one child process per run. What the child
// may see of this process (its environment), and that a stop, a deadline or
// a script killing its own process end that run only, with the process gone.

const ARGS: ScriptArgs = {
  arguments: { jobParamter1: 'p1' },
  globalArguments: { globalParameter1: 'g1' },
  lastRunDateUtc: null,
  lastSuccessfulRunDateUtc: null,
  plutoraValues: { JobName: 'child' },
  event: null,
};

const inputOf = (source: string, overrides: Partial<ScriptRunInput> = {}): ScriptRunInput => ({
  runId: 'run-1',
  jobId: 'job-1',
  script: { id: 'child', version: 1, sha256: '0'.repeat(64) },
  source,
  args: ARGS,
  timeoutMs: 15_000,
  ...overrides,
});

const never = new AbortController().signal;
const runner = new ChildProcessScriptRunner();

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
};

const dir = mkdtempSync(join(tmpdir(), 'triggerhub-script-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Waits (at most `ms`) for the file a script writes once it runs. */
const waitForFile = async (file: string, ms = 20_000): Promise<string> => {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      if (text !== '') return text;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${file} was not written within ${ms} ms`);
};

describe.concurrent('ChildProcessScriptRunner', () => {
  it("runs a seed script in a process of its own: resolve('Done') and its log lines", async ({ expect }) => {
    const source = readFileSync(join(repoRoot, 'test/fixtures/scripts/plutora/global-parameters.js'), 'utf8');
    const result = await runner.run(inputOf(source), never);
    expect(result).toEqual({
      status: 'succeeded',
      message: 'Done',
      logs: [
        expect.objectContaining({ level: 'LOG', message: 'Starting script' }),
        expect.objectContaining({ level: 'LOG', message: 'Ending script' }),
      ],
    });
  });

  it('gives the child nothing of the environment but PATH, HOME, TZ and LANG', async ({ expect }) => {
    // Prepare: an environment holding what must never reach a script
    const env = {
      PATH: '/usr/bin:/bin',
      HOME: '/home/ops',
      LANG: 'C.UTF-8',
      AWS_ACCESS_KEY_ID: 'AKIDLEAK',
      AWS_SECRET_ACCESS_KEY: 'leak-secret',
      TRIGGERHUB_SECRET_DEMO: 'leak-demo',
      NODE_OPTIONS: '--require /tmp/evil.js',
    };
    // the script reads its process's real environment, not the thread's empty process.env
    const source = `const fs = require('fs');
      exports.run = () => ({ pid: process.pid, environ: fs.readFileSync('/proc/self/environ', 'utf8').split('\\0').filter(Boolean) });`;

    // Act
    const result = await new ChildProcessScriptRunner({ env }).run(inputOf(source), never);

    // Assess
    expect(result.status).toBe('succeeded');
    const { pid, environ } = JSON.parse(result.message) as { pid: number; environ: string[] };
    expect(pid).not.toBe(process.pid);
    // Node adds its IPC channel's two variables to a forked child; nothing else is there.
    expect(environ.filter((kv) => !kv.startsWith('NODE_CHANNEL_')).sort()).toEqual([
      'HOME=/home/ops',
      'LANG=C.UTF-8',
      'PATH=/usr/bin:/bin',
    ]);
  });

  it('a stop kills the child: the run ends "stopped" and the process is gone', async ({ expect }) => {
    // Prepare: a script that says where it runs, then ignores everything
    const pidFile = join(dir, 'stopped.pid');
    const source = `exports.run = (args) => {
      console.log('started');
      require('fs').writeFileSync(args.arguments.pidFile, String(process.pid));
      while (true) {}
    };`;
    const controller = new AbortController();
    // A deadline far beyond the test's time-out: only the kill can end this run in time.
    const pending = runner.run(
      inputOf(source, { args: { ...ARGS, arguments: { pidFile } }, timeoutMs: 600_000 }),
      controller.signal,
    );
    const pid = Number(await waitForFile(pidFile));
    expect(isAlive(pid)).toBe(true);

    // Act
    controller.abort();
    const result = await pending;

    // Assess
    expect(result).toMatchObject({ status: 'failed', message: 'stopped' });
    expect(result.logs.map((l) => l.message)).toEqual(['started']);
    expect(pid).not.toBe(process.pid);
    expect(isAlive(pid)).toBe(false);
  });

  it('an endless loop is ended at the deadline: timed_out', async ({ expect }) => {
    const result = await runner.run(
      inputOf('exports.run = () => { while (true) {} };', { timeoutMs: 1000 }),
      never,
    );
    expect(result).toEqual({ status: 'timed_out', message: 'did not finish within 1 s', logs: [] });
  });

  it('a script that kills its own process ends its run only', async ({ expect }) => {
    const result = await runner.run(
      inputOf("exports.run = () => { console.log('going'); process.kill(process.pid, 'SIGKILL'); };"),
      never,
    );
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/^the script runner process ended unexpectedly \(SIGKILL\)/);
    // the runner runs the next script as before
    expect(await runner.run(inputOf('exports.run = () => "next";'), never)).toMatchObject({
      status: 'succeeded',
      message: 'next',
    });
  });

  it('a child that does not start in time is killed', async ({ expect }) => {
    const result = await new ChildProcessScriptRunner({ startupMs: 1 }).run(
      inputOf('exports.run = () => 1;'),
      never,
    );
    expect(result).toEqual({
      status: 'failed',
      message: 'the script runner did not start within 0 s',
      logs: [],
    });
  });

  it('an aborted signal runs nothing', async ({ expect }) => {
    const controller = new AbortController();
    controller.abort();
    expect(await runner.run(inputOf('exports.run = () => 1;'), controller.signal)).toEqual({
      status: 'failed',
      message: 'stopped',
      logs: [],
    });
  });
});
