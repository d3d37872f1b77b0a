import { loadConfig } from '../../shared/config.ts';
import { createDeps } from '../create-deps.ts';
import { createWorkerHandler } from './create-handler.ts';

/** SQS event source with `reportBatchItemFailures`. */
export const handler = createWorkerHandler(createDeps(loadConfig()));
