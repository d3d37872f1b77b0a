import type { SQSClient } from '@aws-sdk/client-sqs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalOptions } from '../../cli/local/start.ts';
import { runLocal } from '../../cli/local/start.ts';
import type { Run } from '../../shared/model/index.ts';
import { RunSchema } from '../../shared/model/index.ts';
import type { Deps } from '../../shared/runtime/deps.ts';

export interface InProcessStack {
  url: string;
  deps: Deps;
  sqs: SQSClient;
  dlqUrl: string;
  dataDir: string;
  /** What the stack printed (ready line…). */
  lines: string[];
  /** A secret the stack generated under its data folder. */
  secret(name: string): Promise<string>;
  /** The run once `done(status)` holds, polled through the admin API. */
  waitForRun(runId: string, done?: (status: string) => boolean): Promise<Run>;
  /** The run once it succeeded, failed or timed out: rounds of waitForRun, for a loaded machine. */
  waitForFinishedRun(runId: string): Promise<Run>;
  /** PUT /admin/jobs/{id} with `job`; throws unless the stack answers 2xx. */
  putJob(id: string, job: Record<string, unknown>): Promise<void>;
  /** A JSON webhook to `jobId` signed with the shared `secret`; throws unless 202, answers the run id. */
  sendWebhook(jobId: string, secret: string): Promise<string>;
  stop(): Promise<void>;
}

const finished = (status: string): boolean => status !== 'queued' && status !== 'running';
/** How many of waitForRun's 10 s rounds waitForFinishedRun waits. */
const FINISHED_ROUNDS = 6;

/**
 * The local stack as `npm start` runs it, in this process, on a random port
 * and a fresh data folder — or on `dataDir`, which is then the caller's and
 * kept when the stack stops (a restart on the same data).
 */
export const startInProcessStack = async (
  options: Partial<Omit<LocalOptions, 'port' | 'until' | 'onReady' | 'print'>> = {},
): Promise<InProcessStack> => {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'triggerhub-e2e-')));
  const lines: string[] = [];
  let stop = (): void => undefined;
  const until = new Promise<void>((r) => (stop = r));
  let stopped: Promise<void> = Promise.resolve();
  const ready = await new Promise<{ url: string; deps: Deps; sqs: SQSClient; dlqUrl: string }>(
    (resolve, fail) => {
      stopped = runLocal({
        ...options,
        port: 0,
        dataDir,
        until,
        print: (l) => lines.push(l),
        onReady: resolve,
      });
      stopped.catch(fail);
    },
  );
  const waitForRun = async (runId: string, done = finished): Promise<Run> => {
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${ready.url}/admin/runs/${runId}`);
      if (res.status === 200) {
        const run = RunSchema.parse(await res.json());
        if (done(run.status)) return run;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`run ${runId} did not reach the expected status`);
  };
  return {
    ...ready,
    dataDir,
    lines,
    secret: async (name) => (await readFile(join(dataDir, 'secrets', name), 'utf8')).trim(),
    waitForRun,
    waitForFinishedRun: async (runId) => {
      for (let i = 0; i < FINISHED_ROUNDS; i++) {
        try {
          return await waitForRun(runId, (s) => s === 'succeeded' || s === 'failed' || s === 'timed_out');
        } catch {
          // not yet
        }
      }
      throw new Error(`run ${runId} did not finish`);
    },
    putJob: async (id, job) => {
      const res = await fetch(`${ready.url}/admin/jobs/${id}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(job),
      });
      if (res.status >= 300)
        throw new Error(`PUT /admin/jobs/${id} answered ${res.status}: ${await res.text()}`);
    },
    sendWebhook: async (jobId, secret) => {
      const res = await fetch(`${ready.url}/hooks/${jobId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shared-secret': secret },
        body: JSON.stringify({ job: jobId, at: Date.now() }),
      });
      if (res.status !== 202)
        throw new Error(`POST /hooks/${jobId} answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { runId: string }).runId;
    },
    stop: async () => {
      stop();
      await stopped;
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
};
