import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { MAX_BODY_BYTES_LIMIT } from '../model/index.ts';
import type { Deps } from '../runtime/deps.ts';
import { ingest } from '../runtime/ingest.ts';
import { platformLogger } from '../runtime/platform-logger.ts';
import type { EdgeApp, EdgeContext } from './hono-helpers.ts';
import { createEdgeApp, jsonError, withJsonErrors } from './hono-helpers.ts';

/**
 * `POST /hooks/{jobId}` and `GET /health`. The same app is served by the
 * ingest Lambda (API Gateway HTTP API) and by `npm start`. Every refusal
 * (4xx) is one `webhook refused` log line and no table write.
 */
export const createIngestApp = (deps: Deps): EdgeApp => {
  const app = createEdgeApp();
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.post(
    '/hooks/:jobId',
    // No job may accept more than this; each job's own (smaller) limit is checked by ingest.
    bodyLimit({
      maxSize: MAX_BODY_BYTES_LIMIT,
      onError: (c) =>
        jsonError(
          c as EdgeContext,
          413,
          'payload_too_large',
          `body is larger than ${MAX_BODY_BYTES_LIMIT} bytes`,
        ),
    }),
    async (c) => {
      const jobId = c.req.param('jobId');
      const answer = await ingest(deps, {
        jobId,
        body: await c.req.text(),
        headers: c.req.header(),
        query: c.req.query(),
      });
      platformLogger.info('delivery accepted', { jobId, runId: answer.runId, kind: answer.kind });
      switch (answer.kind) {
        case 'queued':
          return c.json({ runId: answer.runId, deliveryId: answer.deliveryId, status: 'queued' }, 202);
        case 'duplicate':
          return c.json(
            { runId: answer.runId, deliveryId: answer.deliveryId, status: 'duplicate', duplicate: true },
            200,
          );
        case 'verdict':
          return c.body(answer.response.body, answer.response.status as ContentfulStatusCode, {
            'content-type': answer.response.contentType,
            'x-triggerhub-run-id': answer.runId,
          });
      }
    },
  );
  return withJsonErrors(app);
};
