import { readdirSync, readFileSync } from 'node:fs';

/** The parent pid of `pid` from /proc/<pid>/stat (its 4th field, after the parenthesized name). */
const parentOf = (pid: string): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined;
  }
};

/**
 * Every living descendant of `root` (Linux: read from /proc; elsewhere none),
 * children first. A process that left the group (setsid, a detached spawn) is
 * still a descendant while its parent lives: a kill of the group alone would
 * miss it.
 */
export const descendantsOf = (root: number): number[] => {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const entry of entries) {
    const parent = parentOf(entry);
    if (parent === undefined) continue;
    const list = children.get(parent) ?? [];
    list.push(Number(entry));
    children.set(parent, list);
  }
  const found: number[] = [];
  // Bounded: a pid is visited once (the map is a forest), at most as many as /proc lists.
  for (let queue = [root]; queue.length > 0 && found.length < entries.length;) {
    const next: number[] = [];
    for (const pid of queue) {
      for (const child of children.get(pid) ?? []) {
        found.push(child);
        next.push(child);
      }
    }
    queue = next;
  }
  return found;
};

/** SIGKILL to each of `pids`, those already gone skipped. */
export const killAll = (pids: readonly number[]): void => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already (ESRCH)
    }
  }
};
