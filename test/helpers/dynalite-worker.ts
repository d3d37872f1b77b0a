import { createDeps } from '../../functions/create-deps.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { AnyIntegration } from '../../shared/sdk/index.ts';
import { freshResources, resourcesConfig } from './aws.ts';
import { FakeClock, MemorySecrets } from './memory-deps.ts';

/**
 * The worker's real deps (createDeps) on fresh dynalite/fauxqs resources, with
 * a FakeClock, the secret `demo` and job `jobId` running `integration`.
 */
export const dynaliteWorkerDeps = async (name: string, integration: AnyIntegration, jobId: string) => {
  const res = await freshResources(name);
  const config = resourcesConfig(res);
  const clock = new FakeClock();
  const deps = {
    ...createDeps(config, { integrations: [integration], secrets: new MemorySecrets({ demo: ['s'] }) }),
    clock,
  };
  await deps.jobs.put(
    JobSchema.parse({
      id: jobId,
      name: 'Counter',
      integration: integration.manifest.id,
      auth: { secret: 'demo' },
    }),
  );
  return { deps, clock };
};
