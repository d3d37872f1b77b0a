import { loadConfig } from '../../shared/config.ts';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import { createDeps } from '../create-deps.ts';
import { httpHandler } from '../http-handler.ts';

/** API Gateway HTTP API → `POST /hooks/{jobId}`, `GET /health`. */
export const handler = httpHandler(createIngestApp(createDeps(loadConfig())));
