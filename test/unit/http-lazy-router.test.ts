import { describe, expect, it } from 'vitest';
import { lazyHttpHandler } from '../../functions/http-handler.ts';
import { createIngestApp } from '../../shared/http/ingest-app.ts';
import { directIngest } from '../../shared/http/ingest-direct.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { apiEvent, lambdaContext } from '../helpers/api-event.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

const SECRET = 'lazy-router-secret';

/**
 * The ingest Lambda's handler as functions/ingest/app.ts composes it: the
 * direct route, and the hono app behind a loader that counts its calls.
 */
const ingestHandler = async (): Promise<{
  deps: MemoryDeps;
  handler: ReturnType<typeof lazyHttpHandler>;
  loads: () => number;
}> => {
  const deps = memoryDeps({ secrets: { demo: [SECRET] } });
  await deps.jobs.put(
    JobSchema.parse({ id: 'demo', name: 'Demo', integration: 'log-event', auth: { secret: 'demo' } }),
  );
  let loads = 0;
  const handler = lazyHttpHandler(directIngest(deps), () => {
    loads++;
    return Promise.resolve(createIngestApp(deps));
  });
  return { deps, handler, loads: () => loads };
};

const webhook = apiEvent({
  headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET },
  body: '{"alert":"disk full"}',
});

describe('the ingest Lambda loads its router only for what the direct route does not take', () => {
  it('answers ordinary webhooks, accepted or refused, without loading it', async () => {
    // Prepare
    const { deps, handler, loads } = await ingestHandler();
    // Act
    const accepted = await handler(webhook, lambdaContext);
    const refused = await handler(
      apiEvent({ headers: { 'x-shared-secret': 'wrong' }, body: '{}' }),
      lambdaContext,
    );
    const unknownJob = await handler(apiEvent({ rawPath: '/hooks/nope', body: '{}' }), lambdaContext);
    // Assess
    expect([accepted.statusCode, refused.statusCode, unknownJob.statusCode]).toEqual([202, 401, 404]);
    expect(await deps.runs.listByJob('demo')).toMatchObject({ items: [{ status: 'queued' }] });
    expect(loads()).toBe(0);
  });

  it('loads it once for the first request the direct route declines, and keeps it', async () => {
    // Prepare
    const { handler, loads } = await ingestHandler();
    // Act
    const health = await handler(apiEvent({ method: 'GET', rawPath: '/health' }), lambdaContext);
    const wrongMethod = await handler(apiEvent({ method: 'PUT', body: '{}' }), lambdaContext);
    const traced = await handler(apiEvent({ method: 'TRACE' }), lambdaContext);
    await handler(webhook, lambdaContext);
    // Assess: hono's answers, and a 405 whose Allow comes from the app's routes
    expect(health).toMatchObject({ statusCode: 200, body: '{"status":"ok"}' });
    expect(wrongMethod).toMatchObject({ statusCode: 405, headers: { allow: 'POST' } });
    expect(traced).toMatchObject({ statusCode: 405, headers: { allow: 'POST' } });
    expect(loads()).toBe(1);
  });

  it('tries the load again on the next request when it failed', async () => {
    // Prepare
    const deps = memoryDeps();
    let loads = 0;
    const handler = lazyHttpHandler(directIngest(deps), () => {
      loads++;
      return loads === 1
        ? Promise.reject(new Error('chunk missing'))
        : Promise.resolve(createIngestApp(deps));
    });
    const health = apiEvent({ method: 'GET', rawPath: '/health' });
    // Act + Assess
    await expect(handler(health, lambdaContext)).rejects.toThrow('chunk missing');
    await expect(handler(health, lambdaContext)).resolves.toMatchObject({ statusCode: 200 });
    expect(loads).toBe(2);
  });
});
