import type { Config } from '../shared/config.ts';
import type { Deps } from '../shared/runtime/deps.ts';
import type { PipelineDepsOptions } from './wiring/pipeline.ts';
import { createPipelineDeps } from './wiring/pipeline.ts';

/**
 * Every port at once, for the all-in-one local process (`npm start`, which
 * passes its local secret store and file payloads) and the bench. No Lambda
 * entry imports this module: each builds only the ports it uses
 * (functions/<name>/deps.ts), so that its bundle holds only the SDK clients
 * it calls.
 */
export const createDeps = (config: Config, options: PipelineDepsOptions = {}): Deps => {
  const deps = createPipelineDeps(config, options);
  // A Lambda's registry checks its manifests on first use; this process checks them now,
  // so that a bad or duplicate integration stops `npm start` before it serves anything.
  deps.registry.list();
  return deps;
};
