import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './local-process.ts';

/** A copy of the repository, and how to remove it. */
export interface RepoCopy {
  readonly dir: string;
  readonly cleanup: () => Promise<void>;
}

/**
 * Copies the repository's files as they are now (tracked and new ones, as
 * `git ls-files` sees them; nothing git ignores: no `.triggerhub/`, no
 * generated registry module) to a temporary folder, with `node_modules`
 * linked to this one's. For end-to-end tests that change the tree (a new
 * integration folder) without touching the repository other tests run from.
 *
 * @example
 * ```ts
 * const repo = await copyRepo();
 * try { … spawn the CLI with cwd: repo.dir … } finally { await repo.cleanup(); }
 * ```
 */
export const copyRepo = async (): Promise<RepoCopy> => {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    // A tracked file deleted in the working tree is listed too: it is not part of the tree now.
    .filter((f) => f !== '' && existsSync(join(REPO_ROOT, f)));
  const dir = await mkdtemp(join(tmpdir(), 'triggerhub-repo-'));
  try {
    const dirs = new Set(files.map((f) => dirname(join(dir, f))));
    for (const d of dirs) await mkdir(d, { recursive: true });
    await Promise.all(files.map((f) => copyFile(join(REPO_ROOT, f), join(dir, f))));
    await symlink(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
};

/** A copy of the repository and a work folder of the test's beside it; cleanup removes both. */
export interface RepoWorkspace {
  readonly repo: RepoCopy;
  readonly work: string;
  /** `<work>/.triggerhub`: the data folder for an `npm start` of the copy. */
  readonly dataDir: string;
  readonly cleanup: () => Promise<void>;
}

/** copyRepo, and an empty work folder named `<prefix>…` in the temporary folder. */
export const copyRepoWithWork = async (prefix: string): Promise<RepoWorkspace> => {
  const repo = await copyRepo();
  let work: string;
  try {
    work = await mkdtemp(join(tmpdir(), prefix));
  } catch (e) {
    await repo.cleanup();
    throw e;
  }
  return {
    repo,
    work,
    dataDir: join(work, '.triggerhub'),
    cleanup: async () => {
      await rm(work, { recursive: true, force: true });
      await repo.cleanup();
    },
  };
};
