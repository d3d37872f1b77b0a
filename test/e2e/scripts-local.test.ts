import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../shared/model/index.ts';
import { RunSchema } from '../../shared/model/index.ts';
import { secretFilePath } from '../../shared/secrets/local-secret-store.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';
import { repoRoot } from '../helpers/samples.ts';

/**
 * Issue 9, "Done when": a script written exactly as the seed's examples
 * (`module.exports = { run }`, `args.arguments`, `args.globalArguments`,
 * `args.lastSuccessfulRunDateUtc`, `console.info`) is uploaded and run
 * under `npm start` (runLocal in this process, its real child-process
 * runner): the run succeeds with what the script resolved, its log shows
 * `[INFO] – …`; a script that rejects fails the run with its message.
 */
const TOKEN = 'canary-script-token-4c1d';

const REJECTING = `let run = function (args) {
  return new Promise((resolve, reject) => {
    console.warn('about to give up on ' + args.plutoraValues.JobName + ' with ' + args.arguments.apiToken);
    reject('upstream said no');
  });
};

module.exports = {
  run: run,
};
`;

describe('uploaded scripts through npm start', () => {
  let stack: InProcessStack;

  const admin = (method: string, path: string, body?: string, type = 'application/json') =>
    fetch(`${stack.url}/admin${path}`, {
      method,
      ...(body === undefined ? {} : { body, headers: { 'content-type': type } }),
    });

  /** Sends the job a webhook and answers its run id. */
  const fire = async (jobId: string, payload: unknown): Promise<string> => {
    const res = await fetch(`${stack.url}/hooks/${jobId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shared-secret': await stack.secret('demo') },
      body: JSON.stringify(payload),
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { runId: string }).runId;
  };

  /** The run once final: a child process per run starts node and tsx, slow on a loaded machine (bounded: 90 s). */
  const finalRun = async (runId: string): Promise<Run> => {
    for (let i = 0; i < 450; i++) {
      const res = await admin('GET', `/runs/${runId}`);
      if (res.status === 200) {
        const run = RunSchema.parse(await res.json());
        if (run.status !== 'queued' && run.status !== 'running') return run;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`run ${runId} did not finish`);
  };

  const applyJob = async (id: string, script: string, params: Record<string, unknown>) => {
    const res = await admin(
      'PUT',
      `/jobs/${id}`,
      JSON.stringify({
        name: `Script job ${id}`,
        script: { id: script },
        auth: { type: 'shared-secret', secret: 'demo' },
        params,
        timeoutSeconds: 60,
      }),
    );
    expect(res.status).toBe(201);
  };

  beforeAll(async () => {
    stack = await startInProcessStack();
    await writeFile(secretFilePath(stack.dataDir, 'sync-token'), TOKEN, { mode: 0o600 });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('runs the example sync.js: resolved message, [INFO] lines, the version recorded, the last success next time', async () => {
    // Prepare
    const source = await readFile(join(repoRoot, 'examples', 'scripts', 'sync.js'), 'utf8');
    const uploaded = await admin('PUT', '/scripts/sync', source, 'application/javascript');
    expect(uploaded.status).toBe(201);
    const version = (await uploaded.json()) as { version: number; sha256: string };
    expect((await admin('PUT', '/globals/environment', JSON.stringify({ value: 'staging' }))).status).toBe(
      201,
    );
    await applyJob('sync-job', 'sync', { region: 'eu', apiToken: { secret: 'sync-token' } });

    // Act
    const first = await finalRun(await fire('sync-job', { ticket: 7 }));
    const second = await finalRun(await fire('sync-job', { ticket: 8 }));

    // Assess: the first run has no earlier success; the second syncs since the first
    expect(first).toMatchObject({
      status: 'succeeded',
      message: 'Script job sync-job: synced eu since the beginning',
      script: { id: 'sync', version: version.version, sha256: version.sha256 },
    });
    const lines = first.logs.map((l) => `[${l.level}] – ${l.message}`);
    expect(lines).toEqual([
      '[LOG] – Starting script',
      '[INFO] – Syncing eu changes since the beginning (staging)',
      '[LOG] – Ending script',
    ]);
    expect(JSON.stringify(first)).not.toContain(TOKEN);
    expect(second.status).toBe('succeeded');
    expect(second.message).toMatch(/^Script job sync-job: synced eu since \d{4}-\d{2}-\d{2}T[\d:.]+Z$/);
  });

  it('fails the run with the message of a script that rejects', async () => {
    // Prepare
    expect((await admin('PUT', '/scripts/gives-up', REJECTING, 'text/javascript')).status).toBe(201);
    await applyJob('gives-up-job', 'gives-up', { apiToken: { secret: 'sync-token' } });

    // Act
    const run = await finalRun(await fire('gives-up-job', {}));

    // Assess: one attempt, the script's message, its own line first (the token it logged redacted)
    expect(run).toMatchObject({ status: 'failed', attempt: 1, message: 'upstream said no' });
    expect(JSON.stringify(run)).not.toContain(TOKEN);
    expect(run.logs.map((l) => `[${l.level}] – ${l.message}`)).toEqual([
      '[WARN] – about to give up on Script job gives-up-job with ***',
      '[ERROR] – run failed: upstream said no',
    ]);
  });
});
