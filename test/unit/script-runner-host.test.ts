import { describe, it } from 'vitest';
import type { ScriptRunInput } from '../../shared/ports.ts';
import { runScriptInThread } from '../../shared/scripts/runner/host.ts';
import { MAX_SCRIPT_LOG_LINES } from '../../shared/scripts/runner/log-cap.ts';
import { moduleNotAvailableMessage } from '../../shared/scripts/runner/modules.ts';
import { scriptArgs, scriptRunInput, seedScript } from '../helpers/script-input.ts';

// The host runs each script in a worker thread of this process: what a
// script sees (its args, console, process.env) and how every way of ending
// becomes a result. Small deadlines and heaps keep the file quick; the tests
// run concurrently (each starts a thread, most of it waiting), each asserting
// with its own `expect`.

const ARGS = scriptArgs({
  arguments: { jobParamter1: 'p1', jobSecret1: 'hunter2' },
  globalArguments: { globalParameter1: 'g1', globalSecret1: 'gs' },
  lastRunDateUtc: '2026-11-29T10:00:00.000Z',
  plutoraValues: { JobName: 'Nightly sync' },
  event: { trigger: 'schedule' },
});

const inputOf = (source: string, overrides: Partial<ScriptRunInput> = {}): ScriptRunInput =>
  scriptRunInput(source, {
    script: { id: 'sync', version: 3, sha256: '0'.repeat(64) },
    args: ARGS,
    ...overrides,
  });

const run = (source: string, overrides: Partial<ScriptRunInput> = {}) =>
  runScriptInThread(inputOf(source, overrides));

const messages = (logs: { level: string; message: string }[]) => logs.map((l) => `[${l.level}] ${l.message}`);

describe.concurrent("the seed's example scripts (Plutora's guide, unchanged)", () => {
  it.for(['global-parameters.js', 'job-parameters.js', 'plutora-values-job-name.js'])(
    '%s runs: resolve("Done") and its console.log lines',
    async (name, { expect }) => {
      const result = await run(seedScript(name));
      expect(result).toEqual({
        status: 'succeeded',
        message: 'Done',
        logs: [
          expect.objectContaining({ level: 'LOG', message: 'Starting script' }),
          expect.objectContaining({ level: 'LOG', message: 'Ending script' }),
        ],
      });
      expect(Date.parse(result.logs[0]?.ts ?? '')).not.toBeNaN();
    },
  );

  // These read nested Plutora values: a TypeError (failed) unless args reach the script.
  const build = {
    ID: 'b-1',
    BuildNumber: '42',
    BuildTag: 'v42',
    Branch: 'main',
    Release: { ID: 'r-1', Identifier: 'R1', Name: 'Release 1' },
    Changes: [{ ID: 'c-1', Name: 'Change 1' }],
  };
  const plutoraValues = {
    JobName: 'Deploy',
    Build: build,
    System: { ID: 's-1', Name: 'System' },
    Environment: { ID: 'e-1', Name: 'Prod' },
    Tecr: {
      ID: 't-1',
      Title: 'TECR',
      Release: { ID: 'r-1', Name: 'Release 1' },
      Statuses: [{ ID: 'st-1', Value: 'Open' }],
    },
    DeploymentPlan: { ID: 'd-1', Name: 'Plan' },
    DeploymentPlanActivity: { ID: 'a-1', Name: 'Activity' },
  };
  it.for(['build-parameters.js', 'tecr-parameters.js', 'deployment-plan-activity-parameters.js'])(
    '%s reads args.plutoraValues: succeeds with them, fails without',
    async (name, { expect }) => {
      const withValues = await run(seedScript(name), { args: { ...ARGS, plutoraValues } });
      const without = await run(seedScript(name));
      expect(withValues).toMatchObject({ status: 'succeeded', message: 'Done' });
      expect(without.status).toBe('failed');
      expect(without.message).toMatch(/^Cannot read properties of undefined \(reading '(ID|Title)'\)$/);
    },
  );

  it('the bare skeleton (a promise that never settles, nothing left to wait for) fails as such', async ({
    expect,
  }) => {
    const result = await run(seedScript('running-node-scripts.js'));
    expect(result).toEqual({
      status: 'failed',
      message: 'the script ended without settling the promise of run(args)',
      logs: [],
    });
  });

  it('the last-run fragment has no module.exports (it is a fragment); with one it runs', async ({
    expect,
  }) => {
    const fragment = seedScript('last-run-date.js');
    expect(await run(fragment)).toMatchObject({
      status: 'failed',
      message: 'the script exports no run function (module.exports = { run } or export function run)',
    });
    expect(await run(`${fragment}\nmodule.exports = { run };\n`)).toMatchObject({
      status: 'succeeded',
      message: 'succeeded',
    });
  });

  it("the seed's module list fails the run at the first module not offered (fs: no file system for scripts)", async ({
    expect,
  }) => {
    const result = await run(
      `${seedScript('supported-modules.js')}\nmodule.exports = { run: () => 'loaded' };\n`,
    );
    expect(result).toMatchObject({
      status: 'failed',
      message: moduleNotAvailableMessage('fs'),
    });
  });
});

