import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { secretFilePath } from '../../shared/secrets/local-secret-store.ts';
import { localStackCli } from '../helpers/cli.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';
import { flakyTarget } from '../helpers/flaky-target.ts';
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

  it('jobs run --param … --wait runs a script job now and prints its run; runs list --fired-by finds it', async () => {
    // Prepare: a job with no webhook, run by hand only.
    await writeFile(
      join(cwd, 'sync-manual.json'),
      JSON.stringify({
        id: 'sync-manual',
        name: 'Sync by hand',
        script: { id: 'sync' },
        webhook: false,
        params: { region: 'eu', apiToken: { secret: 'sync-token' } },
        timeoutSeconds: 60,
      }),
    );
    expect((await cli(['jobs', 'apply', 'sync-manual.json'])).code).toBe(0);

    // Act
    const ran = await cli([
      'jobs',
      'run',
      'sync-manual',
      '--param',
      'region=us',
      '--wait',
      '--timeout',
      '90',
    ]);
    const runId = /^queued {2}(\w+)\n/.exec(ran.stdout)?.[1] ?? '';
    const manual = await cli(['runs', 'list', 'sync-manual', '--fired-by', 'manual', '--since', '1h']);
    const none = await cli(['runs', 'list', 'sync-job', '--fired-by', 'manual']);
    const badParam = await cli(['jobs', 'run', 'sync-manual', '--param', 'region={"nested":{}}']);

    // Assess
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/\nStatus: +succeeded\n/);
    expect(ran.stdout).toMatch(/\[INFO\] – Syncing us changes since the beginning \(default\)\n/);
    expect(manual.stdout).toMatch(new RegExp(`\\n${runId} +succeeded +manual +`));
    expect(none.stdout).toBe('No runs of sync-job.\n');
    expect(badParam.code).toBe(1);
    expect(badParam.stderr).toMatch(/\(HTTP 400 invalid_params\)\n$/);
  }, 120_000);

  it('jobs list shows the grid: Schedule, Last run and Next run', async () => {
    // Prepare: a scheduled job, disabled.
    await writeFile(
      join(cwd, 'sync-nightly.json'),
      JSON.stringify({
        id: 'sync-nightly',
        name: 'Nightly',
        script: { id: 'sync' },
        webhook: false,
        enabled: false,
        schedule: { frequency: 'daily', every: 1 },
        params: { region: 'eu', apiToken: { secret: 'sync-token' } },
      }),
    );
    expect((await cli(['jobs', 'apply', 'sync-nightly.json'])).code).toBe(0);

    // Act
    const out = await cli(['jobs', 'list']);
    const asJson = await cli(['--json', 'jobs', 'list']);

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^Job +Schedule +Last run +Next run\n/);
    expect(out.stdout).toMatch(/\ndemo +- +never +Webhook\n/);
    expect(out.stdout).toMatch(/\nsync-manual +- +succeeded (\d+ seconds ago|now) +Webhook\n/);
    expect(out.stdout).toMatch(/\nsync-nightly +every day\S* .*never +Disabled\n/);
    const items = (JSON.parse(asJson.stdout) as { items: { id: string; nextRun: string }[] }).items;
    expect(items.find((j) => j.id === 'sync-job')).toMatchObject({ nextRun: 'webhook' });
  });
});

/** The target each job calls: down (retryably, or permanently) until fixed. */
const world = { retryableDown: true, permanentDown: true, calls: 0 };
const flaky = flakyTarget(world);

/**
 * Issue 9, "Done when": `runs replay` of a failed run and `dlq redrive` each
 * produce new runs that succeed once the cause is fixed — with the CLI.
 */
describe('runs replay and dlq redrive with the CLI against npm start', () => {
  let stack: InProcessStack;
  let cwd: string;
  const cli = (args: string[]) => localStackCli(args, stack.dataDir, cwd);
  const applyJob = async (id: string, permanent: boolean) => {
    const file = join(cwd, `${id}.json`);
    await writeFile(
      file,
      JSON.stringify({
        id,
        name: id,
        integration: 'flaky-target',
        auth: { secret: 'demo' },
        params: { permanent },
      }),
    );
    const out = await cli(['jobs', 'apply', file]);
    expect(out.code, out.stderr).toBe(0);
  };
  /** Sends the job a webhook and answers the run id. */
  const send = async (jobId: string): Promise<string> => {
    const out = await cli(['send', jobId, '-d', JSON.stringify({ job: jobId, at: Date.now() }), '--json']);
    expect(out.code, out.stderr).toBe(0);
    return (JSON.parse(out.stdout) as { body: { runId: string } }).body.runId;
  };
  const finished = (runId: string) => stack.waitForFinishedRun(runId);

  beforeAll(async () => {
    stack = await startInProcessStack({ integrations: [flaky], examples: true });
    cwd = await mkdtemp(join(tmpdir(), 'triggerhub-ops-replay-'));
  });
  afterAll(async () => {
    await stack.stop();
    await rm(cwd, { recursive: true, force: true });
  });

  it('runs replay: a dry run names the failed run; its replay succeeds once the target is fixed', async () => {
    // Prepare
    await applyJob('mapping-sync', true);
    const failed = await finished(await send('mapping-sync'));

    // Act
    const dry = await cli([
      'runs',
      'replay',
      '--job',
      'mapping-sync',
      '--status',
      'failed',
      '--since',
      '1h',
      '--dry-run',
    ]);
    world.permanentDown = false;
    const replayed = await cli(['runs', 'replay', failed.id]);
    const newId = /^queued {2}(\w+) /.exec(replayed.stdout)?.[1] ?? '';
    const replay = await finished(newId);
    const again = await cli(['runs', 'show', newId]);

    // Assess
    expect(failed.status).toBe('failed');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(`would replay 1 run:\n  ${failed.id}\n`);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toBe(`queued  ${newId}  (replay of ${failed.id})\n`);
    expect(replay).toMatchObject({ status: 'succeeded', firedBy: 'replay', replayOf: failed.id });
    expect(again.stdout).toMatch(/\nStatus: +succeeded\n/);
  }, 120_000);

  it('dlq list shows a run that failed every attempt; dlq redrive runs it again and empties the queue', async () => {
    // Prepare: three attempts, then the queue's redrive policy moves the message
    await applyJob('retry-sync', false);
    const runId = await send('retry-sync');
    await finished(runId);
    let listed = await cli(['dlq', 'list', '--job', 'retry-sync']);
    for (let i = 0; i < 120 && !listed.stdout.includes(runId); i++) {
      await new Promise((r) => setTimeout(r, 250));
      listed = await cli(['dlq', 'list', '--job', 'retry-sync']);
    }

    // Act
    world.retryableDown = false;
    const redrive = await cli(['dlq', 'redrive', '--job', 'retry-sync']);
    const newId = /new runs:\n {2}(\w+)\n/.exec(redrive.stdout)?.[1] ?? '';
    const fresh = await finished(newId);
    const empty = await cli(['dlq', 'list', '--job', 'retry-sync']);

    // Assess
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^RUN +JOB +STATUS +ERROR +SENT +RECEIVED\n/);
    expect(listed.stdout).toMatch(new RegExp(`\\n${runId} +retry-sync +failed +target answered 503 +`));
    expect(redrive.code, redrive.stderr).toBe(0);
    expect(redrive.stdout).toBe(`redriven 1 run, new runs:\n  ${newId}\n`);
    expect(fresh).toMatchObject({ status: 'succeeded', attempt: 1, firedBy: 'replay', replayOf: runId });
    expect(empty.stdout).toBe('The dead-letter queue is empty for retry-sync.\n');
  }, 120_000);
});

