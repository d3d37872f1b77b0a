import type { RunLogger } from '../../sdk/index.ts';
import type { Checkpoint } from '../../sdk/index.ts';
import type { FinishedOutcome, ToolboxDeps, ToolboxTarget } from './index.ts';

/** The job's checkpoint as the run sees it. Stub of the seam (no store call): its owner fills it in. */
export const loadCheckpoint = (_deps: ToolboxDeps, _t: ToolboxTarget): Promise<Checkpoint> =>
  Promise.resolve({});

/**
 * Records the finished run in the job's checkpoint (cursor and
 * lastSuccessfulRunAt only when it succeeded). Stub of the seam (a no-op):
 * its owner fills it in.
 */
export const commitCheckpoint = (
  _deps: ToolboxDeps,
  _t: ToolboxTarget,
  _outcome: FinishedOutcome,
  _logger?: RunLogger,
): Promise<void> => Promise.resolve();
