import { spawn } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';
import type { LocalProcess } from '../helpers/local-process.ts';
import { REPO_ROOT, freePort, startLocalProcess, stopProcess } from '../helpers/local-process.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

/** The CLI's `main`, in this process, as a user runs it in a folder: no flags, the environment given. */
const cli = async (args: string[], env: NodeJS.ProcessEnv, cwd: string) => {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env, cwd });
  return { code, stdout, stderr };
};

/** The process's output once it contains `text` (it prints the hints just after the ready line). */
const outputWith = async (stack: LocalProcess, text: string): Promise<string> => {
  for (let i = 0; i < 100 && !stack.output().includes(text); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return stack.output();
};

/**
 * Issue 6, "Done when": `PORT=4567 npm start`, then in another terminal in the
 * same folder `npx triggerhub send demo -d '{"a":1}' --wait` shows succeeded
 * with the run's log, and `npx triggerhub runs list demo` works with no flags.
 */
describe('a new user, npm start on another port, the CLI in the same folder', () => {
  let project: string;
  let dataDir: string;
  let stack: LocalProcess;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'triggerhub-project-'));
    dataDir = join(project, '.triggerhub');
    // Not 3000: the CLI must find the port through the data folder.
    stack = await startLocalProcess(dataDir, await freePort());
  });

  afterAll(async () => {
    await stopProcess(stack.child, 'SIGINT');
    await rm(project, { recursive: true, force: true });
  });

  it('prints CLI commands that find this stack (its data folder is not the one of its own folder)', async () => {
    const hint = `try: TRIGGERHUB_DATA_DIR=${dataDir} npx triggerhub send demo -d '{"hello":"world"}' --wait`;
    const output = await outputWith(stack, hint);
    expect(output).toContain(`triggerhub is ready on ${stack.url}`);
    expect(output).toContain(hint);
  });

  it('records its endpoint in the data folder', async () => {
    const record = JSON.parse(await readFile(join(dataDir, 'endpoint.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(record).toMatchObject({ url: stack.url, pid: stack.child.pid });
  });

  it('send demo --wait shows succeeded with the run log, and runs list demo needs no flags', async () => {
    // Act
    const sent = await cli(['send', 'demo', '-d', '{"a":1}', '--wait'], {}, project);
    const listed = await cli(['runs', 'list', 'demo'], {}, project);

    // Assess
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/^HTTP 202 Accepted\n/);
    expect(sent.stdout).toMatch(/\nStatus: +succeeded\n/);
    expect(sent.stdout).toMatch(/\n\[\d{4}-\d\d-\d\dT[\d:.]+Z\] \[INFO\] – payload \(7 bytes\): \{"a":1\}\n/);
    const runId = /"runId": "(\w+)"/.exec(sent.stdout)?.[1] ?? '';
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`\\n${runId} +succeeded `));
  });

  it('finds the stack through TRIGGERHUB_DATA_DIR from any folder', async () => {
    const out = await cli(['jobs', 'get', 'demo'], { TRIGGERHUB_DATA_DIR: dataDir }, tmpdir());
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain('ID:             demo\n');
  });

  it('keeps a deleted example deleted at the next start, and records the new endpoint', async () => {
    // Prepare
    const deleted = await cli(['jobs', 'delete', 'demo'], {}, project);
    expect(deleted.code, deleted.stderr).toBe(0);
    await stopProcess(stack.child, 'SIGINT');
    const removed = await access(join(dataDir, 'endpoint.json')).then(
      () => false,
      () => true,
    );

    // Act
    stack = await startLocalProcess(dataDir, await freePort());
    const jobs = await cli(['--json', 'jobs', 'list'], {}, project);

    // Assess
    expect(removed).toBe(true);
    expect(jobs.code, jobs.stderr).toBe(0);
    const ids = (JSON.parse(jobs.stdout) as { items: { id: string }[] }).items.map((j) => j.id);
    expect(ids).toContain('securechange-trigger');
    expect(ids).not.toContain('demo');
  }, 120_000);
});

/** A script run as SecureChange (or a shell) would, stdin closed early or not. */
const sh = (script: string, cwd: string, env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end();
  });

/** The shell lines of the README's "Try it" block in "Connect SecureChange". */
const readmeTryIt = async (): Promise<string> => {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Connect SecureChange'),
    readme.indexOf('## Connect a SmartTask'),
  );
  const block = /\*\*Try it\*\*[^\n]*\n\s*```sh\n([\s\S]*?)\n\s*```/.exec(section)?.[1];
  if (block === undefined) throw new Error('no Try it block in Connect SecureChange');
  return block
    .split('\n')
    .map((l) => l.trim())
    .join('\n');
};

describe("the README's SecureChange Try it block, verbatim, against npm start", () => {
  let stack: InProcessStack;
  let cwd: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    stack = await startInProcessStack();
    // A user's folder: the repository's examples beside the data folder, `npx triggerhub` on the PATH.
    cwd = await mkdtemp(join(tmpdir(), 'triggerhub-tryit-'));
    await symlink(join(REPO_ROOT, 'examples'), join(cwd, 'examples'));
    const bin = join(cwd, 'bin');
    await mkdir(bin);
    await writeFile(
      join(bin, 'npx'),
      `#!/bin/sh\n[ "$1" = triggerhub ] || exit 127\nshift\nexec "${process.execPath}" "${join(REPO_ROOT, 'bin', 'triggerhub.js')}" "$@"\n`,
    );
    await chmod(join(bin, 'npx'), 0o755);
    env = {
      PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: process.env.HOME ?? tmpdir(),
      TRIGGERHUB_DATA_DIR: stack.dataDir,
    };
  });

  afterAll(async () => {
    await stack.stop();
    await rm(cwd, { recursive: true, force: true });
  });

  it('forwards a trigger, refuses the denied ticket, and prints the assignment XML', async () => {
    // Act
    const out = await sh(await readmeTryIt(), cwd, env);

    // Assess
    const exits = [...out.stdout.matchAll(/^exit (\d+)$/gm)].map((m) => m[1]);
    expect(exits, out.stderr).toEqual(['0', '1']);
    expect(out.stderr).toContain('requester "mallory" is not allowed');
    expect(out.stdout).toContain(
      '<tasks>\n  <task>\n    <name>Firewall team</name>\n    <participants>\n' +
        '      <participant_username>alice</participant_username>',
    );
    const runs = (await (await fetch(`${stack.url}/admin/jobs/securechange-trigger/runs`)).json()) as {
      items: { trigger: string; status: string }[];
    };
    expect(runs.items.map((r) => r.trigger)).toContain('ADVANCE');
  }, 120_000);

  it('refuses a script for a kind the job cannot serve', async () => {
    const out = await cli(
      ['mediator', 'securechange-validation', '--kind', 'trigger'],
      { TRIGGERHUB_DATA_DIR: stack.dataDir },
      cwd,
    );
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain('error: job securechange-validation cannot serve a trigger script');
  });
});
