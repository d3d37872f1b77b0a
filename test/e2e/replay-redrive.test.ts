import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';
import { flakyTarget } from '../helpers/flaky-target.ts';

/** The target each job calls: down (retryably, or permanently) until fixed. */
const world = { retryableDown: true, permanentDown: true, calls: 0 };
const flaky = flakyTarget(world);

/**
 * Issue 9, "Done when" 6, through the local stack (`npm start` in this
 * process, fauxqs's queue with its DLQ after 3 receives, retries 1 s apart):
 * `runs replay` of a failed run and `dlq redrive` each produce new runs that
 * succeed once the cause is fixed.
 */
describe('replay and redrive through the local stack', () => {
  let stack: InProcessStack;
  let secret: string;

  beforeAll(async () => {
    stack = await startInProcessStack({ integrations: [flaky], examples: true });
    secret = await stack.secret('demo');
  });

  afterAll(async () => {
    await stack.stop();
  });

  const admin = (path: string, init: RequestInit = {}) => fetch(`${stack.url}/admin${path}`, init);
  const putJob = (id: string, permanent: boolean) =>
    stack.putJob(id, {
      name: id,
      integration: 'flaky-target',
      auth: { secret: 'demo' },
      params: { permanent },
    });
  const send = (jobId: string) => stack.sendWebhook(jobId, secret);
  const finished = (runId: string) => stack.waitForFinishedRun(runId);
  type DlqList = {
    items: { runId?: string; jobId?: string; status: string; error?: string }[];
    count: number;
  };
  const dlq = async (): Promise<DlqList> => (await (await admin('/dlq?jobId=retry-sync')).json()) as DlqList;

  it(
    'runs replay of a failed run makes a new run that succeeds once the cause is fixed',
    { timeout: 120_000 },
    async () => {
      // Prepare: a run failed permanently (no retry)
      await putJob('mapping-sync', true);
      const failed = await finished(await send('mapping-sync'));

      // Act
      world.permanentDown = false;
      const res = await admin(`/runs/${failed.id}/replay`, { method: 'POST' });
      const body = (await res.json()) as { runId: string; replayOf: string };
      const replay = await finished(body.runId);

      // Assess
      expect(failed).toMatchObject({ status: 'failed', error: 'target refused: bad mapping' });
      expect(res.status).toBe(202);
      expect(body.replayOf).toBe(failed.id);
      expect(replay).toMatchObject({
        status: 'succeeded',
        firedBy: 'replay',
        replayOf: failed.id,
        trigger: failed.trigger,
      });
      expect(replay.event?.payload).toEqual(failed.event?.payload);
    },
  );

  it(
    'a run that failed every attempt is in the DLQ; dlq redrive makes a new run that succeeds, the DLQ empties',
    { timeout: 120_000 },
    async () => {
      // Prepare: three attempts 1 s and 2 s apart, then the queue's redrive policy moves the message
      await putJob('retry-sync', false);
      const runId = await send('retry-sync');
      const dead = await finished(runId);
      let listed: DlqList = { items: [], count: 0 };
      for (let i = 0; i < 120 && listed.count === 0; i++) {
        listed = await dlq();
        if (listed.count === 0) await new Promise((r) => setTimeout(r, 250));
      }

      // Act
      world.retryableDown = false;
      const res = await admin('/dlq/redrive', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jobId: 'retry-sync' }),
      });
      const redriven = (await res.json()) as { count: number; runIds: string[]; dropped: number };
      const fresh = await finished(redriven.runIds[0] ?? '');

      // Assess
      expect(dead).toMatchObject({ status: 'failed', attempt: 3 });
      expect(listed.items).toEqual([
        expect.objectContaining({
          runId,
          jobId: 'retry-sync',
          status: 'failed',
          error: 'target answered 503',
        }),
      ]);
      expect(res.status).toBe(202);
      expect(redriven).toMatchObject({ count: 1, dropped: 0 });
      expect(fresh).toMatchObject({ status: 'succeeded', attempt: 1, firedBy: 'replay', replayOf: runId });
      expect(await dlq()).toEqual({ items: [], count: 0 });
    },
  );
});
