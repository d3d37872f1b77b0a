import { spawn } from 'node:child_process';
import { afterAll, describe, it } from 'vitest';
import type { ScriptArgs } from '../../shared/ports.ts';
import { runScriptInThread } from '../../shared/scripts/runner/host.ts';
import { moduleNotAvailableMessage } from '../../shared/scripts/runner/modules.ts';
import { scriptArgs, scriptRunInput } from '../helpers/script-input.ts';

// The review's escapes from a script's thread into its host, each as a test:
// a built-in that reaches the host (inspector, child_process, module's
// createRequire, worker_threads, fs), Node's own `require` left global in the
// thread, an import() hidden in a Function body, and the raw members of
// `process` (binding, dlopen, getBuiltinModule, _debugProcess, kill of another
// process). Each must fail the run (or throw in the script), never reach.

const run = (source: string, args: Partial<ScriptArgs> = {}) =>
  runScriptInThread(
    scriptRunInput(source, {
      script: { id: 'escape', version: 1, sha256: '0'.repeat(64) },
      args: scriptArgs({ plutoraValues: { JobName: 'isolation' }, ...args }),
    }),
  );

describe.concurrent('a script cannot reach its host', () => {
  it.for<[string, string]>([
    [
      'inspector',
      "const { Session } = require('inspector'); const s = new Session(); s.connectToMainThread();",
    ],
    ['child_process', "require('child_process').spawn('sleep', ['120'], { detached: true }).unref();"],
    ['module', "require('module').createRequire(process.cwd() + '/x.js')('@aws-sdk/client-dynamodb');"],
    ['worker_threads', "require('worker_threads').parentPort.postMessage({ type: 'ready' });"],
    ['node:fs', "require('node:fs').readFileSync('/proc/' + process.ppid + '/environ');"],
    ['vm', "require('vm').runInThisContext('1');"],
  ])('require(%j) fails the run', async ([name, code], { expect }) => {
    expect(await run(`${code}\nexports.run = () => 'reached';`)).toMatchObject({
      status: 'failed',
      message: moduleNotAvailableMessage(name),
    });
  });

  it.for<[string, string, string]>([
    [
      'ESM import',
      "import { Session } from 'node:inspector'; export const run = () => 'reached';",
      'node:inspector',
    ],
    [
      'import() in a Function body (no parent the hooks could trust)',
      "exports.run = async () => { await new Function('return import(\"node:child_process\")')(); return 'reached'; };",
      'node:child_process',
    ],
    [
      'import() of a data: module importing a built-in',
      `exports.run = async () => { await import('data:text/javascript,import "node:module"; export default 1;'); return 'reached'; };`,
      'data:text/javascript,import "node:module"; export default 1;',
    ],
  ])('%s is refused', async ([, source, name], { expect }) => {
    const result = await run(source);
    expect(result.status).toBe('failed');
    expect(result.message).toBe(moduleNotAvailableMessage(name));
  });

  it("Node's own require, module and exports are not globals of the script's thread", async ({ expect }) => {
    const result = await run(
      "exports.run = () => [typeof globalThis.require, typeof globalThis.module, typeof globalThis.exports].join(' ');",
    );
    expect(result).toMatchObject({ status: 'succeeded', message: 'undefined undefined undefined' });
  });

  // What each throws: the refusal's code (a member a worker thread lacks anyway throws a TypeError).
  it.for<[string, string]>([
    ["process.binding('fs')", 'ERR_ACCESS_DENIED'],
    ["process._linkedBinding('x')", 'ERR_ACCESS_DENIED'],
    ["process.dlopen({ exports: {} }, '/tmp/x.node')", 'ERR_ACCESS_DENIED'],
    ["process.getBuiltinModule('child_process')", 'MODULE_NOT_AVAILABLE'],
    ['process._debugProcess(process.ppid)', 'TypeError'],
    ["process.loadEnvFile('/proc/self/environ')", 'ERR_ACCESS_DENIED'],
    ['process.report.getReport()', 'TypeError'],
  ])('%s throws %s', async ([call, code], { expect }) => {
    const result = await run(
      `exports.run = () => { try { ${call}; return 'reached'; } catch (e) { return e.code ?? e.name; } };`,
    );
    expect(result).toMatchObject({ status: 'succeeded', message: code });
  });

  it('process.getBuiltinModule serves the allowed built-ins', async ({ expect }) => {
    const result = await run(
      "exports.run = () => typeof process.getBuiltinModule('node:crypto').createHash;",
    );
    expect(result).toMatchObject({ status: 'succeeded', message: 'function' });
  });

  describe('another process', () => {
    // Prepare: a process of the test's own that a script must not be able to signal
    const victim = spawn('sleep', ['60'], { stdio: 'ignore' });
    afterAll(() => {
      victim.kill('SIGKILL');
    });

    it('process.kill of another pid throws EPERM and the process lives on', async ({ expect }) => {
      const result = await run(
        `exports.run = (args) => {
          try { process.kill(args.arguments.pid, 'SIGKILL'); return 'killed'; } catch (e) { return e.code; }
        };`,
        { arguments: { pid: victim.pid } },
      );
      expect(result).toMatchObject({ status: 'succeeded', message: 'EPERM' });
      expect(victim.exitCode).toBeNull();
      expect(victim.signalCode).toBeNull();
      expect(process.kill(victim.pid ?? 0, 0)).toBe(true);
    });
  });
});
