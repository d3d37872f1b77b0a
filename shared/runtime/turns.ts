import { errorMessage } from '../errors.ts';
import { isFinal } from '../model/index.ts';
import type { Run } from '../model/index.ts';
import { DAY_MS, isoTime } from '../store/keys.ts';
import type { Deps } from './deps.ts';
import { platformLogger } from './platform-logger.ts';
import type { Admission } from './run-control.ts';

/**
 * Events of one ticket run in order (issue 10 §5). A run with an `orderKey`
 * (a SecureChange ticket id, a ticket job's alert dedupe key: see
 * shared/tickets/order-key.ts) enters its key's line when it is recorded
 * and leaves it when it ends for good; before an attempt starts, the worker
 * lets it go only when no earlier run of the key is still unfinished.
 * Otherwise the run waits as `overlap: queue` does: released (its attempt
 * given back) and sent again as a new, delayed message. Runs without a key
 * pay nothing: no read, no write.
 *
 * Why a line in the table, not SQS FIFO message groups: FIFO queues take no
 * per-message DelaySeconds, which rate-limit deferral (`ctx.http`), effect
 * waits, `overlap: queue` and concurrency waits all rely on; and a FIFO group
 * blocks behind a message until it is deleted, so one ticket's run waiting
 * for a rate limit would hold its group's later messages in the queue's
 * in-flight budget. See bench/ordering.ts for the cost of each.
 */

/** A turn outlives a lost `leave` by at most this (the item's TTL); the gate never waits for it. */
export const TURN_TTL_MS = DAY_MS;
/** Turns the gate reads at once: the run ahead, and usually the run itself. */
export const TURN_HEAD_LIMIT = 2;
/** Rounds of "the run ahead is finished: take it out of line and look again" per check. */
export const MAX_TURN_ROUNDS = 5;
/**
 * A turn whose run is not recorded is taken for one that is on its way (its
 * ingest enters the line just before it records the run) while its id is
 * younger than this; older, the ingest died between the two writes, and the
 * turn is taken out of line.
 */
export const TURN_ENTER_GRACE_MS = 60_000;
/** The longest wait between two looks at the line (a deferral's delay grows 1, 2, 4, 8, 15 s). */
export const MAX_TURN_WAIT_SECONDS = 15;

/** Crockford's base32, as ULIDs spell it. */
const ULID_DIGITS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The time a ULID was made (its first 10 characters); NaN for an id that is not one. */
export const ulidTime = (id: string): number => {
  if (id.length < 10) return Number.NaN;
  let ms = 0;
  for (let i = 0; i < 10; i++) {
    const digit = ULID_DIGITS.indexOf(id.charAt(i).toUpperCase());
    if (digit < 0) return Number.NaN;
    ms = ms * 32 + digit;
  }
  return ms;
};

/** Enters the run's line: the turn expires a day later. Before the run is recorded (a run that exists is in line). */
export const enterTurn = (
  deps: Pick<Deps, 'turns'>,
  jobId: string,
  orderKey: string,
  runId: string,
  nowMs: number,
): Promise<void> => deps.turns.enter(jobId, orderKey, runId, isoTime(nowMs + TURN_TTL_MS));

/**
 * Leaves the run's line, if it has one. Never throws: a turn left behind
 * blocks nobody (the next run's gate finds its run final and takes it out),
 * and its TTL removes it.
 */
export const leaveTurn = async (
  deps: Partial<Pick<Deps, 'turns'>>,
  run: Pick<Run, 'id' | 'jobId' | 'orderKey'>,
): Promise<void> => {
  if (run.orderKey === undefined || deps.turns === undefined) return;
  try {
    await deps.turns.leave(run.jobId, run.orderKey, run.id);
  } catch (e) {
    platformLogger.warn('could not leave the order line; the next run of the key takes the turn out', {
      runId: run.id,
      jobId: run.jobId,
      error: errorMessage(e),
    });
  }
};

/** How long a run waits before it looks at its line again: 1, 2, 4, 8, then 15 s. */
export const turnWaitSeconds = (deferrals: number): number =>
  Math.min(MAX_TURN_WAIT_SECONDS, 2 ** Math.min(Math.max(0, deferrals), 4));

/**
 * The worker's gate: whether this run's turn has come. It has when no turn
 * ahead of it in its key's line belongs to a run still unfinished. A turn
 * ahead whose run is final (succeeded, failed, stopped, timed out, skipped:
 * its leave was lost) or was never recorded (past {@link TURN_ENTER_GRACE_MS})
 * is taken out of line and the line read again, at most
 * {@link MAX_TURN_ROUNDS} times; then the run waits a round.
 */
export const admitTurn = async (
  deps: Pick<Deps, 'turns' | 'runs' | 'clock'>,
  run: Pick<Run, 'id' | 'jobId' | 'orderKey' | 'deferrals'>,
): Promise<Admission> => {
  const key = run.orderKey;
  if (key === undefined) return { kind: 'run' };
  const wait = (ahead: string): Admission => ({
    kind: 'wait',
    why: 'turn',
    ahead,
    delaySeconds: turnWaitSeconds(run.deferrals ?? 0),
  });
  let ahead = '';
  for (let round = 0; round < MAX_TURN_ROUNDS; round++) {
    const head = await deps.turns.head(run.jobId, key, TURN_HEAD_LIMIT);
    // Its own turn or a later one first: nothing is ahead (its own expired or was never written).
    if (head.length === 0) return { kind: 'run' };
    for (const id of head) {
      if (id >= run.id) return { kind: 'run' };
      ahead = id;
      const control = await deps.runs.control(id);
      const gone =
        control === undefined
          ? !(deps.clock.now().getTime() - ulidTime(id) < TURN_ENTER_GRACE_MS)
          : isFinal(control.status);
      if (!gone) return wait(id);
      await deps.turns.leave(run.jobId, key, id);
    }
  }
  return wait(ahead);
};
