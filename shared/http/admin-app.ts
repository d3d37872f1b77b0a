import { Hono } from 'hono';
import { ValidationError } from '../errors.ts';
import { admin } from '../runtime/admin.ts';
import type { Deps } from '../runtime/deps.ts';
import { pageRequest, withJsonErrors } from './hono-helpers.ts';

const readJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ValidationError(`malformed JSON: ${e instanceof Error ? e.message : 'unreadable'}`);
  }
};

/** `/admin/*`: jobs, runs, integrations. IAM-authorized in AWS; loopback only under `npm start`. */
export const createAdminApp = (deps: Deps): Hono => {
  const app = new Hono().basePath('/admin');
  app.get('/jobs', async (c) => c.json(await admin.listJobs(deps, pageRequest(c))));
  app.get('/jobs/:id', async (c) => c.json(await admin.getJob(deps, c.req.param('id'))));
  app.put('/jobs/:id', async (c) => {
    const { created, job } = await admin.putJob(deps, c.req.param('id'), readJson(await c.req.text()));
    return c.json(job, created ? 201 : 200);
  });
  app.delete('/jobs/:id', async (c) => {
    await admin.deleteJob(deps, c.req.param('id'));
    return c.body(null, 204);
  });
  app.get('/jobs/:id/runs', async (c) =>
    c.json(await admin.listRuns(deps, c.req.param('id'), pageRequest(c))),
  );
  app.get('/runs/:runId', async (c) => c.json(await admin.getRun(deps, c.req.param('runId'))));
  app.get('/integrations', (c) => c.json(admin.listIntegrations(deps)));
  return withJsonErrors(app);
};
