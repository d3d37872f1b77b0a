import type { NotificationRecord, NotificationStore, Page, Severity } from '../../shared/ports.ts';

/** In-memory NotificationStore for tests. Stub of the seam: its owner fills it in. */
export class MemoryNotificationStore implements NotificationStore {
  add(_notification: NotificationRecord): Promise<void> {
    return Promise.reject(new Error('not implemented'));
  }

  list(_query: {
    jobId?: string;
    severity?: Severity;
    limit?: number;
    cursor?: string;
  }): Promise<Page<NotificationRecord>> {
    return Promise.reject(new Error('not implemented'));
  }
}
