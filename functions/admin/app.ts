import type { Config } from '../../shared/config.ts';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { deployedStackSettings } from '../../shared/runtime/admin.ts';
import type { HttpHandler } from '../http-handler.ts';
import { httpHandler } from '../http-handler.ts';
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { createAdminDeps } from './deps.ts';

/** The admin function's handler, loaded by its first request (see ./index.ts). */
export const createAdminHandler = (config: Config, options: FunctionDepsOptions): HttpHandler =>
  httpHandler(createAdminApp(createAdminDeps(config, options), deployedStackSettings(config)));
