import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError } from '../../shared/errors.ts';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return e instanceof Error && 'code' in e && e.code === 'EPERM';
  }
};

/**
 * One local stack per data folder: two would write the same DynamoDB files.
 * The lock file holds the owner's pid; a lock left by a process that no longer
 * runs (killed) is taken over.
 */
export const lockDataDir = async (dir: string): Promise<{ release(): Promise<void> }> => {
  const path = join(dir, 'triggerhub.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const file = await open(path, 'wx', 0o600);
      await file.writeFile(String(process.pid));
      await file.close();
      return { release: () => rm(path, { force: true }) };
    } catch (e) {
      if (!(e instanceof Error && 'code' in e && e.code === 'EEXIST')) throw e;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new ConflictError(
        `another triggerhub (pid ${pid}) is running on ${dir}: stop it, or give this one its own TRIGGERHUB_DATA_DIR`,
        'data_dir_locked',
      );
    }
    await rm(path, { force: true });
  }
  throw new ConflictError(`cannot lock ${dir}`, 'data_dir_locked');
};
