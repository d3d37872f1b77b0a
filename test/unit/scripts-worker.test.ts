import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { JobInput } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { ScriptRunInput, ScriptRunner, ScriptRunResult } from '../../shared/ports.ts';
import { createPlatformRun } from '../../shared/runtime/new-run.ts';
import { ChildProcessScriptRunner } from '../../shared/scripts/child-process-runner.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun, webhookEvent } from '../helpers/runs.ts';

const TOKEN = 'tok-canary-5f1e0c9a';
const GLOBAL_TOKEN = 'gtok-canary-77aa31';
const SOURCE_V1 = "module.exports = { run: async (args) => 'v1' };\n";
const SOURCE_V2 = "module.exports = { run: async (args) => 'v2' };\n";
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A ScriptRunner that records what it is given and answers what the test says. */
class FakeRunner implements ScriptRunner {
  readonly inputs: ScriptRunInput[] = [];
  constructor(readonly answer: (input: ScriptRunInput) => ScriptRunResult) {}
  run(input: ScriptRunInput): Promise<ScriptRunResult> {
    this.inputs.push(structuredClone(input));
    return Promise.resolve(this.answer(input));
  }
}

const succeeded = (input: ScriptRunInput): ScriptRunResult => ({
  status: 'succeeded',
  message: `synced with ${String(input.args.arguments.token)}`,
  logs: [
    {
      ts: '2026-11-22T10:00:00.100Z',
      level: 'INFO',
      message: `token is ${String(input.args.arguments.token)}`,
    },
    { ts: '2026-11-22T10:00:00.200Z', level: 'LOG', message: 'plain log' },
    { ts: '2026-11-22T10:00:00.300Z', level: 'DIR', message: '{ a: 1 }' },
    { ts: '2026-11-22T10:00:00.400Z', level: 'TRACE', message: `Trace: ${GLOBAL_TOKEN}` },
  ],
});

const scriptJob = (over: Partial<JobInput> = {}) =>
  JobSchema.parse({
    id: 'j1',
    name: 'Nightly sync',
    script: { id: 'sync' },
    auth: { secret: 'demo' },
    params: { token: { secret: 'api-token' }, region: 'eu', limit: 5, dry: true },
    ...over,
  });

const setup = async (runner: ScriptRunner | undefined, job = scriptJob()): Promise<MemoryDeps> => {
  const deps = memoryDeps({
    secrets: { demo: ['s3cr3t-value'], 'api-token': [TOKEN], 'global/gtoken': [GLOBAL_TOKEN] },
    clock: new FakeClock(),
  });
  if (runner !== undefined) deps.scriptRunner = runner;
  await deps.scripts.put('sync', SOURCE_V1, { by: 'local', at: '2026-11-22T09:00:00.000Z' });
  await deps.globals.put({
    name: 'base',
    masked: false,
    value: 'https://example.test',
    at: '2026-11-22T09:00:00.000Z',
  });
  await deps.globals.put({ name: 'gtoken', masked: true, at: '2026-11-22T09:00:00.000Z' });
  await deps.jobs.put(job);
  return deps;
};

const message = (runId = 'R1', receiveCount = 1) => ({
  body: JSON.stringify({ runId, jobId: 'j1' }),
  receiveCount,
  receiptHandle: `rh-${runId}-${receiveCount}`,
});

