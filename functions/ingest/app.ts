import type { Config } from '../../shared/config.ts';
import { directIngest } from '../../shared/http/ingest-direct.ts';
import type { HttpHandler } from '../http-handler.ts';
import { lazyHttpHandler } from '../http-handler.ts';
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { createIngestDeps } from './deps.ts';

/**
 * The ingest function's handler, loaded by its first request (see
 * ./index.ts). An ordinary webhook is answered by its direct route; the
 * router (hono) and its other routes load with the first request the direct
 * route does not take (`GET /health`, anything unusual).
 */
export const createIngestHandler = (config: Config, options: FunctionDepsOptions): HttpHandler => {
  const deps = createIngestDeps(config, options);
  return lazyHttpHandler(directIngest(deps), async () =>
    (await import('../../shared/http/ingest-app.ts')).createIngestApp(deps),
  );
};
