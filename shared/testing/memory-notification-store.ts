import type { NotificationRecord, NotificationStore, Page, Severity } from '../ports.ts';
import { encodeMemoryCursor, lastOfMemoryCursor, pageLimit } from '../store/cursor.ts';

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
      const after = q.cursor === undefined ? undefined : lastOfMemoryCursor(q.cursor, scope);
      const matching = this.items
        .filter(
          (n) => (q.jobId === undefined || n.jobId === q.jobId) && (after === undefined || n.id < after),
        )
        .sort((a, b) => (a.id < b.id ? 1 : -1))
        .filter((n) => q.severity === undefined || n.severity === q.severity);
      const items = matching.slice(0, limit).map((n) => ({ ...n }));
      const last = items.at(-1);
      if (matching.length <= limit || last === undefined) return Promise.resolve({ items });
      return Promise.resolve({ items, nextCursor: encodeMemoryCursor(scope, last.id) });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }
}
