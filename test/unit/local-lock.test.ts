import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../cli/local/lock.ts';
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
