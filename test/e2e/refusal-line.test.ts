import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, freePort, stopProcess } from '../helpers/local-process.ts';

/**
 * Issue 6, "Done when": a refused webhook shows as one readable line in
 * `npm start`'s output — the most common setup mistake (a wrong secret in
 * SmartConsole) must be visible where the user looks, and leave no run.
 */

const WRONG_SECRET = 'wrong-secret-4f1c9a7e-from-a-careless-caller';

interface Started {
  child: ChildProcess;
  url: string;
  dataDir: string;
  stdout: () => string;
  stderr: () => string;
}

const running: Started[] = [];

/** `npm start [args]` in its own process, own data folder and a random port; stdout and stderr apart. */
const start = async (args: string[]): Promise<Started> => {
  const dataDir = await mkdtemp(join(tmpdir(), 'triggerhub-refusal-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), TRIGGERHUB_DATA_DIR: dataDir };
  // The defaults a user gets: INFO, readable lines unless --log-format says otherwise.
  delete env.TRIGGERHUB_LOG_FORMAT;
  delete env.POWERTOOLS_LOG_LEVEL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'start', ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const started: Started = {
    child,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    stdout: () => stdout,
    stderr: () => stderr,
  };
  running.push(started);
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`local stack did not start:\n${stdout}${stderr}`)), 45_000);
    const check = () => {
      if (stdout.includes('triggerhub is ready on')) {
        clearTimeout(timer);
        ok();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`local stack exited with ${code}:\n${stdout}${stderr}`));
    });
  });
  return started;
};

/** `POST /hooks/demo` with a wrong shared secret, then the lines of the output that mention the refusal. */
const refuseOnce = async (stack: Started): Promise<{ status: number; body: unknown; lines: string[] }> => {
  const res = await fetch(`${stack.url}/hooks/demo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'X-Shared-Secret': WRONG_SECRET },
    body: '{"hello":"world"}',
  });
  const body: unknown = await res.json();
  // The line is written before the answer is sent; the pipe may deliver it a moment later.
  const refusalLines = () =>
    `${stack.stdout()}${stack.stderr()}`.split('\n').filter((l) => l.includes('webhook refused'));
  for (let i = 0; i < 200 && refusalLines().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
  // A second (wrong) line, had there been one, is written by the same call: give it the same chance.
  await new Promise((r) => setTimeout(r, 200));
  return { status: res.status, body, lines: refusalLines() };
};

const runsOfDemo = async (stack: Started): Promise<unknown> => {
  const res = await fetch(`${stack.url}/admin/jobs/demo/runs`);
  expect(res.status).toBe(200);
  return res.json();
};

afterEach(async () => {
  for (const stack of running.splice(0)) {
    await stopProcess(stack.child, 'SIGINT');
    await rm(stack.dataDir, { recursive: true, force: true });
  }
});

describe("a refused webhook in npm start's output", () => {
  it(
    'is one readable line: time, WARN, ingest, webhook refused, 401 unauthorized, job=demo; no run',
    { timeout: 90_000 },
    async () => {
      // Prepare
      const stack = await start([]);

      // Act
      const { status, body, lines } = await refuseOnce(stack);

      // Assess
      expect(status).toBe(401);
      expect(body).toEqual({ error: 'unauthorized', message: expect.any(String) as unknown });
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^\d\d:\d\d:\d\d\.\d{3} WARN +ingest +webhook refused 401 unauthorized job=demo ip=127\.0\.0\.1 req=[\w-]+$/,
      );
      const output = stack.stdout() + stack.stderr();
      expect(output).not.toContain('arn:');
      expect(output).not.toContain(WRONG_SECRET);
      expect(output).not.toContain((await readFile(join(stack.dataDir, 'secrets', 'demo'), 'utf8')).trim());
      expect(await runsOfDemo(stack)).toEqual({ items: [] });
    },
  );

  it('is one Powertools JSON line with --log-format json; no run', { timeout: 90_000 }, async () => {
    // Prepare
    const stack = await start(['--log-format', 'json']);

    // Act
    const { status, lines } = await refuseOnce(stack);

    // Assess
    expect(status).toBe(401);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'WARN',
      message: 'webhook refused',
      status: 401,
      reason: 'unauthorized',
      jobId: 'demo',
      requestId: expect.stringMatching(/^[\w-]+$/) as unknown,
      sourceIp: '127.0.0.1',
    });
    expect(typeof line.status).toBe('number');
    const output = stack.stdout() + stack.stderr();
    expect(output).not.toContain('arn:');
    expect(output).not.toContain(WRONG_SECRET);
    expect(await runsOfDemo(stack)).toEqual({ items: [] });
  });
});
