import type { Config } from '../../shared/config.ts';
import type { PayloadStore } from '../../shared/ports.ts';
import { systemClock } from '../../shared/ports.ts';
import type { SchedulerDeps } from '../../shared/runtime/scheduler.ts';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.ts';
import { DynamoLeaseStore } from '../../shared/store/dynamo-lease-store.ts';
import { DynamoNotificationStore } from '../../shared/store/dynamo-notification-store.ts';
import { DynamoRunStore } from '../../shared/store/dynamo-run-store.ts';
import { DynamoScheduleStore } from '../../shared/store/dynamo-schedule-store.ts';
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { runtimeSettings, tableOf } from '../wiring/common.ts';
import { notificationPublisher } from '../wiring/notifications.ts';
import { runQueue } from '../wiring/queue.ts';

/**
 * A scheduled occurrence's event is a few hundred bytes (`{ scheduledFor }`),
 * always kept in its run item: the scheduler has no bucket, and this never
 * gets a call.
 */
const noLargeEvents: PayloadStore = {
  put: () => Promise.reject(new Error('the scheduler keeps no large events')),
  get: () => Promise.reject(new Error('the scheduler reads no large events')),
};

/**
 * The scheduler's ports: the table (schedules and occurrence claims, jobs,
 * the overlap lease, the runs it creates, `schedule_overdue` notifications),
 * the queue it sends runs on, and the notification topic. No bucket, secret
 * store or integrations.
 */
export const createSchedulerDeps = (config: Config, options: FunctionDepsOptions = {}): SchedulerDeps => {
  const table = tableOf(config, options);
  return {
    jobs: new DynamoJobStore(table),
    runs: new DynamoRunStore(table),
    schedules: new DynamoScheduleStore(table),
    // Read only: is the job's previous scheduled run still holding its overlap lease?
    leases: new DynamoLeaseStore(table),
    queue: runQueue(config, options),
    payloads: noLargeEvents,
    clock: systemClock,
    settings: runtimeSettings(config),
    notifications: new DynamoNotificationStore(table),
    ...notificationPublisher(config, options),
  };
};
