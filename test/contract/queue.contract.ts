import { describe, expect, it } from 'vitest';
import type { Queue, RunMessage } from '../../shared/ports.ts';

/** A fresh queue, and every message sent to it so far that has not been read yet. */
export interface QueueUnderTest {
  queue: Queue;
  received: () => Promise<RunMessage[]>;
}

const byRunId = (a: RunMessage, b: RunMessage): number =>
  a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;

/**
 * What every Queue does (shared/ports.ts), run against the in-memory fake and
 * the SQS adapter alike. A batch entry the queue refuses is covered per
 * adapter: a real queue cannot be made to refuse one on demand.
 */
export const describeQueueContract = (name: string, make: () => Promise<QueueUnderTest>): void => {
  describe(`Queue contract: ${name}`, () => {
    it('send delivers one run message', async () => {
      // Prepare
      const { queue, received } = await make();

      // Act
      await queue.send({ runId: 'R1', jobId: 'demo' });

      // Assess
      expect(await received()).toEqual([{ runId: 'R1', jobId: 'demo' }]);
    });

    it('sendBatch delivers every message once, more than one call’s worth, and answers no failure', async () => {
      // Prepare: 23 messages, more than two SendMessageBatch calls hold
      const { queue, received } = await make();
      const messages = Array.from({ length: 23 }, (_, i) => ({
        runId: `R${String(i).padStart(2, '0')}`,
        jobId: 'demo',
      }));

      // Act
      const failures = await queue.sendBatch(messages);

      // Assess
      expect(failures).toEqual([]);
      expect((await received()).sort(byRunId)).toEqual(messages);
    });

    it('sendLater with no delay delivers the run message', async () => {
      // Prepare
      const { queue, received } = await make();

      // Act
      await queue.sendLater({ runId: 'R-NOW', jobId: 'demo' }, 0);

      // Assess
      expect(await received()).toEqual([{ runId: 'R-NOW', jobId: 'demo' }]);
    });

    it('sendLater with a delay keeps the message out of sight for now', async () => {
      // Prepare
      const { queue, received } = await make();

      // Act
      await queue.sendLater({ runId: 'R-LATER', jobId: 'demo' }, 60);

      // Assess
      expect(await received()).toEqual([]);
    });

    it('sendBatch of nothing sends nothing', async () => {
      // Prepare
      const { queue, received } = await make();

      // Act
      const failures = await queue.sendBatch([]);

      // Assess
      expect(failures).toEqual([]);
      expect(await received()).toEqual([]);
    });
  });
};
