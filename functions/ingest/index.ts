import { loadConfig } from '../../shared/config.ts';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import { httpHandler } from '../http-handler.ts';
import { createIngestDeps } from './deps.ts';

/** API Gateway HTTP API → `POST /hooks/{jobId}`, `GET /health`. */
export const handler = httpHandler(createIngestApp(createIngestDeps(loadConfig())));