describe.concurrent('the script contract', () => {
  it('passes args whole: arguments, globalArguments, lastRunDateUtc, lastSuccessfulRunDateUtc, plutoraValues, event', async ({
    expect,
  }) => {
    const result = await run('module.exports = { run: (args) => Promise.resolve(args) };');
    expect(result.status).toBe('succeeded');
    expect(JSON.parse(result.message)).toEqual(ARGS);
  });

  it.for<[string, string, string, string]>([
    [
      'resolve(text)',
      "module.exports = { run: () => Promise.resolve('synced 3 items') };",
      'succeeded',
      'synced 3 items',
    ],
    ['resolve(object) as JSON', 'exports.run = async () => ({ synced: 3 });', 'succeeded', '{"synced":3}'],
    [
      'resolve() as "succeeded"',
      'exports.run = () => new Promise((resolve) => resolve());',
      'succeeded',
      'succeeded',
    ],
    ['a plain value', 'module.exports = () => 42;', 'succeeded', '42'],
    [
      'a value that is no JSON (a cycle)',
      'exports.run = () => { const a = { n: 1 }; a.self = a; return a; };',
      'succeeded',
      '<ref *1> { n: 1, self: [Circular *1] }',
    ],
    ["reject('text')", "exports.run = () => Promise.reject('target said no');", 'failed', 'target said no'],
    ['reject(Error)', "exports.run = () => Promise.reject(new Error('HTTP 500'));", 'failed', 'HTTP 500'],
    ['throw new Error', "exports.run = () => { throw new Error('bad mapping'); };", 'failed', 'bad mapping'],
    ['reject() as "failed"', 'exports.run = () => Promise.reject();', 'failed', 'failed'],
    ['reject(object) as JSON', 'exports.run = () => Promise.reject({ code: 7 });', 'failed', '{"code":7}'],
    [
      'an error thrown later, outside the promise',
      "exports.run = () => new Promise(() => setTimeout(() => { throw new Error('late'); }, 1));",
      'failed',
      'late',
    ],
    [
      'no run',
      'module.exports = { go() {} };',
      'failed',
      'the script exports no run function (module.exports = { run } or export function run)',
    ],
    [
      'a syntax error, with its place',
      'exports.run = () => {\n  return (;\n};',
      'failed',
      "the script does not compile: SyntaxError: Unexpected token ';' (sync@3.js:2)",
    ],
    [
      'ESM: export function run',
      "export async function run(args) { return 'esm ' + args.plutoraValues.JobName; }",
      'succeeded',
      'esm Nightly sync',
    ],
    ['ESM: export default { run }', 'export default { run: () => "default" };', 'succeeded', 'default'],
    [
      'ESM with top-level await',
      'const n = await Promise.resolve(5); export const run = () => n;',
      'succeeded',
      '5',
    ],
  ])('%s', async ([, source, status, message], { expect }) => {
    expect(await run(source)).toMatchObject({ status, message });
  });

  it('turns console.log|info|warn|error|dir|trace into log lines formatted as Node formats them', async ({
    expect,
  }) => {
    const source = `exports.run = () => {
      console.log('count %d of %s', 3, 'items', { id: 1 });
      console.info('info');
      console.warn('warn');
      console.error(new Error('shown').message);
      console.dir({ a: { b: { c: { d: 1 } } } });
      console.dir({ a: { b: 1 } }, { depth: 0 });
      console.debug('debug');
      console.table([{ a: 1 }]);
      console.trace('here');
      return 'ok';
    };`;
    const { logs } = await run(source);
    expect(messages(logs).slice(0, 8)).toEqual([
      '[LOG] count 3 of items { id: 1 }',
      '[INFO] info',
      '[WARN] warn',
      '[ERROR] shown',
      '[DIR] { a: { b: { c: [Object] } } }',
      '[DIR] { a: [Object] }',
      '[LOG] debug',
      expect.stringMatching(/^\[LOG\] ┌/),
    ]);
    expect(logs.at(-1)?.level).toBe('TRACE');
    // "Trace: <message>" and the stack, naming the script as <id>@<version>.js
    expect(logs.at(-1)?.message).toMatch(/^Trace: here\n {4}at exports\.run \(sync@3\.js:10:\d+\)\n/);
  });

  it('captures what the script writes to process.stdout/stderr itself', async ({ expect }) => {
    const { logs } = await run(
      "exports.run = () => { process.stdout.write('out 1\\nout 2\\n'); process.stderr.write('err\\n'); return 'ok'; };",
    );
    expect(messages(logs).sort()).toEqual(['[ERROR] err', '[LOG] out 1', '[LOG] out 2']);
  });

  it(`caps the log at ${MAX_SCRIPT_LOG_LINES} lines and says so`, async ({ expect }) => {
    const result = await run(
      "exports.run = () => { for (let i = 0; i < 5000; i++) console.log('line', i); return 'done'; };",
    );
    expect(result.status).toBe('succeeded');
    expect(result.logs).toHaveLength(MAX_SCRIPT_LOG_LINES);
    expect(result.logs.at(-1)?.message).toBe(`line ${MAX_SCRIPT_LOG_LINES - 1}`);
    expect(result.logsTruncated).toBe(true);
  });

  it("sees none of the host's environment", async ({ expect }) => {
    expect(await run('exports.run = () => process.env;')).toMatchObject({
      status: 'succeeded',
      message: '{}',
    });
  });
});

