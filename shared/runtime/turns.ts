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
/**
 * Turns the gate reads at once (one Query): enough to tell the run's place in
 * line (how many runs are ahead of it), which sets how long it waits.
 */
export const TURN_HEAD_LIMIT = 100;
/** Turns ahead whose run is finished (or never recorded) one look takes out of line, at most. */
export const MAX_TURN_ROUNDS = 5;
/**
 * A turn whose run is not recorded is taken for one that is on its way (its
 * ingest enters the line just before it records the run) while its id is
 * younger than this; older, the ingest died between the two writes, and the
 * turn is taken out of line.
 */
export const TURN_ENTER_GRACE_MS = 60_000;
/** Seconds a waiting run waits per run ahead of it in line. */
export const TURN_WAIT_PER_PLACE_SECONDS = 2;
/** A waiting run waits at least this share of how long the run ahead of the line has been running… */
export const TURN_WAIT_AGE_SHARE = 0.25;
/** …counted up to this many seconds: behind a slow run, a look every 30 s at most, not every 2 s. */
export const TURN_WAIT_AGE_CAP_SECONDS = 30;
/** SQS delays a message by at most 15 minutes. */
export const MAX_TURN_WAIT_SECONDS = 900;

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

/**
 * How long a run waits before it looks at its line again, in seconds:
 *
 *     min(900, max(1, place × 2, min(30, running / 4)))
 *
 * `place`: the runs ahead of it still in line (of the first TURN_HEAD_LIMIT
 * read); `running`: seconds the first of them has been running (its latest
 * attempt's start). A run far back looks rarely (the 50th waits 100 s): N
 * runs on one key cost about one look each per run's worth of waiting, not
 * N² as when each looked every 15 s. The next in line looks every 2 s while
 * the line moves, and less often (every 30 s at most) behind a slow run, so
 * it starts at most a quarter of that run's time (30 s at most) after it ends.
 */
export const turnWaitSeconds = (place: number, aheadRunningSeconds = 0): number => {
  const byPlace = Math.max(0, place) * TURN_WAIT_PER_PLACE_SECONDS;
  const byAhead = Math.min(TURN_WAIT_AGE_CAP_SECONDS, Math.max(0, aheadRunningSeconds) * TURN_WAIT_AGE_SHARE);
  return Math.min(MAX_TURN_WAIT_SECONDS, Math.max(1, Math.ceil(Math.max(byPlace, byAhead))));
};

/**
 * The worker's gate: whether this run's turn has come. It has when no turn
 * ahead of it in its key's line belongs to a run still unfinished. One read
 * of the line's head (TURN_HEAD_LIMIT turns, oldest first) gives the runs
 * ahead; the first of them whose run is final (succeeded, failed, stopped,
 * timed out, skipped: its leave was lost) or was never recorded (past
 * {@link TURN_ENTER_GRACE_MS}) are taken out of line, at most
 * {@link MAX_TURN_ROUNDS} per look. A run still ahead → the run waits
 * {@link turnWaitSeconds} of its place. A wait is never a failure: the worker
 * gives the attempt back and does not count it as a deferral.
 */
export const admitTurn = async (
  deps: Pick<Deps, 'turns' | 'runs' | 'clock'>,
  run: Pick<Run, 'id' | 'jobId' | 'orderKey'>,
): Promise<Admission> => {
  const key = run.orderKey;
  if (key === undefined) return { kind: 'run' };
  const head = await deps.turns.head(run.jobId, key, TURN_HEAD_LIMIT);
  // Ids are ULIDs: those before this run's arrived before it.
  let ahead = 0;
  while (ahead < head.length && (head[ahead] ?? '') < run.id) ahead++;
  const wait = (id: string, place: number, startedAt?: string): Admission => {
    const running =
      startedAt === undefined ? 0 : (deps.clock.now().getTime() - Date.parse(startedAt)) / 1_000;
    return {
      kind: 'wait',
      why: 'turn',
      ahead: id,
      delaySeconds: turnWaitSeconds(place, Number.isNaN(running) ? 0 : running),
    };
  };
  for (let i = 0; i < ahead; i++) {
    const id = head[i] ?? '';
    if (i >= MAX_TURN_ROUNDS) return wait(id, ahead - i);
    const control = await deps.runs.control(id);
    const gone =
      control === undefined
        ? !(deps.clock.now().getTime() - ulidTime(id) < TURN_ENTER_GRACE_MS)
        : isFinal(control.status);
    if (!gone) return wait(id, ahead - i, control?.startedAt);
    await deps.turns.leave(run.jobId, key, id);
  }
  // Every turn read was ahead and is gone, and the line goes on past what was read: look again soon.
  if (ahead === head.length && head.length >= TURN_HEAD_LIMIT) return wait(head[ahead - 1] ?? '', 1);
  return { kind: 'run' };
};
