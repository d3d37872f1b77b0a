import type { Config } from '../../shared/config.ts';
import type { FunctionDepsOptions } from '../wiring/clients.ts';
import { createWorkerHandler } from './create-handler.ts';
import { createWorkerDeps } from './deps.ts';

/** The worker function's handler, loaded by its first batch (see ./index.ts). */
export const createWorkerLambda = (config: Config, options: FunctionDepsOptions) =>
  createWorkerHandler(createWorkerDeps(config, options));