describe.concurrent('a script ends its own run only', () => {
  it('an endless loop is ended at the deadline: timed_out', async ({ expect }) => {
    const result = await run("exports.run = () => { console.log('looping'); while (true) {} };", {
      timeoutMs: 1000,
    });
    expect(result).toEqual({
      status: 'timed_out',
      message: 'did not finish within 1 s',
      logs: [expect.objectContaining({ level: 'LOG', message: 'looping' })],
    });
  });

  it('a memory hog is ended at its heap cap', async ({ expect }) => {
    const source =
      'exports.run = () => { const kept = []; while (true) kept.push(new Array(100000).fill(Math.random())); };';
    expect(await run(source, { memoryMb: 64, timeoutMs: 20_000 })).toMatchObject({
      status: 'failed',
      message: 'ran out of memory (limit 64 MiB)',
    });
  });

  it('process.exit(3) ends the thread, not this process', async ({ expect }) => {
    const result = await run("exports.run = () => { console.log('bye'); process.exit(3); };");
    expect(result).toMatchObject({ status: 'failed', message: 'the script called process.exit(3)' });
    expect(messages(result.logs)).toEqual(['[LOG] bye']);
  });

  it('process.exit(0) is no success either', async ({ expect }) => {
    expect(await run('exports.run = () => { process.exit(0); };')).toMatchObject({
      status: 'failed',
      message: 'the script called process.exit(0)',
    });
  });

  // A script can no longer reach the thread's port (worker_threads is not offered): a thread of the
  // test's own, which can, shows that the host checks what arrives anyway.
  it("the host ignores malformed messages on the thread's port and a second 'ready'", async ({ expect }) => {
    const threadCode = `const { parentPort } = require('node:worker_threads');
      parentPort.postMessage({ type: 'ready' });
      parentPort.postMessage({ type: 'log', line: { ts: 1, level: 'LOUD', message: {} } });
      parentPort.postMessage({ type: 'log', line: { message: 5 } });
      parentPort.postMessage({ type: 'log', line: null });
      parentPort.postMessage(null);
      parentPort.postMessage({ type: 'result', status: 'maybe', message: 7 });
      // Posting 'ready' again and again must not push the deadline back.
      setInterval(() => parentPort.postMessage({ type: 'ready' }), 50);`;
    expect(await runScriptInThread(inputOf('unused', { timeoutMs: 1000 }), { threadCode })).toEqual({
      status: 'timed_out',
      message: 'did not finish within 1 s',
      logs: [],
    });
  });

  it('an abort (stop) ends it at once', async ({ expect }) => {
    const controller = new AbortController();
    const pending = runScriptInThread(inputOf('exports.run = () => { while (true) {} };'), {
      signal: controller.signal,
      onReady: () => controller.abort(),
    });
    expect(await pending).toMatchObject({ status: 'failed', message: 'stopped' });
  });
});
