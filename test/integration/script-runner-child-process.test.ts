import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ScriptRunInput } from '../../shared/ports.ts';
import { ChildProcessScriptRunner } from '../../shared/scripts/child-process-runner.ts';
import { scriptArgs, scriptRunInput, seedScript } from '../helpers/script-input.ts';

// The adapter `npm start` uses: one child process per run. What the child
// may see of this process (its environment), and that a stop, a deadline or
// a script killing its own process end that run only, with the process gone.

const ARGS = scriptArgs({
  arguments: { jobParamter1: 'p1' },
  globalArguments: { globalParameter1: 'g1' },
  plutoraValues: { JobName: 'child' },
});

const inputOf = (source: string, overrides: Partial<ScriptRunInput> = {}): ScriptRunInput =>
  scriptRunInput(source, {
    script: { id: 'child', version: 1, sha256: '0'.repeat(64) },
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

/** Waits (at most `ms`) until `check` holds. */
const waitFor = async (check: () => boolean, ms = 20_000): Promise<void> => {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`not within ${ms} ms`);
};

// Scripts report their pid to this loopback server (a script has no fs to write it to).
const reported = new Map<string, number>();
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  reported.set(url.searchParams.get('key') ?? '', Number(url.searchParams.get('pid')));
  res.end('ok');
});
let origin = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

/** A module forked instead of the runner's child (a child that misbehaves), written to the test's directory. */
const fakeChild = (name: string, code: string): string => {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, code);
  return file;
};

