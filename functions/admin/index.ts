import { loadConfig } from '../../shared/config.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { createDeps } from '../create-deps.ts';
import { httpHandler } from '../http-handler.ts';

/** API Gateway HTTP API (IAM-authorized) → `/admin/*`. */
export const handler = httpHandler(createAdminApp(createDeps(loadConfig())));
