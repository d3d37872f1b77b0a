import { loadConfig } from '../../shared/config.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { deployedStackSettings } from '../../shared/runtime/admin.ts';
import { httpHandler } from '../http-handler.ts';
import { createAdminDeps } from './deps.ts';

/** API Gateway HTTP API (IAM-authorized) → `/admin/*`. */
const config = loadConfig();
export const handler = httpHandler(createAdminApp(createAdminDeps(config), deployedStackSettings(config)));