/** Ignores its signal: waits until the test lets it go (or a minute), then claims success. */
const held = { release: (): void => undefined, started: 0 };
const stubborn = defineIntegration({
  id: 'stubborn',
  name: 'Stubborn',
  version: '1.0.0',
  description: 'Ignores its signal',
  parameters: {},
  run: async (ctx) => {
    ctx.logger.info('started, not listening');
    held.started++;
    await new Promise<void>((resolve) => {
      held.release = resolve;
      setTimeout(resolve, 60_000).unref();
    });
    return { message: 'too late' };
  },
});

/** Issue 9, "Done when": `runs stop` ends a running run as `stopped` within seconds; `jobs stop` too. */
describe('runs stop and jobs stop with the CLI against npm start', () => {
  let stack: InProcessStack;
  let cwd: string;
  const cli = (args: string[]) => localStackCli(args, stack.dataDir, cwd);

  beforeAll(async () => {
    stack = await startInProcessStack({ integrations: [stubborn], examples: true });
    cwd = await mkdtemp(join(tmpdir(), 'triggerhub-ops-stop-'));
    await writeFile(
      join(cwd, 'stubborn.json'),
      JSON.stringify({
        id: 'stubborn-job',
        name: 'Stubborn',
        integration: 'stubborn',
        auth: { secret: 'demo' },
      }),
    );
    expect((await cli(['jobs', 'apply', 'stubborn.json'])).code).toBe(0);
  });
  afterAll(async () => {
    held.release();
    await stack.stop();
    await rm(cwd, { recursive: true, force: true });
  });

  /** Fires a run and waits until its code runs. */
  const running = async (): Promise<string> => {
    const before = held.started;
    // A body of its own: the same body twice would be a duplicate of the first delivery.
    const out = await cli(['send', 'stubborn-job', '-d', JSON.stringify({ n: before }), '--json']);
    const runId = (JSON.parse(out.stdout) as { body: { runId: string } }).body.runId;
    await stack.waitForRun(runId, (s) => s === 'running');
    for (let i = 0; i < 200 && held.started === before; i++) await new Promise((r) => setTimeout(r, 50));
    return runId;
  };
  /** The run once stopped (heartbeat 3 s, then at most 2 s for the code): rounds of waitForRun's 10 s. */
  const stopped = async (runId: string) => {
    for (let i = 0; i < 6; i++) {
      try {
        return await stack.waitForRun(runId, (s) => s === 'stopped');
      } catch {
        // not yet
      }
    }
    throw new Error(`run ${runId} did not stop`);
  };

  it('runs stop asks a running run to stop; it ends stopped, and a second stop is refused', async () => {
    // Prepare
    const runId = await running();

    // Act
    const stop = await cli(['runs', 'stop', runId]);
    const run = await stopped(runId);
    const again = await cli(['runs', 'stop', runId]);
    held.release();

    // Assess
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toBe(`stopping  ${runId}  (it ends at its next heartbeat, within seconds)\n`);
    expect(run).toMatchObject({ status: 'stopped', stopRequest: { by: 'local' } });
    expect(run.logs.map((l) => `[${l.level}] – ${l.message}`)).toContain('[WARN] – stopped by local');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\(HTTP 409 run_finished\)\n$/);
  }, 120_000);

  it('jobs stop stops every open run of the job', async () => {
    // Prepare
    const runId = await running();

    // Act
    const stop = await cli(['jobs', 'stop', 'stubborn-job']);
    const run = await stopped(runId);
    const none = await cli(['jobs', 'stop', 'stubborn-job']);

    // Assess
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toBe(`stopping  ${runId}\n`);
    expect(run.status).toBe('stopped');
    expect(none.stdout).toBe('No open runs of stubborn-job.\n');
  }, 120_000);
});
