import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';
import { PermanentError } from '../../shared/errors.ts';
import { secretFilePath } from '../../shared/secrets/local-secret-store.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

/**
 * Issue 8, "Done when": a masked global is never returned by any API or CLI
 * command, and a canary in it appears in no log, output, notification or
 * error. The stack is `npm start`'s own (runLocal, in this process, so that a
 * probe integration can be handed to it and its stdout captured); the probe
 * pushes the masked value into everything a run leaves behind.
 */
const CANARY = 'canary-Vd8-masked-global-e2e';

const probe = defineIntegration({
  id: 'globals-probe',
  name: 'Globals probe',
  version: '1.0.0',
  description: 'Leaks its masked global everywhere it can; the platform must redact it.',
  parameters: {},
  async run({ globals, logger, notifier, event }) {
    const token = globals.token ?? 'missing';
    logger.info(`token=${token} region=${globals.region ?? 'missing'}`);
    await notifier.error(`token in a notification: ${token}`);
    if ((event.payload as { fail?: boolean } | undefined)?.fail === true) {
      // Permanent: one attempt, so one notification of each kind.
      throw new PermanentError(`failed while holding ${token}`);
    }
    return { message: `used ${token}`, output: { token, region: globals.region } };
  },
});

/** Everything a file tree holds, as text (binary files too: the canary is ASCII). */
const filesUnder = async (dir: string): Promise<{ path: string; text: string }[]> => {
  const out: { path: string; text: string }[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push({ path, text: (await readFile(path)).toString('latin1') });
  }
  return out;
};

describe('a masked global through npm start', () => {
  let stack: InProcessStack;
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const cliOutputs: string[] = [];

  /** The CLI, in this process, against the stack (its output kept for the final check). */
  const cli = async (args: string[], stdin?: string) => {
    let out = '';
    const code = await run(['--endpoint', stack.url, ...args], {
      stdout: (s) => (out += s),
      stderr: (s) => (out += s),
      // The stack's data folder: `secrets set` writes the caller's secret where the stack reads it.
      env: { TRIGGERHUB_DATA_DIR: stack.dataDir },
      cwd: stack.dataDir,
      stdinIsTTY: false,
      readStdin: () => (stdin === undefined ? Promise.reject(new Error('no stdin')) : Promise.resolve(stdin)),
    });
    cliOutputs.push(out);
    return { code, out };
  };
  const admin = async (path: string): Promise<string> => (await fetch(`${stack.url}${path}`)).text();

  beforeAll(async () => {
    // Everything the stack's functions print (Powertools lines, the ERROR notification line).
    const capture =
      (original: typeof write): typeof write =>
      (chunk: string | Uint8Array, ...rest: unknown[]) => {
        stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
        return original.call(process.stdout, chunk as string, ...(rest as []));
      };
    process.stdout.write = capture(write);
    process.stderr.write = capture(writeErr);
    stack = await startInProcessStack({ integrations: [probe], examples: false });
  }, 60_000);

  afterAll(async () => {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    await stack.stop();
  });

  it('keeps the canary out of every answer, output, log and file but its own secret file', async () => {
    // Prepare: the globals, and a job of the probe
    const set = await cli(['globals', 'set', 'token', '--masked'], `${CANARY}\n`);
    const region = await cli(['globals', 'set', 'region', '--value', 'eu-west-1']);
    expect((await cli(['secrets', 'set', 'probe'], 'probe-caller-secret\n')).code).toBe(0);
    expect(set.code, set.out).toBe(0);
    expect(region.code, region.out).toBe(0);
    const put = await fetch(`${stack.url}/admin/jobs/probe`, {
      method: 'PUT',
      body: JSON.stringify({ name: 'Probe', integration: 'globals-probe', auth: { secret: 'probe' } }),
    });
    expect(put.status).toBe(201);

    // Act: one run that succeeds and one that fails, both with the masked value in hand
    const runs: string[] = [];
    for (const payload of [{ fail: false }, { fail: true }]) {
      const sent = await cli(['send', 'probe', '-d', JSON.stringify(payload), '--wait']);
      const runId = /"runId": "(\w+)"/.exec(sent.out)?.[1];
      expect(runId, sent.out).toBeDefined();
      runs.push(runId ?? '');
    }
    const [ok, failed] = await Promise.all(runs.map((id) => stack.waitForRun(id)));
    const bodies = [
      await admin('/admin/globals'),
      await admin('/admin/globals/token'),
      await admin('/admin/notifications'),
      await admin('/admin/notifications?severity=error&jobId=probe'),
      ...(await Promise.all(runs.map((id) => admin(`/admin/runs/${id}`)))),
    ];
    await cli(['globals', 'list']);
    await cli(['--json', 'globals', 'get', 'token']);
    await cli(['--json', 'notifications', '--job', 'probe']);
    await cli(['notifications']);
    for (const id of runs) {
      await cli(['runs', 'show', id]);
      await cli(['--json', 'runs', 'show', id]);
    }

    // Assess: the runs did use the value (redacted where it shows), and it is nowhere
    expect(ok?.status).toBe('succeeded');
    expect(ok?.message).toBe('used ***');
    expect(ok?.logs.map((l) => l.message)).toContain('token=*** region=eu-west-1');
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toContain('***');
    const notes = JSON.parse(bodies[2] ?? '{}') as { items: { kind: string; message: string }[] };
    expect(notes.items.map((n) => n.kind).sort()).toEqual(['integration', 'integration', 'run_failed']);
    expect(notes.items.every((n) => n.message.includes('***'))).toBe(true);

    for (const body of bodies) expect(body).not.toContain(CANARY);
    for (const out of cliOutputs) expect(out).not.toContain(CANARY);
    expect(stack.lines.join('\n')).not.toContain(CANARY);
    expect(stdout).toContain('ERROR notification');
    expect(stdout).not.toContain(CANARY);
    const secretFile = secretFilePath(stack.dataDir, 'global/token');
    const holding = (await filesUnder(stack.dataDir))
      .filter((f) => f.text.includes(CANARY))
      .map((f) => f.path);
    expect(holding).toEqual([secretFile]);
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
  }, 120_000);
});
