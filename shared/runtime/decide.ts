import type { Job, TriggerEvent, Verdict } from '../model/index.ts';
import { sourceAdapter } from '../sources/index.ts';
import type { Deps } from './deps.ts';
import { storeEvent } from './event-storage.ts';
import { executeIntegration } from './execute.ts';
import type { IngestAnswer } from './ingest.ts';

/**
 * Runs a decision job inline and renders the verdict in the source's format.
 * On failure or time-out the job's `onError` decides. Two writes: the run is
 * created `running` and finished with its verdict.
 */
export const decide = async (
  deps: Deps,
  job: Job,
  runId: string,
  event: TriggerEvent,
): Promise<IngestAnswer> => {
  const startedAt = deps.clock.now();
  const integration = deps.registry.get(job.integration);
  await deps.runs.create({
    id: runId,
    jobId: job.id,
    deliveryId: event.deliveryId,
    source: event.source,
    trigger: event.trigger,
    mode: 'decision',
    status: 'running',
    attempt: 1,
    createdAt: startedAt.toISOString(),
    startedAt: startedAt.toISOString(),
    logs: [],
    ...(await storeEvent(deps, job.id, runId, event)),
  });

  const outcome = integration
    ? await executeIntegration({
        integration,
        job,
        runId,
        event,
        entry: integration.decide ? 'decide' : 'run',
        secrets: deps.secrets,
        clock: deps.clock,
      })
    : undefined;

  let verdict: Verdict;
  if (!outcome) {
    verdict = fallbackVerdict(job, `integration ${job.integration} is not installed`);
  } else if (outcome.status === 'succeeded') {
    verdict = outcome.verdict ?? { allow: true, message: outcome.message ?? 'succeeded' };
  } else {
    verdict = fallbackVerdict(job, outcome.error ?? outcome.status);
  }

  await deps.runs.finish(runId, {
    attempt: 1,
    status: outcome?.status ?? 'failed',
    endedAt: deps.clock.now().toISOString(),
    durationMs: outcome?.durationMs ?? 0,
    message: verdict.message,
    error: outcome?.error ?? (outcome ? undefined : verdict.message),
    output: outcome?.output,
    verdict,
    logs: outcome?.logs ?? [],
    logsTruncated: outcome?.logsTruncated,
  });
  return {
    kind: 'verdict',
    runId,
    // The integration's output rides along: a SecureChange assignment verdict renders it as XML.
    response: sourceAdapter(job.source).renderVerdict(
      { ...verdict, ...(outcome?.output === undefined ? {} : { output: outcome.output }) },
      { job, event, runId },
    ),
  };
};

const fallbackVerdict = (job: Job, reason: string): Verdict => ({
  allow: job.onError === 'allow',
  message: `${reason}; onError=${job.onError}: ${job.onError === 'allow' ? 'allowed' : 'denied'}`,
  fallback: true,
});
