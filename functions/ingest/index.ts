import { handle } from 'hono/aws-lambda';
import { loadConfig } from '../../shared/config.ts';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import { createDeps } from '../../shared/runtime/create-deps.ts';

/** API Gateway HTTP API → `POST /hooks/{jobId}`, `GET /health`. */
export const handler = handle(createIngestApp(createDeps(loadConfig())));
