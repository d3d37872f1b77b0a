import type { Hono } from 'hono';
import type { AdminDeps } from '../admin-app.ts';
import type { EdgeEnv } from '../hono-helpers.ts';

/** `GET /admin/globals`, `GET|PUT|DELETE /admin/globals/{name}`. Stub of the seam: its owner adds the routes. */
export const registerGlobalsRoutes = (_app: Hono<EdgeEnv>, _deps: AdminDeps): void => {};
