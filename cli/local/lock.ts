import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { link, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError } from '../../shared/errors.ts';

const errorCode = (e: unknown): unknown => (e instanceof Error && 'code' in e ? e.code : undefined);

/**
 * Whether a process runs `pid`. A zombie (exited, not yet reaped by its
 * parent) still answers `kill(pid, 0)` but holds nothing any more: on Linux
 * its `/proc/<pid>/stat` state is `Z` (or `X`, dead).
 */
export const isProcessAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    if (errorCode(e) !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "<pid> (<comm>) <state> …": comm may itself hold spaces and parentheses.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No /proc (macOS) or the process just went: kill's answer stands.
    return true;
  }
};

/** The pid a lock file names, or undefined when it names none (empty, garbage). */
const parsePid = (text: string): number | undefined => {
  const pid = /^\s*(\d{1,10})\s*$/.exec(text)?.[1];
  const n = pid === undefined ? Number.NaN : Number(pid);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

/** One open of a lock file: its identity (inode) and the pid it holds, read through the same handle. */
const readLock = async (path: string): Promise<{ ino: number; pid: number | undefined } | undefined> => {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const { ino } = await file.stat();
    return { ino, pid: parsePid(await file.readFile('utf8')) };
  } finally {
    await file.close();
  }
};

/** Lock paths this process holds: a second start in the same process is a conflict, not a takeover. */
const heldHere = new Set<string>();

/** Takeovers nest at most this deep (a breaker that died while breaking, and so on). */
const MAX_BREAK_DEPTH = 3;
/** Bounded: each round either wins, fails on a live owner, or saw the lock change under it. */
const MAX_ROUNDS = 200;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Outcome = { won: true; ino: number } | { won: false; pid: number };

/**
 * Creates `path` holding our pid, exactly once among any number of processes
 * racing, taking it over when its owner is dead.
 *
 * The file is written whole under a temporary name and then `link`ed to
 * `path` — atomic, and failing with EEXIST when `path` exists — so a reader
 * never sees a half-written lock. A stale lock (inode I, owner dead) may only
 * be replaced by whoever holds `<path>.break-<I>`, acquired by this same
 * function one level down: the holder re-reads `path`, and only when it is
 * still inode I with a dead owner `rename`s its own file over it. Nobody else
 * can change `path` meanwhile (a `link` needs it absent, another breaker needs
 * the same break file), so exactly one process ever wins.
 */
const acquire = async (path: string, depth: number): Promise<Outcome> => {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, String(process.pid), { mode: 0o600, flag: 'wx' });
  try {
    // Linked or renamed to `path`, this file keeps its inode: that is how we recognise ours.
    const { ino } = await stat(tmp);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      try {
        await link(tmp, path);
        return { won: true, ino };
      } catch (e) {
        if (errorCode(e) !== 'EEXIST') throw e;
      }
      const current = await readLock(path);
      if (!current) continue; // released meanwhile: link again
      const { pid } = current;
      if (pid !== undefined && isProcessAlive(pid) && (pid !== process.pid || heldHere.has(path))) {
        return { won: false, pid };
      }
      if (depth >= MAX_BREAK_DEPTH) {
        throw new ConflictError(
          `cannot take over the stale lock ${path}: remove it by hand`,
          'data_dir_locked',
        );
      }
      const breakPath = `${path}.break-${current.ino}`;
      const breaker = await acquire(breakPath, depth + 1);
      if (!breaker.won) {
        // Another process is taking it over: give it a moment, then look again.
        await sleep(5 + Math.random() * 20);
        continue;
      }
      try {
        const again = await readLock(path);
        const stillStale =
          again !== undefined &&
          again.ino === current.ino &&
          !(again.pid !== undefined && isProcessAlive(again.pid) && again.pid !== process.pid);
        if (stillStale) {
          await rename(tmp, path);
          return { won: true, ino };
        }
      } finally {
        await releaseIfMine(breakPath, breaker.ino);
      }
    }
    throw new ConflictError(`cannot lock ${path}: it keeps changing`, 'data_dir_locked');
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
};

/** Removes `path` only while it is still the file we created (inode `ino`). */
const releaseIfMine = async (path: string, ino: number): Promise<void> => {
  const current = await readLock(path).catch(() => undefined);
  if (current?.ino === ino) await unlink(path).catch(() => undefined);
};

/**
 * One local stack per data folder: two would write the same DynamoDB files.
 * The lock file `triggerhub.lock` holds the owner's pid; it is taken
 * atomically (exactly one of any number of concurrent starts wins), and a
 * lock whose owner no longer runs (killed, or a zombie) is taken over.
 */
export const lockDataDir = async (dir: string): Promise<{ release(): Promise<void> }> => {
  const path = join(dir, 'triggerhub.lock');
  if (heldHere.has(path)) throw lockedBy(process.pid, dir);
  const outcome = await acquire(path, 0);
  if (!outcome.won) throw lockedBy(outcome.pid, dir);
  heldHere.add(path);
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      heldHere.delete(path);
      await releaseIfMine(path, outcome.ino);
    },
  };
};

const lockedBy = (pid: number, dir: string): ConflictError =>
  new ConflictError(
    `another triggerhub (pid ${pid}) is running on ${dir}: stop it, or give this one its own TRIGGERHUB_DATA_DIR`,
    'data_dir_locked',
  );
