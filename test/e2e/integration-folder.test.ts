import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStackCli } from '../helpers/cli.ts';
import type { LocalProcess } from '../helpers/local-process.ts';
import { freePort, startLocalProcess, stopProcess } from '../helpers/local-process.ts';
import type { RepoCopy, RepoWorkspace } from '../helpers/repo-copy.ts';
import { copyRepoWithWork } from '../helpers/repo-copy.ts';

const execFileAsync = promisify(execFile);

/** The copy's own CLI in a process of its own, as `npx triggerhub …` runs it there. */
const copyCli = (repo: RepoCopy, args: string[]) =>
  execFileAsync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: repo.dir,
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });

/**
 * Issue 8, "Done when": `npx triggerhub integrations new ip-lookup`, restart
 * `npm start`, apply a job for it, `triggerhub send` an event: the run
 * succeeds and shows the new integration's log. In a copy of the repository,
 * so that the new folder never reaches the tree the other tests run from.
 */
describe('a new integration folder, through npm start', () => {
  let workspace: RepoWorkspace;
  let repo: RepoCopy;
  let dataDir: string;
  let stack: LocalProcess | undefined;

  beforeAll(async () => {
    workspace = await copyRepoWithWork('triggerhub-folder-e2e-');
    ({ repo, dataDir } = workspace);
  });

  afterAll(async () => {
    if (stack) await stopProcess(stack.child, 'SIGINT');
    await workspace.cleanup();
  });

  it('scaffolds, starts, runs and lists it', async () => {
    // Act: the user's steps, in order
    const made = await copyCli(repo, ['integrations', 'new', 'ip-lookup']);
    stack = await startLocalProcess(dataDir, await freePort(), { cwd: repo.dir });
    const secret = await localStackCli(
      ['secrets', 'set', 'ip-lookup'],
      dataDir,
      repo.dir,
      'e2e-folder-secret-1234\n',
    );
    // Absolute: `jobs apply` reads its file from the process's folder, not the CLI io's.
    const jobFile = join(repo.dir, 'integrations', 'ip-lookup', 'job.example.json');
    const applied = await localStackCli(['jobs', 'apply', jobFile], dataDir, repo.dir);
    const sent = await localStackCli(
      ['send', 'ip-lookup', '-d', '{"hello":"world"}', '--wait'],
      dataDir,
      repo.dir,
    );
    const listed = await localStackCli(['integrations', 'list'], dataDir, repo.dir);

    // Assess
    expect(made.stdout).toContain('Created integrations/ip-lookup/:');
    expect(secret.code, secret.stderr).toBe(0);
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(sent.code, sent.stderr + sent.stdout).toBe(0);
    expect(sent.stdout).toMatch(/\nStatus: +succeeded\n/);
    expect(sent.stdout).toMatch(/\[INFO\] – received a generic\/webhook event, delivery /);
    expect(sent.stdout).toContain('Hello from ip-lookup');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/\nip-lookup +ip-lookup +0\.1\.0 +run +greeting:text /);
  });
});

describe('a folder whose manifest id is not its name', () => {
  let workspace: RepoWorkspace;
  let repo: RepoCopy;
  let work: string;

  beforeAll(async () => {
    workspace = await copyRepoWithWork('triggerhub-folder-e2e-');
    ({ repo, work } = workspace);
    const folder = join(repo.dir, 'integrations', 'bad-id');
    await mkdir(folder);
    await writeFile(
      join(folder, 'index.ts'),
      "import { defineIntegration } from '../../shared/sdk/index.ts';\n" +
        "export default defineIntegration({ id: 'other', name: 'Other', version: '1.0.0', description: '', " +
        'parameters: {}, run: () => ({}) });\n',
    );
  });

  afterAll(async () => {
    await workspace.cleanup();
  });

  it('stops npm start with exit 1 and a message naming the folder and both ids', async () => {
    // Act
    const started = startLocalProcess(join(work, '.triggerhub'), await freePort(), { cwd: repo.dir });

    // Assess
    await expect(started).rejects.toThrow(/local stack exited with 1:/);
    await expect(started).rejects.toThrow(
      'integrations/bad-id/index.ts: default export has id "other": the folder name must equal the manifest id',
    );
  });

  it('stops the CDK app (npm run synth) the same way, before any synth', async () => {
    // Act
    const synth = execFileAsync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: repo.dir,
      env: { ...process.env, CDK_OUTDIR: join(work, 'cdk.out') },
      timeout: 60_000,
    });

    // Assess
    const failed = await synth.then(
      () => undefined,
      (e: unknown) => e as { code?: number; stderr?: string },
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(
      'integrations/bad-id/index.ts: default export has id "other": the folder name must equal the manifest id',
    );
  });
});
