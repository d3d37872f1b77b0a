import { loadConfig } from '../../shared/config.ts';
import { lazyHandler } from '../lazy-handler.ts';
import { pipelineClients } from '../wiring/pipeline-clients.ts';

// Cold start: the configuration and the clients of the four services ingest
// calls. Its app (pipeline, stores, schemas; the router and the decision path
// later still, when a request needs them) loads with the first request:
// functions/lazy-handler.ts.
const config = loadConfig();
const clients = pipelineClients(config);

/** API Gateway HTTP API → `POST /hooks/{jobId}`, `GET /health`. */
export const handler = lazyHandler(async () =>
  (await import('./app.ts')).createIngestHandler(config, { clients }),
);
