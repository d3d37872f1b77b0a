import type { NotificationRecord, NotificationStore, Page, Severity } from '../ports.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';

/** Notifications in the single table: `JOB#<jobId>` / `NOTE#<ulid>`, all jobs' through gsi1 `NOTES`. Stub of the seam: its owner fills it in. */
export class DynamoNotificationStore implements NotificationStore {
  constructor(readonly options: DynamoStoreOptions) {}

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
