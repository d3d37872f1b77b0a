import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import type { NotificationRecord, NotificationStore, Page, Severity } from '../ports.ts';
import { pageLimit } from '../store/cursor.ts';

const CursorSchema = z.object({ scope: z.string(), last: z.string() }).strict();

/** The in-memory NotificationStore: the DynamoDB adapter's behaviour (test/contract/notification-store.contract.ts). */
export class MemoryNotificationStore implements NotificationStore {
  readonly items: NotificationRecord[] = [];
  /** When set, `add` fails as an unreachable table would. */
  failAdd = false;

  add(n: NotificationRecord): Promise<void> {
    if (this.failAdd) return Promise.reject(new Error('notification store unavailable'));
    if (this.items.some((i) => i.id === n.id)) {
      return Promise.reject(new Error(`notification ${n.id} exists already`));
    }
    this.items.push({ ...n });
    return Promise.resolve();
  }

  list(q: {
    jobId?: string;
    severity?: Severity;
    limit?: number;
    cursor?: string;
  }): Promise<Page<NotificationRecord>> {
    try {
      const limit = pageLimit(q.limit);
      const scope = q.jobId === undefined ? 'NOTES' : `JOB#${q.jobId}`;
      let after: string | undefined;
      if (q.cursor !== undefined) {
        let decoded: unknown;
        try {
          decoded = JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8'));
        } catch {
          decoded = undefined;
        }
        const cursor = CursorSchema.safeParse(decoded);
        if (!cursor.success || cursor.data.scope !== scope) {
          throw new ValidationError('invalid cursor', 'invalid_cursor');
        }
        after = cursor.data.last;
      }
      const matching = this.items
        .filter(
          (n) => (q.jobId === undefined || n.jobId === q.jobId) && (after === undefined || n.id < after),
        )
        .sort((a, b) => (a.id < b.id ? 1 : -1))
        .filter((n) => q.severity === undefined || n.severity === q.severity);
      const items = matching.slice(0, limit).map((n) => ({ ...n }));
      const last = items.at(-1);
      if (matching.length <= limit || last === undefined) return Promise.resolve({ items });
      const nextCursor = Buffer.from(JSON.stringify({ scope, last: last.id }), 'utf8').toString('base64url');
      return Promise.resolve({ items, nextCursor });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
