import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { MAX_BODY_BYTES_LIMIT } from '../model/index.ts';
import type { Deps } from '../runtime/deps.ts';
import type { EdgeApp, EdgeContext } from './hono-helpers.ts';
import { createEdgeApp, jsonError, withJsonErrors } from './hono-helpers.ts';
import { withDirectRoute } from './routes.ts';
import { accept, directIngest, tooLargeMessage } from './ingest-direct.ts';

/**
 * `POST /hooks/{jobId}` and `GET /health`. The same app is served by the
 * ingest Lambda (API Gateway HTTP API) and by `npm start`. Every refusal
 * (4xx) is one `webhook refused` log line and no table write. A Lambda
 * handler takes an ordinary webhook by its direct route (see
 * `directIngest`, shared/http/ingest-direct.ts); `app.request()` and anything unusual go through hono.
 */
export const createIngestApp = (deps: Deps): EdgeApp => {
  const app = createEdgeApp();
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.post(
    '/hooks/:jobId',
    // No job may accept more than this; each job's own (smaller) limit is checked by ingest.
    bodyLimit({
      maxSize: MAX_BODY_BYTES_LIMIT,
      onError: (c) => jsonError(c as EdgeContext, 413, 'payload_too_large', tooLargeMessage),
    }),
    async (c) => {
      const answer = await accept(deps, {
        jobId: c.req.param('jobId'),
        body: await c.req.text(),
        headers: c.req.header(),
        query: c.req.query(),
      });
      return c.body(answer.body, answer.status as ContentfulStatusCode, answer.headers);
    },
  );
  return withDirectRoute(withJsonErrors(app), directIngest(deps));
};
