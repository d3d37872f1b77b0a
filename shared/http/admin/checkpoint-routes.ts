import type { Hono } from 'hono';
import type { AdminDeps } from '../admin-app.ts';
import type { EdgeEnv } from '../hono-helpers.ts';

/** `GET|PUT /admin/jobs/{id}/checkpoint`. Stub of the seam: its owner adds the routes. */
export const registerCheckpointRoutes = (_app: Hono<EdgeEnv>, _deps: AdminDeps): void => {};
