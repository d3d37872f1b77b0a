import type { Context, ScheduledEvent } from 'aws-lambda';
import type { Config } from '../../shared/config.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { sweepSettings, sweepStaleRuns } from '../../shared/runtime/recovery.ts';
import { checkOverdueSchedules } from '../../shared/runtime/scheduler.ts';
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { createSweeperDeps } from './deps.ts';

/** The sweeper function's handler, loaded by its first invocation (see ./index.ts). */
export const createSweeperHandler = (config: Config, options: FunctionDepsOptions) => {
  const deps = createSweeperDeps(config, options);
  const settings = sweepSettings(
    config.TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS,
    config.TRIGGERHUB_WORKER_TIMEOUT_SECONDS,
  );
  return async (
    _event: ScheduledEvent,
    context: Context,
  ): Promise<{ requeued: number; failed: number; overdue: number }> => {
    platformLogger.addContext(context);
    const swept = await sweepStaleRuns(deps, settings);
    // Whether the scheduler runs: a schedule past due by two ticks and unclaimed is an error notification.
    return { ...swept, overdue: await checkOverdueSchedules(deps) };
  };
};
