import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createDeps } from '../../functions/create-deps.ts';
import { RetryableRunError } from '../../shared/errors.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { Run } from '../../shared/model/index.ts';
import { SqsDeadLetterQueue } from '../../shared/queue/sqs-dead-letter-queue.ts';
import { ulid } from '../../shared/runtime/ulid.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { useFixedAwsCredentials } from '../helpers/aws-credentials.ts';
import { freshResources, resourcesConfig } from '../helpers/aws.ts';
import { MemorySecrets } from '../helpers/memory-deps.ts';
import { webhookEvent } from '../helpers/runs.ts';

useFixedAwsCredentials();

/** The target: down until fixed. */
const world = { broken: true, calls: 0 };
const target = defineIntegration({
  id: 'dlq-target',
  name: 'DLQ target',
  version: '1.0.0',
  description: 'fails (retryably) while the target is broken',
  parameters: {},
  run: () => {
    world.calls++;
    if (world.broken) return Promise.reject(new Error('target answered 503'));
    return Promise.resolve({ message: 'delivered' });
  },
});

/**
 * The real pipeline's stores on dynalite, the run queue and its DLQ on fauxqs
 * (maxReceiveCount 3, as the stacks), the worker driven by hand: a run whose
 * integration fails three times lands in the DLQ; `GET /admin/dlq` shows it;
 * once the cause is fixed, `POST /admin/dlq/redrive` makes a new run that
 * succeeds, and the DLQ is empty.
 */
describe('dead-letter redrive through fauxqs', () => {
  it('a run that failed every attempt is listed, redriven as a new run that succeeds, and leaves the DLQ', async () => {
    // Prepare
    const res = await freshResources('dlq-redrive', { maxReceiveCount: 3 });
    const config = resourcesConfig(res, {
      TRIGGERHUB_MAX_RECEIVE_COUNT: '3',
      TRIGGERHUB_RETRY_BASE_SECONDS: '0',
    });
    const deps = createDeps(config, { integrations: [target], secrets: new MemorySecrets({ demo: ['s'] }) });
    deps.deadLetters = new SqsDeadLetterQueue({
      client: res.clients.sqs,
      queueUrl: res.dlqUrl,
      waitSeconds: 0,
    });
    await deps.jobs.put(
      JobSchema.parse({ id: 'sync', name: 'Sync', integration: 'dlq-target', auth: { secret: 'demo' } }),
    );
    const admin = createAdminApp(deps);
    const now = new Date();
    const run: Run = {
      id: ulid(now.getTime()),
      jobId: 'sync',
      source: 'generic',
      trigger: 'webhook',
      mode: 'async',
      status: 'queued',
      attempt: 0,
      createdAt: now.toISOString(),
      logs: [],
      event: webhookEvent({ receivedAt: now.toISOString(), payload: { order: 7 } }),
    };
    await deps.runs.create(run);
    await deps.queue.send({ runId: run.id, jobId: 'sync' });

    /** One receive of the run queue, handed to the worker as the poller does (deleted on success). */
    const pollOnce = async (): Promise<number> => {
      const { Messages = [] } = await res.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: res.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      for (const m of Messages) {
        try {
          await processRunMessage(deps, {
            body: m.Body ?? '',
            receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
            receiptHandle: m.ReceiptHandle ?? '',
          });
          await res.clients.sqs.send(
            new DeleteMessageCommand({ QueueUrl: res.queueUrl, ReceiptHandle: m.ReceiptHandle }),
          );
        } catch (e) {
          if (!(e instanceof RetryableRunError)) throw e;
        }
      }
      return Messages.length;
    };
    /** Polls until `done` holds (bounded). */
    const pollUntil = async (done: () => Promise<boolean>): Promise<void> => {
      for (let i = 0; i < 100; i++) {
        if (await done()) return;
        if ((await pollOnce()) === 0) await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('the queue did not get there');
    };
    const dlqList = async () =>
      (await (await admin.request('/admin/dlq')).json()) as {
        items: { runId?: string; status: string; error?: string; receiveCount: number }[];
        count: number;
      };

    // Act: three failed attempts, then the redrive policy moves the message
    await pollUntil(async () => (await dlqList()).count > 0);
    const listed = await dlqList();
    world.broken = false;
    const redrive = await admin.request('/admin/dlq/redrive', { method: 'POST' });
    const redriven = (await redrive.json()) as { count: number; runIds: string[] };
    const newId = redriven.runIds[0] ?? '';
    await pollUntil(async () => (await deps.runs.get(newId))?.status === 'succeeded');

    // Assess
    expect(listed.items).toEqual([
      expect.objectContaining({ runId: run.id, status: 'failed', error: 'target answered 503' }),
    ]);
    expect(listed.items[0]?.receiveCount).toBeGreaterThanOrEqual(3);
    expect(redrive.status).toBe(202);
    expect(redriven.count).toBe(1);
    expect(await deps.runs.get(newId)).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      firedBy: 'replay',
      replayOf: run.id,
      message: 'delivered',
    });
    expect(await deps.runs.get(run.id)).toMatchObject({ status: 'failed', attempt: 3 });
    expect(world.calls).toBe(4);
    expect(await dlqList()).toEqual({ items: [], count: 0 });
  });
});
