import type { Config } from '../../shared/config.ts';
import { systemClock } from '../../shared/ports.ts';
import type { sweepStaleRuns } from '../../shared/runtime/recovery.ts';
import type { checkOverdueSchedules } from '../../shared/runtime/scheduler.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { DynamoNotificationStore } from '../../shared/store/dynamo-notification-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import { DynamoScheduleStore } from '../../shared/store/dynamo-schedule-store.ts';
import { DynamoTurnStore } from '../../shared/store/dynamo-turn-store.ts';
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { runtimeSettings, tableOf } from '../wiring/common.ts';
import { notificationPublisher } from '../wiring/notifications.ts';
import { runQueue } from '../wiring/queue.ts';

/** The ports the sweep and the overdue-schedule check use, as the runtime declares them. */
export type SweeperDeps = Parameters<typeof sweepStaleRuns>[0] & Parameters<typeof checkOverdueSchedules>[0];

/**
 * The sweeper's ports: the table (open runs, their jobs' `onError`, the
 * notification of a run it fails, overdue schedules), the queue it requeues stale runs on, and
 * the notification topic. No bucket, secret store or integrations.
 */
export const createSweeperDeps = (config: Config, options: FunctionDepsOptions = {}): SweeperDeps => {
  const table = tableOf(config, options);
  return {
    jobs: new DynamoJobStore(table),
    runs: new DynamoRunStore(table),
    queue: runQueue(config, options),
    clock: systemClock,
    settings: runtimeSettings(config),
    // The `run_failed` notification of a run it fails, and `schedule_overdue`.
    notifications: new DynamoNotificationStore(table),
    // Armed schedules past due (gsi1 `SCHEDULES`): is the scheduler running?
    schedules: new DynamoScheduleStore(table),
    // A run it finishes leaves its order key's line (TURN# DeleteItem), so the next event of that ticket goes at once.
    turns: new DynamoTurnStore(table),
    ...notificationPublisher(config, options),
  };
};
