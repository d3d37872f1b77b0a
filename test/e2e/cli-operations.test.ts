import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';
import { secretFilePath } from '../../shared/secrets/local-secret-store.ts';
import { localStackCli } from '../helpers/cli.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';
import { repoRoot } from '../helpers/samples.ts';

/**
 * Issue 9's operations commands as a new user runs them, in another terminal,
 * against `npm start` (runLocal in this process, its real script runner): the
 * CLI finds the stack through its data folder.
 */
describe('the operations CLI against npm start', () => {
  let stack: InProcessStack;
  let cwd: string;
  const cli = (args: string[]) => localStackCli(args, stack.dataDir, cwd);

  beforeAll(async () => {
    stack = await startInProcessStack();
    cwd = await mkdtemp(join(tmpdir(), 'triggerhub-ops-cli-'));
    await writeFile(secretFilePath(stack.dataDir, 'sync-token'), 'canary-ops-token-77', { mode: 0o600 });
  });
  afterAll(async () => {
    await stack.stop();
    await rm(cwd, { recursive: true, force: true });
  });

  it('scripts push, list, show and pull round-trip a script; a file that is not .js is refused', async () => {
    // Prepare
    const original = await readFile(join(repoRoot, 'examples', 'scripts', 'sync.js'), 'utf8');
    const changed = original.replace("console.log('Ending script');", "console.log('Ending script (v2)');");
    await writeFile(join(cwd, 'sync.js'), original);
    await writeFile(join(cwd, 'sync-v2.js'), changed);
    await writeFile(join(cwd, 'notes.txt'), original);

    // Act
    const first = await cli(['scripts', 'push', 'sync.js', '--id', 'sync']);
    const second = await cli(['scripts', 'push', 'sync-v2.js', '--id', 'sync']);
    const refused = await cli(['scripts', 'push', 'notes.txt', '--id', 'sync']);
    const list = await cli(['scripts', 'list']);
    const show = await cli(['scripts', 'show', 'sync']);
    const latest = await cli(['scripts', 'pull', 'sync']);
    const pulled = await cli(['scripts', 'pull', 'sync', '--version', '1', '-o', 'back.js']);
    const missing = await cli(['scripts', 'pull', 'sync', '--version', '9']);

    // Assess
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^pushed {2}sync {2}version 1 {2}\(\d+ bytes, sha256 [0-9a-f]{12}\)\n$/);
    expect(second.stdout).toMatch(/^pushed {2}sync {2}version 2 /);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: Only .js files can be used: notes.txt is not a .js file\n');
    expect(list.stdout).toMatch(/\nsync +2 +[0-9a-f]{12} +\d{4}-\d\d-\d\dT[\d:.]+Z +local\n/);
    expect(show.stdout).toMatch(/\nVERSION .*\n2 .*\n1 .*\n$/);
    expect(latest.stdout).toBe(changed);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(await readFile(join(cwd, 'back.js'), 'utf8')).toBe(original);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: no script sync v9 \(HTTP 404 not_found\)\n$/);
  });

  it('runs tail follows a script job run live, with its log lines; runs list says who fired it', async () => {
    // Prepare: the script of the previous test (version 2), on a job that accepts webhooks.
    await writeFile(
      join(cwd, 'sync-job.json'),
      JSON.stringify({
        id: 'sync-job',
        name: 'Sync job',
        script: { id: 'sync' },
        auth: { type: 'shared-secret', secret: 'demo' },
        params: { region: 'eu', apiToken: { secret: 'sync-token' } },
        timeoutSeconds: 60,
      }),
    );
    const applied = await cli(['jobs', 'apply', 'sync-job.json']);
    expect(applied.code, applied.stderr).toBe(0);
    let tailed = '';
    let tailErr = '';
    const sigintListeners = process.listenerCount('SIGINT');
    const tail = run(['runs', 'tail', 'sync-job', '--interval', '200'], {
      stdout: (s) => (tailed += s),
      stderr: (s) => (tailErr += s),
      env: { TRIGGERHUB_DATA_DIR: stack.dataDir },
      cwd,
    });
    for (let i = 0; i < 300 && !tailErr.includes('following the runs'); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }

    // Act: a webhook fires a run; the tail shows it until it ends (a child process per run: slow when loaded).
    const sent = await cli(['send', 'sync-job', '-d', '{"ticket":7}', '--json']);
    const runId = (JSON.parse(sent.stdout) as { body: { runId: string } }).body.runId;
    for (let i = 0; i < 900 && !tailed.includes(`run ${runId} succeeded`); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    // Only the tail listens (runLocal here stops on its own promise, not on signals).
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners + 1);
    process.emit('SIGINT');
    const code = await tail;
    const listed = await cli(['runs', 'list', 'sync-job']);

    // Assess
    expect(code, tailErr).toBe(0);
    const lines = tailed.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^run ${runId} (queued|running) \\(fired by webhook\\)$`));
    expect(tailed).toMatch(
      new RegExp(
        `\\n${runId} \\[[\\d\\-T:.]+Z\\] \\[INFO\\] – Syncing eu changes since the beginning \\(default\\)\\n`,
      ),
    );
    expect(tailed).toContain(`${runId} [`);
    expect(tailed).toMatch(
      new RegExp(`\\nrun ${runId} succeeded in [\\d.]+m?s – Sync job: synced eu since the beginning\\n$`),
    );
    expect(tailed).not.toContain('canary-ops-token-77');
    expect(listed.stdout).toMatch(new RegExp(`\\n${runId} +succeeded +webhook +`));
  }, 120_000);

  it('jobs list shows the jobs the stack has', async () => {
    // Act
    const out = await cli(['jobs', 'list']);
    const asJson = await cli(['--json', 'jobs', 'list']);

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^Job +Schedule +Last run +Next run\n/);
    expect(out.stdout).toMatch(/\ndemo +/);
    expect((JSON.parse(asJson.stdout) as { items: { id: string }[] }).items.map((j) => j.id)).toContain(
      'sync-job',
    );
  });
});