describe('a script job in the worker', () => {
  it('hands the runner the resolved arguments, globals and webhook body, and keeps its lines redacted with their levels', async () => {
    // Prepare
    const runner = new FakeRunner(succeeded);
    const deps = await setup(runner);
    const event = webhookEvent({ payload: { ticketId: 42, JobName: 'spoofed' } });
    await deps.runs.create(queuedWebhookRun({ event, firedBy: 'webhook' }));

    // Act
    await processRunMessage(deps, message());

    // Assess: what the script got
    expect(runner.inputs).toHaveLength(1);
    const input = runner.inputs[0] as ScriptRunInput;
    expect(input).toMatchObject({
      runId: 'R1',
      jobId: 'j1',
      script: { id: 'sync', version: 1, sha256: sha256(SOURCE_V1) },
      source: SOURCE_V1,
    });
    expect(input.timeoutMs).toBeGreaterThan(0);
    expect(input.timeoutMs).toBeLessThanOrEqual(60_000);
    expect(input.args).toEqual({
      arguments: { token: TOKEN, region: 'eu', limit: 5, dry: true },
      globalArguments: { base: 'https://example.test', gtoken: GLOBAL_TOKEN },
      lastRunDateUtc: null,
      lastSuccessfulRunDateUtc: null,
      plutoraValues: { ticketId: 42, JobName: 'Nightly sync' },
      event,
    });
    // and what the run kept: the message, its lines in order with their own levels and times, no secret
    const run = deps.runs.items.get('R1');
    expect(run).toMatchObject({
      status: 'succeeded',
      message: 'synced with ***',
      script: { id: 'sync', version: 1, sha256: sha256(SOURCE_V1) },
    });
    expect(run?.logs).toEqual([
      { ts: '2026-11-22T10:00:00.100Z', level: 'INFO', message: 'token is ***' },
      { ts: '2026-11-22T10:00:00.200Z', level: 'LOG', message: 'plain log' },
      { ts: '2026-11-22T10:00:00.300Z', level: 'DIR', message: '{ a: 1 }' },
      { ts: '2026-11-22T10:00:00.400Z', level: 'TRACE', message: 'Trace: ***' },
    ]);
    expect(JSON.stringify(run)).not.toContain(TOKEN);
    expect(JSON.stringify(run)).not.toContain(GLOBAL_TOKEN);
  });

  it('gives a scheduled run only { JobName } as plutoraValues, and the last successful run’s time from the checkpoint', async () => {
    // Prepare: a first run succeeds at the fake clock's time
    const runner = new FakeRunner(succeeded);
    const deps = await setup(runner);
    await deps.runs.create(queuedWebhookRun({ firedBy: 'webhook' }));
    await processRunMessage(deps, message());
    const firstAt = deps.clock.now().toISOString();
    (deps.clock as FakeClock).advance(60_000);
    const job = scriptJob();
    const scheduled = await createPlatformRun(deps, job, {
      firedBy: 'schedule',
      scheduledFor: '2026-11-22T10:01:00.000Z',
    });

    // Act
    await processRunMessage(deps, message(scheduled.id));

    // Assess
    const input = runner.inputs[1] as ScriptRunInput;
    expect(input.args.plutoraValues).toEqual({ JobName: 'Nightly sync' });
    expect(input.args.lastSuccessfulRunDateUtc).toBe(firstAt);
    expect(input.args.lastRunDateUtc).toBe(firstAt);
    expect(deps.runs.items.get(scheduled.id)?.status).toBe('succeeded');
  });

  it('fails the run with the script’s rejection, on the first attempt, without a retry', async () => {
    // Prepare
    const runner = new FakeRunner(() => ({
      status: 'failed',
      message: `upstream refused ${TOKEN}`,
      logs: [{ ts: '2026-11-22T10:00:00.100Z', level: 'WARN', message: 'about to fail' }],
    }));
    const deps = await setup(runner);
    await deps.runs.create(queuedWebhookRun());

    // Act: a permanent failure is recorded, not thrown back to the queue
    await processRunMessage(deps, message());

    // Assess
    const run = deps.runs.items.get('R1');
    expect(run).toMatchObject({ status: 'failed', attempt: 1, message: 'upstream refused ***' });
    expect(run?.logs.map((l) => [l.level, l.message])).toEqual([
      ['WARN', 'about to fail'],
      ['ERROR', 'run failed: upstream refused ***'],
    ]);
    expect(deps.queue.delays).toEqual([]);
  });

  it('times a run out when the runner says so, for good: a half-done sync is not run again; its lines are kept', async () => {
    // Prepare
    const runner = new FakeRunner(() => ({
      status: 'timed_out',
      message: 'did not finish within 59 s',
      logs: [{ ts: '2026-11-22T10:00:00.100Z', level: 'INFO', message: 'begin sync' }],
    }));
    const deps = await setup(runner);
    await deps.runs.create(queuedWebhookRun());

    // Act: the first of several attempts
    await processRunMessage(deps, message('R1', 1));

    // Assess
    const run = deps.runs.items.get('R1');
    expect(run).toMatchObject({ status: 'timed_out', attempt: 1, error: 'did not finish within 59 s' });
    expect(run?.logs.map((l) => `[${l.level}] ${l.message}`)).toEqual([
      '[INFO] begin sync',
      '[ERROR] did not finish within 59 s',
    ]);
    expect(runner.inputs).toHaveLength(1);
    expect(deps.queue.later).toEqual([]);
  });

  it('gives up on a runner that does not answer in time, ends its script, and times the run out for good', async () => {
    // Prepare: a runner that answers only when told to stop (a Lambda invocation that hangs)
    let aborted: unknown;
    const hanging: ScriptRunner = {
      run: (_input, signal) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason;
            resolve({ status: 'failed', message: 'stopped', logs: [] });
          });
        }),
    };
    const deps = await setup(hanging, scriptJob({ timeoutSeconds: 1 }));
    await deps.runs.create(queuedWebhookRun());

    // Act: the first of several attempts
    await processRunMessage(deps, message('R1', 1));

    // Assess: timed out (not retried), the runner told to end the script
    expect(deps.runs.items.get('R1')).toMatchObject({
      status: 'timed_out',
      error: expect.stringMatching(/^the script runner did not answer within 0\.\d s$/),
    });
    expect(aborted).toBeInstanceOf(Error);
    expect(deps.queue.later).toEqual([]);
  });

  it("an endless script under the real runner times out with its first line kept, its message the runner's, once", async () => {
    // Prepare: the review's proof — a 3 s job whose script says what it starts, then loops
    const deps = memoryDeps({ secrets: { demo: ['s3cr3t-value'], 'api-token': [TOKEN] } });
    deps.scriptRunner = new ChildProcessScriptRunner();
    await deps.scripts.put('sync', "exports.run = () => { console.info('begin sync'); for (;;) {} };", {
      by: 'local',
      at: '2026-11-22T09:00:00.000Z',
    });
    await deps.jobs.put(scriptJob({ params: {}, timeoutSeconds: 3 }));
    await deps.runs.create(queuedWebhookRun());

    // Act: the first of several attempts
    await processRunMessage(deps, message('R1', 1));

    // Assess: the child's start-up counted against the deadline, so the runner answered in time
    const run = deps.runs.items.get('R1');
    expect(run).toMatchObject({ status: 'timed_out', attempt: 1 });
    expect(run?.error).toMatch(/^did not finish within 2\.\d s$/);
    expect(run?.logs.map((l) => `[${l.level}] ${l.message}`)[0]).toBe('[INFO] begin sync');
    expect(deps.queue.later).toEqual([]);
  });

  it('a stop ends the script run `stopped`, its process gone, the stop (not a script failure) in its log', async () => {
    // Prepare: the real runner of npm start; a script that reports its pid, then ignores everything
    const pids: number[] = [];
    const server = createServer((req, res) => {
      pids.push(Number(new URL(req.url ?? '/', 'http://x').searchParams.get('pid')));
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const report = `http://127.0.0.1:${(server.address() as AddressInfo).port}/?pid=`;
    const deps = memoryDeps({
      secrets: { demo: ['s3cr3t-value'], 'api-token': [TOKEN] },
      // A stop grace far longer than the kill takes: the runner's answer (not the grace) ends the wait.
      settings: { heartbeatMs: 20, stopGraceMs: 15_000 },
    });
    deps.scriptRunner = new ChildProcessScriptRunner();
    await deps.scripts.put(
      'sync',
      `exports.run = (args) => {
        console.info('begin sync');
        require('http').get(args.arguments.report + process.pid, (res) => { res.resume(); res.on('end', () => { for (;;) {} }); });
        return new Promise(() => {});
      };`,
      { by: 'local', at: '2026-11-22T09:00:00.000Z' },
    );
    await deps.jobs.put(scriptJob({ params: { report }, timeoutSeconds: 120 }));
    await deps.runs.create(queuedWebhookRun());

    try {
      // Act: once the script runs, an operator stops it
      const processing = processRunMessage(deps, message());
      for (let i = 0; i < 400 && pids.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(pids).toHaveLength(1);
      await deps.runs.requestStop('R1', { by: 'alice', at: '2026-11-22T10:00:01.000Z' });
      await processing;

      // Assess
      const run = deps.runs.items.get('R1');
      expect(run).toMatchObject({ status: 'stopped', message: 'stopped by alice' });
      const lines = run?.logs.map((l) => `[${l.level}] ${l.message}`) ?? [];
      expect(lines.at(-1)).toBe('[WARN] stopped by alice');
      expect(lines.filter((l) => l.startsWith('[ERROR]'))).toEqual([]);
      expect(() => process.kill(pids[0] ?? 0, 0)).toThrow();
      expect(deps.queue.later).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('runs the pinned version, or the latest at run time when none is pinned', async () => {
    // Prepare
    const runner = new FakeRunner(succeeded);
    const deps = await setup(runner, scriptJob({ script: { id: 'sync', version: 1 } }));
    await deps.scripts.put('sync', SOURCE_V2, { by: 'local', at: '2026-11-22T09:30:00.000Z' });
    await deps.runs.create(queuedWebhookRun());
    await deps.runs.create(queuedWebhookRun({ id: 'R2' }));

    // Act
    await processRunMessage(deps, message('R1'));
    await deps.jobs.put(scriptJob());
    await processRunMessage(deps, message('R2'));

    // Assess
    expect(runner.inputs.map((i) => [i.script.version, i.source])).toEqual([
      [1, SOURCE_V1],
      [2, SOURCE_V2],
    ]);
    expect(deps.runs.items.get('R1')?.script?.version).toBe(1);
    expect(deps.runs.items.get('R2')?.script).toEqual({ id: 'sync', version: 2, sha256: sha256(SOURCE_V2) });
  });

  it('fails the run when no script runner is configured, or the script has gone', async () => {
    // Prepare
    const deps = await setup(undefined);
    await deps.runs.create(queuedWebhookRun());
    const other = await setup(new FakeRunner(succeeded), scriptJob({ script: { id: 'missing' } }));
    await other.runs.create(queuedWebhookRun());

    // Act
    await processRunMessage(deps, message());
    await processRunMessage(other, message());

    // Assess
    expect(deps.runs.items.get('R1')).toMatchObject({ status: 'failed', attempt: 1 });
    expect(deps.runs.items.get('R1')?.message).toMatch(/^scripts cannot run here: /);
    expect(other.runs.items.get('R1')).toMatchObject({
      status: 'failed',
      message: 'script missing does not exist',
    });
  });
});
