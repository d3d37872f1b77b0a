import type { Context, ScheduledEvent } from 'aws-lambda';
import type { Config } from '../../shared/config.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import type { SchedulerResult } from '../../shared/runtime/scheduler.ts';
import { runScheduler } from '../../shared/runtime/scheduler.ts';
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { createSchedulerDeps } from './deps.ts';

/**
 * The scheduler function's handler, loaded by its first invocation (see
 * ./index.ts). It works from the clock, not from the event's `time`: a
 * retried or late invocation fires what is due when it runs, and the
 * occurrence claims keep a retry from firing anything twice.
 */
export const createSchedulerHandler = (config: Config, options: FunctionDepsOptions) => {
  const deps = createSchedulerDeps(config, options);
  return (_event: ScheduledEvent, context: Context): Promise<SchedulerResult> => {
    platformLogger.addContext(context);
    return runScheduler(deps);
  };
};
