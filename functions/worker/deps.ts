import type { Config } from '../../shared/config.ts';
import type { Deps } from '../../shared/runtime/deps.ts';
import { LambdaScriptRunner } from '../../shared/scripts/lambda-script-runner.ts';
import type { PipelineDepsOptions } from '../wiring/pipeline.ts';
import { createPipelineDeps } from '../wiring/pipeline.ts';

/**
 * The worker's ports: the table (job, run), the queue (retry back-off moves
 * its message), the claim-check bucket (a large event is read back from it)
 * and Secrets Manager (secret parameters) — the same as ingest's. The
 * delivery store shares the table client and costs nothing more; the
 * runtime's worker takes whole `Deps`. With `TRIGGERHUB_SCRIPT_RUNNER_FUNCTION`
 * set, uploaded scripts run in that Lambda (its Lambda client is created by
 * the first script run); without it a script job's run fails, saying so.
 */
export const createWorkerDeps = (config: Config, options: PipelineDepsOptions = {}): Deps => {
  const functionName = config.TRIGGERHUB_SCRIPT_RUNNER_FUNCTION;
  if (functionName === undefined || options.scriptRunner !== undefined)
    return createPipelineDeps(config, options);
  const scriptRunner = new LambdaScriptRunner({
    functionName,
    region: config.AWS_REGION,
    ...(options.requestHandler === undefined ? {} : { requestHandler: options.requestHandler }),
  });
  return createPipelineDeps(config, { ...options, scriptRunner });
};
