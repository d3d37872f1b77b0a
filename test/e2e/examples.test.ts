import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMediatorScript } from '../../cli/mediator/generate.ts';
import type { Run } from '../../shared/model/index.ts';
import { REPO_ROOT } from '../helpers/local-process.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

const example = (name: string) => readFile(join(REPO_ROOT, 'examples', 'payloads', name), 'utf8');

/**
 * Every example job and payload, posted to the local stack as the README's
 * "Connect SecureChange" and "Connect a SmartTask" sections tell a user to.
 */
describe('example jobs and payloads on the local stack', () => {
  let stack: InProcessStack;
  let url: string;
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startInProcessStack();
    url = stack.url;
    for (const name of ['securechange', 'checkpoint']) secrets[name] = await stack.secret(name);
  });

  afterAll(() => stack.stop());

  const post = (jobId: string, body: string, headers: Record<string, string>) =>
    fetch(`${url}/hooks/${jobId}`, { method: 'POST', headers, body });

  const finished = (runId: string): Promise<Run> => stack.waitForRun(runId);

  const scHeaders = (event?: string) => ({
    'content-type': 'application/xml',
    'x-shared-secret': secrets.securechange ?? '',
    ...(event ? { 'x-scw-event': event } : {}),
  });

  it('loads the example jobs at start', async () => {
    const jobs = (await (await fetch(`${url}/admin/jobs`)).json()) as { items: { id: string }[] };
    expect(jobs.items.map((j) => j.id).sort()).toEqual([
      'checkpoint-before-publish',
      'demo',
      'heartbeat',
      'securechange-assignment',
      'securechange-trigger',
      'securechange-validation',
    ]);
  });

  it('logs the normalized SecureChange ticket of a workflow trigger', async () => {
    const res = await post(
      'securechange-trigger',
      await example('securechange-ticket-info.xml'),
      scHeaders('ADVANCE'),
    );
    expect(res.status).toBe(202);
    const run = await finished(((await res.json()) as { runId: string }).runId);
    expect(run).toMatchObject({ status: 'succeeded', source: 'securechange', trigger: 'ADVANCE' });
    const ticketLine = run.logs.find((l) => l.message.startsWith('ticket: '))?.message ?? '';
    const ticket = JSON.parse(ticketLine.slice('ticket: '.length)) as Record<string, unknown>;
    expect(ticket).toMatchObject({
      id: '64',
      subject: 'CHG0042 open HTTPS to the web farm',
      priority: 'Normal',
      requester: 'api',
      createDate: '2024-01-08T09:47:56.656Z',
      currentStage: { id: '253', name: 'Business approval', handler: 'api' },
      openRequestStage: { id: '251', name: 'Open request' },
      comment: { type: 'stepComment', content: 'Approved by the web team' },
    });
  });

  it("treats SecureChange's Test button (empty ticket_info) as TEST", async () => {
    const res = await post(
      'securechange-trigger',
      await example('securechange-test-button.xml'),
      scHeaders('CREATE'),
    );
    const run = await finished(((await res.json()) as { runId: string }).runId);
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'TEST' });
  });

  it.each([
    ['securechange-ticket-info.xml', 'success', 'ticket 64 passes validation'],
    ['securechange-ticket-info-denied.xml', 'failure', 'requester "mallory" is not allowed'],
  ])('answers the validation job for %s with %s', async (file, result, message) => {
    const res = await post('securechange-validation', await example(file), scHeaders());
    expect(res.status).toBe(200);
    const verdict = (await res.json()) as { result: string; message: string; runId: string };
    expect(verdict.result).toBe(result);
    expect(verdict.message).toContain(message);
    const run = await finished(verdict.runId);
    expect(run.verdict?.allow).toBe(result === 'success');
  });

  it.each([
    ['checkpoint-before-publish.json', 'success', '3 changes checked, no violation'],
    [
      'checkpoint-before-publish-violation.json',
      'failure',
      'access rule 408c7054-eb6d-4557-8a15-cb1b6160b80b has no comments',
    ],
  ])('answers the publish gate for %s with %s', async (file, result, message) => {
    const res = await post('checkpoint-before-publish', await example(file), {
      'content-type': 'application/json',
      'x-chkp-shared-secret': secrets.checkpoint ?? '',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result, message: expect.stringContaining(message) as unknown });
    const runId = res.headers.get('x-triggerhub-run-id') ?? '';
    const run = await finished(runId);
    expect(run.logs[0]?.message).toMatch(
      /^before-publish session 40b969d3-.* by "aa": 1 added, 1 modified, 1 deleted$/,
    );
  });

  it.each([
    ['{}', '{}'],
    ['{"foo":"bar"}', '{"foo":"bar"}'],
  ])('refuses %s to the publish gate with 400 naming the missing session', async (_label, body) => {
    const res = await post('checkpoint-before-publish', body, {
      'content-type': 'application/json',
      'x-chkp-shared-secret': secrets.checkpoint ?? '',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/"session" is missing/);
  });

  it.each([
    [
      'the violating payload with operations renamed',
      async () =>
        (await example('checkpoint-before-publish-violation.json')).replace('"operations"', '"operationz"'),
    ],
    ['the payload without a change set', () => example('checkpoint-before-publish-missing-changes.json')],
  ])('denies %s: the changes were missing', async (_label, body) => {
    const res = await post('checkpoint-before-publish', await body(), {
      'content-type': 'application/json',
      'x-chkp-shared-secret': secrets.checkpoint ?? '',
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { result: string; message: string };
    expect(answer.result).toBe('failure');
    expect(answer.message).toMatch(/without its change set/);
    expect(answer.message).not.toMatch(/changes checked/);
    const run = await finished(res.headers.get('x-triggerhub-run-id') ?? '');
    expect(run).toMatchObject({ status: 'failed', verdict: { allow: false, fallback: true } });
  });

  it('runs a 2 MiB ticket through the claim check to succeeded', async () => {
    const big = (await example('securechange-ticket-info.xml')).replace(
      'Approved by the web team',
      'x'.repeat(2 * 1024 * 1024),
    );
    const res = await post('securechange-trigger', big, scHeaders('CLOSE'));
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    expect(run.event).toBeUndefined();
    expect(run.eventRef).toMatch(/^local:\/\/events\/securechange-trigger\/01\w{24}\.json$/);
  });

  describe('generated mediator script (bash) against the local stack', () => {
    const script = async (jobId: string, kind: 'trigger' | 'validation') => {
      const dir = await mkdtemp(join(tmpdir(), 'triggerhub-mediator-'));
      const secretFile = join(dir, 'secret');
      await writeFile(secretFile, `${secrets.securechange}\n`, { mode: 0o600 });
      const path = join(dir, 'mediator.sh');
      await writeFile(
        path,
        generateMediatorScript({
          jobId,
          kind,
          lang: 'bash',
          url,
          secretHeader: 'X-Shared-Secret',
          secretFile,
        }),
      );
      return { path, dir };
    };
    // Asynchronous on purpose: the stack answers from this same process.
    const runScript = (path: string, stdin: string, event?: string) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn('bash', [path], {
          env: { PATH: process.env.PATH, ...(event ? { SCW_EVENT: event } : {}) },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (status) => done({ status, stdout, stderr }));
        child.stdin.end(stdin);
      });

    it('exits 0 for an allowed ticket and non-zero, with the reason, for a denied one', async () => {
      const { path, dir } = await script('securechange-validation', 'validation');
      const allowed = await runScript(path, await example('securechange-ticket-info.xml'));
      expect(allowed.status, allowed.stderr).toBe(0);
      const denied = await runScript(path, await example('securechange-ticket-info-denied.xml'));
      expect(denied.status).not.toBe(0);
      expect(denied.stderr).toContain('requester "mallory" is not allowed');
      await rm(dir, { recursive: true, force: true });
    });

    it('forwards a workflow trigger with SCW_EVENT and exits 0', async () => {
      const { path, dir } = await script('securechange-trigger', 'trigger');
      const before = (await (
        await fetch(`${url}/admin/jobs/securechange-trigger/runs?limit=100`)
      ).json()) as { items: unknown[] };
      const result = await runScript(path, await example('securechange-ticket-info.xml'), 'RESOLVE');
      expect(result.status, result.stderr).toBe(0);
      const after = (await (await fetch(`${url}/admin/jobs/securechange-trigger/runs?limit=100`)).json()) as {
        items: { trigger: string }[];
      };
      expect(after.items.length).toBe(before.items.length + 1);
      expect(after.items[0]?.trigger).toBe('RESOLVE');
      await rm(dir, { recursive: true, force: true });
    });
  });
});
