import type { Config } from '../../shared/config.ts';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import type { HttpHandler } from '../http-handler.ts';
import { httpHandler } from '../http-handler.ts';
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { createIngestDeps } from './deps.ts';

/** The ingest function's handler, loaded by its first request (see ./index.ts). */
export const createIngestHandler = (config: Config, options: FunctionDepsOptions): HttpHandler =>
  httpHandler(createIngestApp(createIngestDeps(config, options)));
