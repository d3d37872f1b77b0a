import type { Context, ScheduledEvent } from 'aws-lambda';
import { loadConfig } from '../../shared/config.ts';
import { createSweeperDeps } from './deps.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { sweepSettings, sweepStaleRuns } from '../../shared/runtime/recovery.ts';

const config = loadConfig();
const deps = createSweeperDeps(config);
const settings = sweepSettings(
  config.TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS,
  config.TRIGGERHUB_WORKER_TIMEOUT_SECONDS,
);

/** EventBridge, every 5 minutes: requeue runs stuck queued, fail runs whose last attempt died. */
export const handler = (
  _event: ScheduledEvent,
  context: Context,
): Promise<{ requeued: number; failed: number }> => {
  platformLogger.addContext(context);
  return sweepStaleRuns(deps, settings);
};
