import { loadConfig } from '../../shared/config.ts';
import { lazyHandler } from '../lazy-handler.ts';
import { pipelineClients } from '../wiring/pipeline-clients.ts';

// Cold start: the configuration and the clients of the four services the
// worker calls. Its app (batch processing, runtime, integrations) loads with
// the first batch: functions/lazy-handler.ts.
const config = loadConfig();
const clients = pipelineClients(config);

/** SQS event source with `reportBatchItemFailures`. */
export const handler = lazyHandler(async () =>
  (await import('./app.ts')).createWorkerLambda(config, { clients }),
);