describe.concurrent('ChildProcessScriptRunner', () => {
  it("runs a seed script in a process of its own: resolve('Done') and its log lines", async ({ expect }) => {
    const source = seedScript('global-parameters.js');
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

  it('forks the child with nothing of the environment but PATH, TZ, LANG, a HOME and cwd of its own, leading its own process group', async ({
    expect,
  }) => {
    // Prepare: an environment holding what must never reach a script, and a child that reports what it got
    const env = {
      PATH: '/usr/bin:/bin',
      HOME: '/home/ops',
      LANG: 'C.UTF-8',
      AWS_ACCESS_KEY_ID: 'AKIDLEAK',
      AWS_SECRET_ACCESS_KEY: 'leak-secret',
      TRIGGERHUB_SECRET_DEMO: 'leak-demo',
      NODE_OPTIONS: '--require /tmp/evil.js',
    };
    const entry = fakeChild(
      'report-env',
      `import { execFileSync } from 'node:child_process';
      process.once('message', () => {
        const pgid = execFileSync('ps', ['-o', 'pgid=', '-p', String(process.pid)], { encoding: 'utf8' }).trim();
        const report = { pid: process.pid, pgid: Number(pgid), cwd: process.cwd(), env: process.env };
        process.send({ type: 'result', status: 'succeeded', message: JSON.stringify(report), logsTruncated: false }, () => process.exit(0));
      });`,
    );

    // Act
    const result = await new ChildProcessScriptRunner({ env, entry }).run(inputOf('unused'), never);

    // Assess
    expect(result.status).toBe('succeeded');
    const report = JSON.parse(result.message) as {
      pid: number;
      pgid: number;
      cwd: string;
      env: Record<string, string>;
    };
    expect(report.pgid).toBe(report.pid);
    expect(report.cwd).not.toBe(process.cwd());
    expect(report.cwd.startsWith(join(tmpdir(), 'triggerhub-script-'))).toBe(true);
    // Node adds its IPC channel's variables to a forked child; nothing else is there.
    expect(
      Object.entries(report.env)
        .filter(([k]) => !k.startsWith('NODE_CHANNEL_'))
        .sort(),
    ).toEqual([
      ['HOME', report.cwd],
      ['LANG', 'C.UTF-8'],
      ['PATH', '/usr/bin:/bin'],
    ]);
  });

  it('a stop kills the child: the run ends "stopped" and the process is gone', async ({ expect }) => {
    // Prepare: a script that says where it runs, then ignores everything
    const source = `exports.run = (args) => {
      console.log('started');
      require('http').get(args.arguments.report + process.pid, (res) => {
        res.resume();
        res.on('end', () => { for (;;) {} });
      });
      return new Promise(() => {});
    };`;
    const controller = new AbortController();
    // A deadline far beyond the test's time-out: only the kill can end this run in time.
    const pending = runner.run(
      inputOf(source, {
        args: { ...ARGS, arguments: { report: `${origin}/?key=stop&pid=` } },
        timeoutMs: 600_000,
      }),
      controller.signal,
    );
    await waitFor(() => reported.has('stop'));
    const pid = reported.get('stop') ?? 0;
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

  it('a stop kills what the child started too, a detached (setsid) grandchild included', async ({
    expect,
  }) => {
    // Prepare: a child that starts two sleepers — one in its group, one in a session of its own —
    // says their pids, and waits
    const entry = fakeChild(
      'grandchildren',
      `import { spawn } from 'node:child_process';
      process.once('message', () => {
        const inGroup = spawn('sleep', ['120'], { stdio: 'ignore' });
        const detached = spawn('sleep', ['120'], { stdio: 'ignore', detached: true });
        detached.unref();
        process.send({ type: 'ready' });
        process.send({ type: 'log', line: { ts: new Date().toISOString(), level: 'LOG', message: inGroup.pid + ' ' + detached.pid } });
      });`,
    );
    const controller = new AbortController();
    let pids: number[] = [];
    const pending = new ChildProcessScriptRunner({ entry }).run(
      inputOf('unused', { timeoutMs: 600_000 }),
      controller.signal,
    );
    // The pids are in the log line once the child sent it: read them from ps, as the run's log comes at the end.
    await waitFor(() => {
      const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
      pids = out
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter(([, , cmd, arg]) => cmd === 'sleep' && arg === '120')
        .filter(([, ppid]) => {
          const parent = Number(ppid);
          return readFileSync(`/proc/${parent}/cmdline`, 'utf8').includes('grandchildren.mjs');
        })
        .map(([pid]) => Number(pid));
      return pids.length === 2;
    });
    expect(pids.every(isAlive)).toBe(true);

    // Act
    controller.abort();
    const result = await pending;

    // Assess
    expect(result).toMatchObject({ status: 'failed', message: 'stopped' });
    // Killed, then reaped by init: a moment later they are gone.
    await waitFor(() => !pids.some(isAlive), 5_000);
    expect(pids.some(isAlive)).toBe(false);
  });

  it('an endless loop is ended at the deadline, start-up included: timed_out, its first lines kept, no more', async ({
    expect,
  }) => {
    const started = Date.now();
    const result = await runner.run(
      inputOf("exports.run = () => { console.info('begin sync'); for (;;) {} };", { timeoutMs: 3000 }),
      never,
    );
    const took = Date.now() - started;
    expect(result).toEqual({
      status: 'timed_out',
      message: 'did not finish within 3 s',
      logs: [expect.objectContaining({ level: 'INFO', message: 'begin sync' })],
    });
    // The deadline counts from the fork: the child's start-up (1–2 s here) is not added to it.
    // Generous for a loaded machine: before, this took the start-up plus the deadline plus a grace.
    expect(took).toBeLessThan(3000 + 1000);
  });

  it('a Buffer hog (outside the heap cap) is killed by its resident memory: "ran out of memory"', async ({
    expect,
  }) => {
    // Prepare: 32 MiB at a time (bounded: 1.5 GiB at most), each touched, with a pause between so the
    // watch gets to read the memory.
    const source = `exports.run = async () => {
      const kept = [];
      for (let i = 0; i < 48; i++) {
        kept.push(Buffer.alloc(32 * 1024 * 1024, 1));
        await new Promise((r) => setTimeout(r, 20));
      }
      return 'kept ' + kept.length * 32 + ' MiB';
    };`;

    // Act
    const result = await runner.run(inputOf(source, { memoryMb: 64 }), never);

    // Assess
    expect(result).toMatchObject({ status: 'failed', message: 'ran out of memory (limit 64 MiB)' });
  });

  it('a malformed message from the child kills it and fails the run; this process and the runner carry on', async ({
    expect,
  }) => {
    // Prepare: a child that sends what the review's script sent through the inspector
    const entry = fakeChild(
      'bad-ipc',
      `process.once('message', () => {
        process.send({ type: 'ready' });
        process.send({ type: 'log', line: { message: 5 } });
        setInterval(() => {}, 1000);
      });`,
    );

    // Act
    const result = await new ChildProcessScriptRunner({ entry }).run(
      inputOf('unused', { timeoutMs: 600_000 }),
      never,
    );

    // Assess
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/^the script runner process sent a malformed message \(/);
    expect(result.logs).toEqual([]);
    expect(await runner.run(inputOf('exports.run = () => "next";'), never)).toMatchObject({
      status: 'succeeded',
      message: 'next',
    });
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
