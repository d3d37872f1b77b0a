import type { Hono } from 'hono';
import type { AdminDeps } from '../admin-app.ts';
import type { EdgeEnv } from '../hono-helpers.ts';

/** `GET /admin/jobs/{id}/effects`, `DELETE /admin/jobs/{id}/effects/{key}`. Stub of the seam: its owner adds the routes. */
export const registerEffectRoutes = (_app: Hono<EdgeEnv>, _deps: AdminDeps): void => {};
