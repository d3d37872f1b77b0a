import { createDynamoClient } from '../../shared/aws/dynamodb-client.ts';
import { createSqsClient } from '../../shared/aws/sqs-client.ts';
import { loadConfig } from '../../shared/config.ts';
import { lazyHandler } from '../lazy-handler.ts';
import { clientConfigOf } from '../wiring/clients.ts';

// Cold start: the configuration and the clients of the two services the
// sweeper calls. Its app (the sweep, stores) loads with the first
// invocation: functions/lazy-handler.ts.
const config = loadConfig();
const cfg = clientConfigOf(config);
const clients = { ddb: createDynamoClient(cfg), sqs: createSqsClient(cfg) };

/** EventBridge, every 5 minutes: requeue runs stuck queued, fail runs whose last attempt died. */
export const handler = lazyHandler(async () =>
  (await import('./app.ts')).createSweeperHandler(config, { clients }),
);
