import { consoleAssets } from '../../console/assets.generated.ts';
import type { ConsoleSettings } from '../../shared/http/console-app.ts';
import { createConsoleHandler } from '../../shared/http/console-app.ts';

/**
 * In AWS the console calls the admin API through `/console/admin/*` with the user pool's
 * access token (a JWT authorizer); the stack names the user pool's sign-in domain and app
 * client. Without them the page says it cannot sign in rather than calling anything.
 */
const settingsOf = (env: NodeJS.ProcessEnv): ConsoleSettings => ({
  apiBase: '/console/admin',
  auth: {
    type: 'cognito',
    domain: env.TRIGGERHUB_CONSOLE_AUTH_DOMAIN ?? '',
    clientId: env.TRIGGERHUB_CONSOLE_CLIENT_ID ?? '',
    scopes: ['openid', 'email'],
  },
});

/** API Gateway HTTP API (no authorizer: static files, nothing secret) → `GET /console/*`. */
export const handler = createConsoleHandler(consoleAssets, settingsOf(process.env));
