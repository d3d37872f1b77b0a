import { describe, expect, it } from 'vitest';
import type { DeadLetterQueue } from '../../shared/ports.ts';

/** A fresh, empty dead-letter queue, and how a message gets into it (the run queue's redrive policy, in effect). */
export interface DeadLetterQueueUnderTest {
  dlq: DeadLetterQueue;
  put(body: string): Promise<void>;
}

const runBody = (i: number): string =>
  JSON.stringify({ runId: `R${String(i).padStart(2, '0')}`, jobId: 'shop' });

/**
 * What every DeadLetterQueue does (shared/ports.ts), run against the
 * in-memory fake and the SQS adapter alike.
 */
export const describeDeadLetterQueueContract = (
  name: string,
  make: () => Promise<DeadLetterQueueUnderTest>,
): void => {
  describe(`DeadLetterQueue contract: ${name}`, () => {
    it('peek answers each message once, the run message parsed, with its send time and receive count', async () => {
      // Prepare
      const { dlq, put } = await make();
      const before = Date.now() - 60_000;
      await put(runBody(1));

      // Act
      const [letter, ...rest] = await dlq.peek(10, 30);

      // Assess
      expect(rest).toEqual([]);
      expect(letter?.message).toEqual({ runId: 'R01', jobId: 'shop' });
      expect(letter?.body).toBe(runBody(1));
      expect(letter?.receiveCount).toBeGreaterThanOrEqual(1);
      expect(Date.parse(letter?.sentAt ?? '')).toBeGreaterThan(before);
      expect(letter?.messageId).toBeTruthy();
      expect(letter?.receiptHandle).toBeTruthy();
    });

    it('peek takes more than one receive’s worth, each message once, at most max', async () => {
      // Prepare: 23 messages, more than two ReceiveMessage calls hold
      const { dlq, put } = await make();
      for (let i = 0; i < 23; i++) await put(runBody(i));

      // Act
      const some = await dlq.peek(5, 30);
      const rest = await dlq.peek(100, 30);

      // Assess: the five hidden by the first peek are not in the second
      expect(some).toHaveLength(5);
      expect(rest).toHaveLength(18);
      const ids = [...some, ...rest].map((d) => d.message?.runId).sort();
      expect(ids).toEqual(Array.from({ length: 23 }, (_, i) => `R${String(i).padStart(2, '0')}`));
    });

    it('a message that is no run message is answered without `message`', async () => {
      // Prepare
      const { dlq, put } = await make();
      await put('not json');

      // Act
      const [letter] = await dlq.peek(10, 30);

      // Assess
      expect(letter?.body).toBe('not json');
      expect(letter?.message).toBeUndefined();
    });

    it('release shows peeked messages again at once; delete removes one for good', async () => {
      // Prepare
      const { dlq, put } = await make();
      await put(runBody(1));
      await put(runBody(2));
      const first = await dlq.peek(10, 60);

      // Act
      const hidden = await dlq.peek(10, 60);
      await dlq.release(first.map((d) => d.receiptHandle));
      const again = await dlq.peek(10, 60);
      const one = again.find((d) => d.message?.runId === 'R01');
      await dlq.delete(one?.receiptHandle ?? '');
      await dlq.release(again.map((d) => d.receiptHandle));
      const left = await dlq.peek(10, 60);

      // Assess
      expect(first).toHaveLength(2);
      expect(hidden).toEqual([]);
      expect(again.map((d) => d.messageId).sort()).toEqual(first.map((d) => d.messageId).sort());
      expect(again[0]?.receiveCount).toBeGreaterThan(first[0]?.receiveCount ?? 0);
      expect(left.map((d) => d.message?.runId)).toEqual(['R02']);
    });

    it('release of a handle that no longer fits (its message deleted) is no error', async () => {
      // Prepare
      const { dlq, put } = await make();
      await put(runBody(1));
      const [letter] = await dlq.peek(10, 60);
      await dlq.delete(letter?.receiptHandle ?? '');

      // Act / Assess
      await expect(dlq.release([letter?.receiptHandle ?? ''])).resolves.toBeUndefined();
      expect(await dlq.peek(10, 60)).toEqual([]);
    });
  });
};
