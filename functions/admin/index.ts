import { createDynamoClient } from '../../shared/aws/dynamodb-client.ts';
import { loadConfig } from '../../shared/config.ts';
import { lazyHandler } from '../lazy-handler.ts';
import { clientConfigOf } from '../wiring/clients.ts';

// Cold start: the configuration and the one client admin calls (DynamoDB).
// Its app (router, stores, schemas, manifests) loads with the first
// request: functions/lazy-handler.ts.
const config = loadConfig();
const clients = { ddb: createDynamoClient(clientConfigOf(config)) };

/** API Gateway HTTP API (IAM-authorized) → `/admin/*`. */
export const handler = lazyHandler(async () =>
  (await import('./app.ts')).createAdminHandler(config, { clients }),
);
