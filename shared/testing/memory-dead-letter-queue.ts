import { parseRunMessage } from '../model/index.ts';
import type { RunMessage } from '../model/index.ts';
import type { Clock, DeadLetter, DeadLetterQueue } from '../ports.ts';

interface Held {
  messageId: string;
  body: string;
  sentAt: string;
  receiveCount: number;
  /** The newest receipt handle: only it deletes the message, as in SQS. */
  receiptHandle?: string;
  hiddenUntil: number;
}

const runMessageOf = (body: string): RunMessage | undefined => {
  try {
    return parseRunMessage(body);
  } catch {
    return undefined;
  }
};

/**
 * The dead-letter queue in memory, as SQS keeps one: a peeked message is
 * hidden for `hideSeconds` (by the clock given, so that tests move time
 * themselves), counted as received, and stays until deleted with its newest
 * receipt handle. test/contract/dead-letter-queue.contract.ts runs the same
 * suite against it and the SQS adapter.
 */
export class MemoryDeadLetterQueue implements DeadLetterQueue {
  readonly #held: Held[] = [];
  #seq = 0;
  /** Every delete asked for, by receipt handle (tests check what was deleted and when). */
  readonly deleted: string[] = [];
  /** Every peek fails (the queue unreachable). */
  failPeek = false;

  constructor(readonly clock: Clock = { now: () => new Date() }) {}

  /** A message as the run queue's redrive policy moves one here: `receiveCount` receives spent already. */
  add(message: RunMessage | string, options: { sentAt?: string; receiveCount?: number } = {}): string {
    const messageId = `mem-dlq-${++this.#seq}`;
    this.#held.push({
      messageId,
      body: typeof message === 'string' ? message : JSON.stringify(message),
      sentAt: options.sentAt ?? this.clock.now().toISOString(),
      receiveCount: options.receiveCount ?? 0,
      hiddenUntil: 0,
    });
    return messageId;
  }

  /** How many messages it holds, hidden or not. */
  get size(): number {
    return this.#held.length;
  }

  peek(max: number, hideSeconds = 5): Promise<DeadLetter[]> {
    if (this.failPeek) return Promise.reject(new Error('dead-letter queue unavailable'));
    const now = this.clock.now().getTime();
    const out: DeadLetter[] = [];
    for (const held of this.#held) {
      if (out.length >= max) break;
      if (held.hiddenUntil > now) continue;
      held.receiveCount++;
      held.receiptHandle = `${held.messageId}#${held.receiveCount}`;
      held.hiddenUntil = now + Math.max(1, Math.round(hideSeconds)) * 1000;
      const message = runMessageOf(held.body);
      out.push({
        messageId: held.messageId,
        receiptHandle: held.receiptHandle,
        body: held.body,
        ...(message === undefined ? {} : { message }),
        sentAt: held.sentAt,
        receiveCount: held.receiveCount,
      });
    }
    return Promise.resolve(out);
  }

  delete(receiptHandle: string): Promise<void> {
    this.deleted.push(receiptHandle);
    const i = this.#held.findIndex((h) => h.receiptHandle === receiptHandle);
    if (i !== -1) this.#held.splice(i, 1);
    return Promise.resolve();
  }

  release(receiptHandles: readonly string[]): Promise<void> {
    for (const held of this.#held) {
      if (held.receiptHandle !== undefined && receiptHandles.includes(held.receiptHandle))
        held.hiddenUntil = 0;
    }
    return Promise.resolve();
  }
}
