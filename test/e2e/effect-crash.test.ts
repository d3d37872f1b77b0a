import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localStackCli } from '../helpers/cli.ts';
import type { LocalProcess } from '../helpers/local-process.ts';
import { freePort, startLocalProcess, stopProcess } from '../helpers/local-process.ts';
import type { RepoCopy, RepoWorkspace } from '../helpers/repo-copy.ts';
import { copyRepoWithWork } from '../helpers/repo-copy.ts';

/**
 * The probe, dropped into a copy of the repository as its own folder: its
 * effect notes each call of `fn` (and of `reconcile`) in a file, then hangs
 * until the run's deadline, so that the test can kill npm start between the
 * effect's `pending` and its `done`.
 */
const PROBE = `import { appendFileSync } from 'node:fs';
import { defineIntegration } from '../../shared/sdk/index.ts';

export default defineIntegration({
  id: 'effect-probe',
  name: 'Effect probe',
  version: '1.0.0',
  description: 'posts once through ctx.effect, and hangs in the middle',
  parameters: {
    callsFile: { type: 'text', mandatory: true },
    reconcile: { type: 'boolean', default: false },
    key: { type: 'text', default: 'post' },
  },
  run: async (ctx) => {
    const note = (line: string) => appendFileSync(ctx.params.callsFile, line + '\\n');
    const post = async () => {
      note('call');
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      return { posted: true };
    };
    const reconcile = () => {
      note('reconcile');
      return { posted: 'found at the target' };
    };
    const result = await ctx.effect(ctx.params.key, post, ctx.params.reconcile ? { reconcile } : undefined);
    return { message: 'posted', output: result };
  },
});
`;

/** The effect key of the job without reconcile. */
const KEY_B = 'post/100%';

const linesOf = async (file: string): Promise<string[]> =>
  (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');

/**
 * Issue 8, "Done when": killing `npm start` between an effect's `pending` and
 * `done` and restarting: the effect's function is not called twice; with
 * `reconcile` the run completes, without it the run is `failed` "in doubt".
 */
describe('npm start killed between an effect’s pending and done, then restarted', () => {
  let workspace: RepoWorkspace;
  let repo: RepoCopy;
  let work: string;
  let dataDir: string;
  let stack: LocalProcess | undefined;

  beforeAll(async () => {
    workspace = await copyRepoWithWork('triggerhub-effect-e2e-');
    ({ repo, work, dataDir } = workspace);
    await mkdir(join(repo.dir, 'integrations', 'effect-probe'));
    await writeFile(join(repo.dir, 'integrations', 'effect-probe', 'index.ts'), PROBE);
  });

  afterAll(async () => {
    if (stack) await stopProcess(stack.child, 'SIGINT');
    await workspace.cleanup();
  });

  it(
    'calls fn once: with reconcile the run succeeds, without it fails in doubt',
    { timeout: 240_000 },
    async () => {
      // Prepare: two jobs of the probe, one with reconcile; a webhook to each
      stack = await startLocalProcess(dataDir, await freePort(), { cwd: repo.dir });
      const jobs = { 'effect-a': true, 'effect-b': false } as const;
      const runIds: Record<string, string> = {};
      for (const [id, reconcile] of Object.entries(jobs)) {
        const secret = `e2e-effect-secret-${id}-1234`;
        expect((await localStackCli(['secrets', 'set', id], dataDir, repo.dir, `${secret}\n`)).code).toBe(0);
        const file = join(work, `${id}.json`);
        await writeFile(
          file,
          JSON.stringify({
            id,
            name: id,
            integration: 'effect-probe',
            auth: { type: 'shared-secret', secret: id, header: 'X-Shared-Secret' },
            // The job without reconcile keeps its effect under a key no URL path can carry (a `%`):
            // the operator clears it all the same, through ?key=.
            params: { callsFile: join(work, `${id}.calls`), reconcile, ...(reconcile ? {} : { key: KEY_B }) },
            timeoutSeconds: 120,
          }),
        );
        expect(await localStackCli(['jobs', 'apply', file], dataDir, repo.dir)).toMatchObject({
          code: 0,
          stderr: '',
        });
        const res = await fetch(`${stack.url}/hooks/${id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-shared-secret': secret },
          body: '{"ticket":"OPS-1"}',
        });
        expect(res.status).toBe(202);
        runIds[id] = ((await res.json()) as { runId: string }).runId;
      }

      // Act: both effects' fn called (their claims pending), then kill -9 and start again
      for (let i = 0; i < 600; i++) {
        const calls = await Promise.all(Object.keys(jobs).map((id) => linesOf(join(work, `${id}.calls`))));
        if (calls.every((c) => c.length > 0)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await stopProcess(stack.child, 'SIGKILL');
      stack = await startLocalProcess(dataDir, await freePort(), { cwd: repo.dir });
      const finals: Record<string, { status: string; error?: string; output?: unknown }> = {};
      for (let i = 0; i < 600 && Object.keys(finals).length < 2; i++) {
        for (const [id, runId] of Object.entries(runIds)) {
          const r = (await (await fetch(`${stack.url}/admin/runs/${runId}`)).json()) as {
            status: string;
            error?: string;
            output?: unknown;
          };
          if (!['queued', 'running'].includes(r.status)) finals[id] = r;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const listed = await localStackCli(['effects', 'list', 'effect-b'], dataDir, repo.dir);
      const reconciled = await localStackCli(['effects', 'list', 'effect-a'], dataDir, repo.dir);
      const errors = await localStackCli(
        ['--json', 'notifications', '--severity', 'error'],
        dataDir,
        repo.dir,
      );
      // The operator checks the target, then clears the key in doubt (sent as ?key=: the path cannot hold `%`).
      const forgot = await localStackCli(['effects', 'forget', 'effect-b', KEY_B], dataDir, repo.dir);
      const cleared = await localStackCli(['effects', 'list', 'effect-b'], dataDir, repo.dir);

      // Assess: fn once each; reconcile once for the job that has one
      expect(await linesOf(join(work, 'effect-a.calls'))).toEqual(['call', 'reconcile']);
      expect(await linesOf(join(work, 'effect-b.calls'))).toEqual(['call']);
      expect(finals['effect-a']).toMatchObject({
        status: 'succeeded',
        output: { posted: 'found at the target' },
      });
      expect(finals['effect-b']?.status).toBe('failed');
      expect(finals['effect-b']?.error).toMatch(
        /^effect post\/100% is in doubt: run \S+ \(attempt 1\) started it at /,
      );
      expect(listed.stdout).toMatch(/\npost\/100% +IN DOUBT +\S+ +1 /);
      expect(listed.stdout).toContain('triggerhub effects forget effect-b <key>');
      expect(reconciled.stdout).toMatch(/\npost +done \(reconciled\) +\S+ +2 /);
      // Exactly one in-doubt notification, for the job without reconcile, naming its run.
      expect(errors).toMatchObject({ code: 0, stderr: '' });
      const inDoubt = (
        JSON.parse(errors.stdout) as {
          items: { kind: string; jobId?: string; runId?: string; message: string }[];
        }
      ).items.filter((n) => n.kind === 'effect_in_doubt');
      expect(inDoubt).toEqual([
        expect.objectContaining({
          jobId: 'effect-b',
          runId: runIds['effect-b'],
          severity: 'error',
          message: expect.stringMatching(/^effect post\/100% is in doubt: /) as unknown,
        }),
      ]);
      expect(forgot).toMatchObject({ code: 0, stderr: '' });
      expect(cleared.stdout).toBe('No effects of effect-b.\n');
    },
  );
});
