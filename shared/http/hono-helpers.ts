import type { Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ValidationError } from '../errors.ts';
import type { PageRequest } from '../ports.ts';
import { toErrorResponse } from './error-response.ts';

/** JSON errors for unknown routes and for anything thrown, the same on every app. */
export const withJsonErrors = (app: Hono): Hono => {
  app.notFound((c) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((e, c) => {
    const { status, body } = toErrorResponse(e);
    return c.json(body, status as ContentfulStatusCode);
  });
  return app;
};

/** `?limit=&cursor=` checked at the boundary. */
export const pageRequest = (c: Context): PageRequest => {
  const limit = c.req.query('limit');
  const cursor = c.req.query('cursor');
  const page: PageRequest = {};
  if (limit !== undefined) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 100)
      throw new ValidationError('limit: an integer from 1 to 100');
    page.limit = n;
  }
  if (cursor !== undefined && cursor !== '') page.cursor = cursor;
  return page;
};
