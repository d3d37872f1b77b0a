import { createDynamoClient } from '../../shared/aws/dynamodb-client.ts';
import { loadConfig } from '../../shared/config.ts';
import { lazyHandler } from '../lazy-handler.ts';
import { clientConfigOf } from '../wiring/clients.ts';
import { withConsoleRoute } from './console-route.ts';

// Cold start: the configuration and the one client admin calls (DynamoDB).
// Its app (router, stores, schemas, manifests) loads with the first
// request: functions/lazy-handler.ts.
const config = loadConfig();
const clients = { ddb: createDynamoClient(clientConfigOf(config)) };

/**
 * API Gateway HTTP API → `/admin/*` (IAM-authorized: the CLI) and `/console/admin/*` (a
 * Cognito JWT: the console), the second served as the first (./console-route.ts).
 */
export const handler = withConsoleRoute(
  lazyHandler(async () => (await import('./app.ts')).createAdminHandler(config, { clients })),
);
