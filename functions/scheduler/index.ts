import { createDynamoClient } from '../../shared/aws/dynamodb-client.ts';
import { createSqsClient } from '../../shared/aws/sqs-client.ts';
import { loadConfig } from '../../shared/config.ts';
import { lazyHandler } from '../lazy-handler.ts';
import { clientConfigOf } from '../wiring/clients.ts';

// Cold start: the configuration and the clients of the two services the
// scheduler calls. Its app (the scheduler, stores) loads with the first
// invocation: functions/lazy-handler.ts.
const config = loadConfig();
const cfg = clientConfigOf(config);
const clients = { ddb: createDynamoClient(cfg), sqs: createSqsClient(cfg) };

/** EventBridge, every minute: fire the scheduled jobs' due occurrences, once each. */
export const handler = lazyHandler(async () =>
  (await import('./app.ts')).createSchedulerHandler(config, { clients }),
);
