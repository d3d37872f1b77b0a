import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isProcessAlive, lockDataDir } from '../../cli/local/lock.ts';
import { ConflictError } from '../../shared/errors.ts';

describe('lockDataDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'triggerhub-lock-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('refuses a data folder another live process holds', async () => {
    const other = spawn('sleep', ['5']);
    try {
      await writeFile(join(dir, 'triggerhub.lock'), String(other.pid));
      await expect(lockDataDir(dir)).rejects.toBeInstanceOf(ConflictError);
      await expect(lockDataDir(dir)).rejects.toThrow(`pid ${other.pid}`);
    } finally {
      other.kill();
    }
  });

  it('takes over the lock of a process that is gone, and releases it', async () => {
    const gone = spawn('true');
    await new Promise((r) => gone.once('exit', r));
    await writeFile(join(dir, 'triggerhub.lock'), String(gone.pid));
    const lock = await lockDataDir(dir);
    expect(await readFile(join(dir, 'triggerhub.lock'), 'utf8')).toBe(String(process.pid));
    await lock.release();
    await expect(readFile(join(dir, 'triggerhub.lock'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});

/** The pid of a process that has exited (and been reaped). */
const deadPid = async (): Promise<number> => {
  const gone = spawn('true');
  await new Promise((r) => gone.once('exit', r));
  if (gone.pid === undefined) throw new Error('no pid');
  return gone.pid;
};

const procState = (pid: number): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
};

/**
 * A zombie: `sh` starts a child that exits shortly, then becomes `sleep`
 * (exec), which never reaps it. Linux only (it is read from /proc).
 */
const withZombie = async (use: (pid: number) => Promise<void>): Promise<void> => {
  const parent = spawn('sh', ['-c', 'sleep 1 & echo $!; exec sleep 30'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    const pid = await new Promise<number>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error('no zombie pid')), 5_000);
      parent.stdout.once('data', (d: Buffer) => {
        clearTimeout(timer);
        ok(Number(d.toString().trim()));
      });
    });
    for (let i = 0; i < 250 && procState(pid) !== 'Z'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(procState(pid)).toBe('Z');
    await use(pid);
  } finally {
    parent.kill();
  }
};

describe('isProcessAlive', () => {
  it('is true for a running process and false for one that is gone', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(await deadPid())).toBe(false);
  });

  it.runIf(existsSync('/proc/self/stat'))('treats a zombie (exited, not reaped) as gone', async () => {
    await withZombie((pid) => {
      // kill(pid, 0) still answers for a zombie: only its state tells
      expect(() => process.kill(pid, 0)).not.toThrow();
      expect(isProcessAlive(pid)).toBe(false);
      return Promise.resolve();
    });
  });
});

const CONTENDERS = 20;
const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** A contender process (test/helpers/lock-contender.ts) and the lines it answered. */
interface Contender {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  waiters: ((line: string) => void)[];
}

const nextLine = (c: Contender): Promise<string> => {
  const line = c.lines.shift();
  if (line !== undefined) return Promise.resolve(line);
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`contender ${c.child.pid} did not answer`)), 20_000);
    c.waiters.push((l) => {
      clearTimeout(timer);
      ok(l);
    });
  });
};

describe('lockDataDir under concurrent starts (20 processes)', () => {
  const contenders: Contender[] = [];
  let dir: string;
  let bundleDir: string;

  beforeAll(async () => {
    // The contender and the lock code it runs, bundled once and started by plain node: 20 starts
    // under tsx would each compile them again (a third of a CPU second apiece).
    bundleDir = await mkdtemp(join(tmpdir(), 'triggerhub-lock-contender-'));
    const script = join(bundleDir, 'lock-contender.mjs');
    await build({
      entryPoints: [join(REPO_ROOT, 'test/helpers/lock-contender.ts')],
      outfile: script,
      bundle: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    for (let i = 0; i < CONTENDERS; i++) {
      const child = spawn(process.execPath, [script], {
        cwd: REPO_ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const c: Contender = { child, lines: [], waiters: [] };
      let buffered = '';
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          const waiter = c.waiters.shift();
          if (waiter) waiter(line);
          else c.lines.push(line);
        }
      });
      contenders.push(c);
    }
    for (const c of contenders) expect(await nextLine(c)).toBe('ready');
  }, 60_000);

  afterAll(async () => {
    for (const c of contenders) c.child.kill();
    if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'triggerhub-lock-race-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** All contenders try at once; exactly one must win, and the lock must name it. */
  const race = async (): Promise<void> => {
    for (const c of contenders) c.child.stdin.write(`go ${dir}\n`);
    const answers = await Promise.all(contenders.map(nextLine));
    const winners = contenders.filter((_c, i) => answers[i] === 'won');
    expect(answers.filter((a) => a !== 'won')).toEqual(Array(CONTENDERS - 1).fill('lost data_dir_locked'));
    expect(winners).toHaveLength(1);
    const [winner] = winners;
    if (!winner) return;
    expect(await readFile(join(dir, 'triggerhub.lock'), 'utf8')).toBe(String(winner.child.pid));
    winner.child.stdin.write('release\n');
    expect(await nextLine(winner)).toBe('released');
    // Nothing is left behind: no lock, no temporary or takeover file.
    expect(await readdir(dir)).toEqual([]);
  };

  it('on a fresh folder, exactly one wins (3 rounds)', async () => {
    for (let round = 0; round < 3; round++) {
      await race();
      await rm(join(dir, 'triggerhub.lock'), { force: true });
    }
  }, 60_000);

  it('on a lock left by a dead process, exactly one takes it over (5 rounds)', async () => {
    for (let round = 0; round < 5; round++) {
      await writeFile(join(dir, 'triggerhub.lock'), String(await deadPid()));
      await race();
    }
  }, 60_000);

  it('on an empty lock file (a start killed half-way by an older version), exactly one wins', async () => {
    await writeFile(join(dir, 'triggerhub.lock'), '');
    await race();
  }, 60_000);

  it.runIf(existsSync('/proc/self/stat'))(
    'on a lock held by a zombie, exactly one takes it over',
    async () => {
      await withZombie(async (pid) => {
        await writeFile(join(dir, 'triggerhub.lock'), String(pid));
        await race();
      });
    },
    60_000,
  );
});
