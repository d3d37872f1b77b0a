import { handle } from 'hono/aws-lambda';
import { loadConfig } from '../../shared/config.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { createDeps } from '../../shared/runtime/create-deps.ts';

/** API Gateway HTTP API (IAM-authorized) → `/admin/*`. */
export const handler = handle(createAdminApp(createDeps(loadConfig())));
