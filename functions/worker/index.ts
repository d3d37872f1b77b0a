import { loadConfig } from '../../shared/config.ts';
import { createWorkerHandler } from './create-handler.ts';
import { createWorkerDeps } from './deps.ts';

/** SQS event source with `reportBatchItemFailures`. */
export const handler = createWorkerHandler(createWorkerDeps(loadConfig()));
