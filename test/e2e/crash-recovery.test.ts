import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RunSchema } from '../../shared/model/index.ts';
import { omit, unlazy } from '../../shared/model/zod.ts';
import type { LocalProcess } from '../helpers/local-process.ts';
import { freePort, startLocalProcess, stopProcess } from '../helpers/local-process.ts';

const Page = z.object({
  items: z.array(omit(unlazy(RunSchema), { logs: true })),
  nextCursor: z.string().optional(),
});

/**
 * Unfinished runs of a listing that really exist. dynalite writes a GSI entry
 * and the table item separately, so a SIGKILL between the two can leave an
 * index entry whose item was never written (a run whose request got no
 * answer); DynamoDB itself derives indexes from items and cannot.
 */
const realUnfinished = async (url: string, listed: { id: string; status: string }[]): Promise<string[]> => {
  const ids: string[] = [];
  for (const run of listed.filter((r) => r.status === 'queued' || r.status === 'running')) {
    if ((await fetch(`${url}/admin/runs/${run.id}`)).status !== 404) ids.push(run.id);
  }
  return ids;
};

/**
 * `npm start` killed (SIGKILL) in the middle of a burst of webhooks: after a
 * restart every accepted (202) delivery ends as exactly one finished run.
 */
describe('crash recovery of the local stack', () => {
  let dataDir: string;
  let stack: LocalProcess | undefined;

  afterAll(async () => {
    if (stack) await stopProcess(stack.child, 'SIGINT');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('loses no accepted webhook when killed mid-burst', { timeout: 180_000 }, async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'triggerhub-crash-'));
    const port = await freePort();
    stack = await startLocalProcess(dataDir, port);
    const secret = (await readFile(join(dataDir, 'secrets', 'demo'), 'utf8')).trim();

    const accepted: string[] = [];
    let refused = 0;
    const post = async (i: number) => {
      try {
        const res = await fetch(`${stack?.url}/hooks/demo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-shared-secret': secret },
          // Every tenth body is large enough for the claim check (kept outside the table).
          body: JSON.stringify({ burst: i, pad: i % 10 === 0 ? 'x'.repeat(120_000) : '' }),
        });
        if (res.status === 202) accepted.push(((await res.json()) as { runId: string }).runId);
      } catch {
        refused++;
      }
    };
    // 100 webhooks, 5 at a time; the process is killed once a third are accepted.
    const first = stack;
    let next = 0;
    const sender = async () => {
      while (next < 100) {
        const i = next++;
        await post(i);
        if (accepted.length >= 33 && first.child.exitCode === null && first.child.signalCode === null) {
          await stopProcess(first.child, 'SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 5 }, sender));
    expect(accepted.length).toBeGreaterThanOrEqual(33);
    expect(refused).toBeGreaterThan(0); // the kill really happened mid-burst

    stack = await startLocalProcess(dataDir, port);
    const runs = new Map<string, z.infer<typeof Page>['items'][number]>();
    for (let tries = 0; tries < 300; tries++) {
      runs.clear();
      let cursor: string | undefined;
      do {
        const res = await fetch(
          `${stack.url}/admin/jobs/demo/runs?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        );
        const page = Page.parse(await res.json());
        for (const run of page.items) runs.set(run.id, run);
        cursor = page.nextCursor;
      } while (cursor);
      const unfinished = await realUnfinished(stack.url, [...runs.values()]);
      if (unfinished.length === 0 && accepted.every((id) => runs.get(id)?.status === 'succeeded')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const id of accepted) expect(runs.get(id)?.status, `run ${id}`).toBe('succeeded');
    // No run is left behind, and each accepted delivery has exactly one run.
    expect(await realUnfinished(stack.url, [...runs.values()])).toEqual([]);
    expect(new Set(accepted).size).toBe(accepted.length);
    // Nothing the platform printed, at DEBUG level, holds the secret (the worker's readable lines are there).
    expect(stack.output()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}worker {2}\S+ run finished /m);
    expect(stack.output()).not.toContain(secret);
  });
});
