import { AsyncLocalStorage } from 'node:async_hooks';
import {
  EffectBusyError,
  EffectInDoubtError,
  PermanentError,
  RunDeferredError,
  errorMessage,
  observeDeferrals,
} from '../../errors.ts';
import { MAX_EFFECT_RESULT_BYTES, effectKeyProblem } from '../../model/effect.ts';
import { DEFAULT_EFFECT_TTL_DAYS } from '../../model/index.ts';
import { httpStatusOf, isRetryableFailure } from '../../outbound/classify.ts';
import type { EffectOwner, EffectRecord } from '../../ports.ts';
import type { EffectFn, EffectOptions } from '../../sdk/index.ts';
import { clip } from '../../sdk/text.ts';
import { addDays, isoTime } from '../../store/keys.ts';
import type { RunScope, ToolboxDeps, ToolboxTarget } from './index.ts';
import type { PlatformNotify } from './notifier.ts';

/**
 * How long past its attempt's deadline a holder may still be finishing its
 * call (a Lambda frozen mid-call and thawed, a slow last write): until then a
 * key it holds is busy, after it the holder is surely dead. The worker's
 * take-over grace of a run, for the same reason.
 */
export const EFFECT_HOLD_GRACE_MS = 60_000;
/**
 * Claim, take-over and re-read rounds before a call gives up as busy: each
 * round follows a move by another run (a take-over it lost, a release), so
 * more than a few mean the key is contested by live runs.
 */
const MAX_ROUNDS = 3;

/** One call of `fn` under way; `outer` is the effect whose fn made this call (nested effects). */
interface FnCall {
  deferred: boolean;
  readonly outer: FnCall | undefined;
}
/** The `fn` call (if any) the code running now belongs to, across its awaits. */
const fnCalls = new AsyncLocalStorage<FnCall>();
// A deferral raised inside fn (by its ctx.http request) marks fn's call, and the calls around it:
// even if fn swallows the RunDeferredError, its request was not made and the run is deferred.
observeDeferrals(() => {
  for (let call = fnCalls.getStore(); call !== undefined; call = call.outer) call.deferred = true;
});

/**
 * Whether `fn`'s throw shows that nothing reached the target, so that the key
 * may be freed for a retry to call it again: a deferral, an egress refusal or
 * another permanent error, a 4xx answer (429 too: the target refused it).
 * Not a time-out, a network error, a 408 or 5xx, or anything unknown: the
 * request may have been performed, and a second call could repeat it.
 */
const nothingLeft = (e: unknown, call: FnCall): boolean =>
  call.deferred ||
  e instanceof RunDeferredError ||
  // An inner ctx.effect found busy never ran its fn: the outer one sent nothing through it.
  e instanceof EffectBusyError ||
  httpStatusOf(e) === 429 ||
  !isRetryableFailure(e);

const checkKey = (key: unknown): string => {
  if (typeof key !== 'string') throw new PermanentError('ctx.effect: the key must be a string');
  const problem = effectKeyProblem(key);
  if (problem !== undefined) {
    throw new PermanentError(`ctx.effect: key ${JSON.stringify(clip(key, 64))} ${problem}`);
  }
  return key;
};

/** The key as a shell word, for the command the in-doubt message suggests. */
const shellWord = (value: string): string =>
  /^[A-Za-z0-9._~=+/:@%-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;

/** The result as the ledger records it: JSON text (absent for `undefined`), or why it cannot be. */
const recordable = (value: unknown): { json?: string; problem?: string } => {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    return { problem: `result is not serializable as JSON (${clip(errorMessage(e), 100)})` };
  }
  if (json === undefined) return {};
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_EFFECT_RESULT_BYTES) {
    return {
      problem: `result too large to record (${bytes} bytes of JSON; at most ${MAX_EFFECT_RESULT_BYTES})`,
    };
  }
  return { json };
};

const problemError = (key: string, problem: string): PermanentError =>
  new PermanentError(`effect ${key}: ${problem}; the effect happened and will not be repeated`);

/** The recorded result of a `done` record; a result that could not be recorded is an error every time. */
const recordedResult = <R>(record: EffectRecord): R => {
  if (record.resultProblem !== undefined) throw problemError(record.key, record.resultProblem);
  return (record.resultJson === undefined ? undefined : JSON.parse(record.resultJson)) as R;
};

/**
 * `ctx.effect(key, fn, { reconcile? })`: `fn` runs at most once per job and
 * key while the key is kept (`effectTtlDays`, default 30), across attempts,
 * retries, replays and fresh deliveries.
 *
 * 1. One conditional write claims the key (`pending`) before `fn` runs, one
 *    records `done` with its JSON result after. A later call gets the
 *    recorded result without calling `fn`, on the first call too as JSON
 *    (a Date comes back a string each time, not only on a replay).
 * 2. `fn` throws: the claim is freed only when the error shows nothing
 *    reached the target (`nothingLeft`: a deferral, a refusal, a 4xx); a
 *    time-out, a network error, a 5xx, an unknown error or an aborted run
 *    (deadline, stop) leave it `pending`: the request may have left, and a
 *    later attempt reconciles it or finds it in doubt. `fn` that met a
 *    rate-limit deferral (even one it swallowed) frees the key instead of
 *    recording its result: the run is deferred and the retry calls it again.
 * 3. A `pending` key held by a live attempt of another run (before its
 *    `heldUntil`: its deadline plus the take-over grace) is busy: an
 *    EffectBusyError, on which the worker defers the run until then. A holder
 *    past it, or an earlier attempt of this run (the run store starts one
 *    attempt at a time; a deferred attempt gives its number back, so its
 *    claim is told by an earlier start), is dead: with `reconcile`
 *    this attempt takes the key over and records reconcile's answer (reconcile
 *    is given the claim it settles: `{ since, runId, attempt }`); without
 *    it the effect is in doubt: EffectInDoubtError, the run fails
 *    permanently even if the integration catches it (`inDoubt()`), and one
 *    `effect_in_doubt` notification per key is raised. Never a silent
 *    second call.
 */
export const createEffect = (
  deps: Pick<ToolboxDeps, 'effects' | 'clock'>,
  t: ToolboxTarget,
  scope: RunScope,
  notify: PlatformNotify,
): { effect: EffectFn; inDoubt: () => EffectInDoubtError | undefined } => {
  const jobId = t.job.id;
  const me: EffectOwner = { runId: t.runId, attempt: t.attempt };
  const heldUntil = isoTime(t.deadlineAt + EFFECT_HOLD_GRACE_MS);
  const ttlDays = t.job.effectTtlDays ?? DEFAULT_EFFECT_TTL_DAYS;
  let firstInDoubt: EffectInDoubtError | undefined;

  /** Runs `fn` (or reconcile) for a key this attempt holds, and records its end. */
  const runHeld = async <R>(key: string, fn: () => R | Promise<R>, reconciled: boolean): Promise<R> => {
    let value: R;
    const call: FnCall = { deferred: false, outer: fnCalls.getStore() };
    const free = () =>
      deps.effects.release(jobId, key, me).catch((release: unknown) => {
        scope.logger.warn(
          `effect ${key}: could not free the key (${errorMessage(release)}); it stays pending`,
        );
      });
    try {
      value = await fnCalls.run(call, fn);
    } catch (e) {
      if (scope.signal.aborted) {
        // Deadline or stop: the call may have reached the target. Left pending for a later attempt to settle.
        scope.logger.warn(`effect ${key}: interrupted by ${errorMessage(scope.signal.reason)}; kept pending`);
      } else if (reconciled) {
        // reconcile's failure says nothing of the effect: the key stays pending for the next attempt.
      } else if (nothingLeft(e, call)) {
        // Nothing reached the target: free the key so that a retry calls fn again.
        await free();
      } else {
        scope.logger.warn(
          `effect ${key}: ${clip(scope.redact(errorMessage(e)), 200)}; the request may have been performed, so the key is kept ` +
            'pending: a later attempt reconciles it or finds it in doubt',
        );
      }
      throw e;
    }
    if (call.deferred && !reconciled) {
      // fn met a rate-limit deferral and returned anyway (a fallback): its request was not made, and the
      // run is deferred whatever it returned. Recording that answer would replay it instead of the request.
      scope.logger.warn(`effect ${key}: deferred by a rate limit; the key is freed for the retried run`);
      await free();
      const { json } = recordable(value);
      return (json === undefined ? undefined : JSON.parse(json)) as R;
    }
    const { json, problem } = recordable(value);
    const done = await deps.effects
      .complete(jobId, key, me, {
        doneAt: deps.clock.now().toISOString(),
        ...(json === undefined ? {} : { resultJson: json }),
        ...(reconciled ? { reconciled: true } : {}),
        ...(problem === undefined ? {} : { resultProblem: problem }),
      })
      .catch((e: unknown) => {
        scope.logger.error(
          `effect ${key} happened but its end could not be recorded (${errorMessage(e)}); ` +
            'a later attempt will reconcile it or find it in doubt',
        );
        throw e;
      });
    if (!done) {
      scope.logger.warn(
        `effect ${key}: its end was not recorded: the key was cleared or taken over while it ran`,
      );
    }
    if (reconciled) scope.logger.info(`effect ${key}: reconciled`);
    if (problem !== undefined) throw problemError(key, problem);
    return (json === undefined ? undefined : JSON.parse(json)) as R;
  };

  /** Marks the run in doubt, raises the key's one notification, and answers the error to throw. */
  const inDoubtError = async (key: string, held: EffectRecord): Promise<EffectInDoubtError> => {
    const heldBy = { runId: held.runId, attempt: held.attempt, since: held.startedAt };
    const error = new EffectInDoubtError(
      key,
      heldBy,
      'give ctx.effect a reconcile, or check the target and clear the key: ' +
        `triggerhub effects forget ${jobId} ${shellWord(key)}`,
    );
    firstInDoubt ??= error;
    const first = await deps.effects
      .markNotified(jobId, key, { runId: held.runId, attempt: held.attempt }, deps.clock.now().toISOString())
      .catch((e: unknown) => {
        scope.logger.warn(`effect ${key}: could not record the in-doubt notification (${errorMessage(e)})`);
        return false;
      });
    if (first) {
      await notify('effect_in_doubt', 'error', error.message).catch((e: unknown) => {
        scope.logger.warn(`effect ${key}: could not raise the in-doubt notification (${errorMessage(e)})`);
      });
    }
    return error;
  };

  const effect: EffectFn = async <R>(
    key: string,
    fn: () => R | Promise<R>,
    options?: EffectOptions<R>,
  ): Promise<R> => {
    checkKey(key);
    if (typeof fn !== 'function') throw new PermanentError(`ctx.effect(${key}): fn must be a function`);
    const reconcile = options?.reconcile;
    if (reconcile !== undefined && typeof reconcile !== 'function') {
      throw new PermanentError(`ctx.effect(${key}): reconcile must be a function`);
    }
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      // A run past its deadline or stopped starts nothing new.
      scope.signal.throwIfAborted();
      const now = deps.clock.now();
      const claim = await deps.effects.claim(
        jobId,
        {
          key,
          ...me,
          startedAt: isoTime(now.getTime()),
          heldUntil,
          expiresAt: isoTime(addDays(now, ttlDays).getTime()),
        },
        now,
      );
      if (claim.claimed) return runHeld(key, fn, false);
      const held = claim.existing;
      if (held.status === 'done') {
        scope.logger.debug(`effect ${key}: done by run ${held.runId}; its recorded result is used`);
        return recordedResult<R>(held);
      }
      // A deferred attempt gave its number back: the claim of an earlier attempt with the same number
      // was made before this attempt started.
      const earlierAttempt =
        held.runId === me.runId &&
        (held.attempt < me.attempt || Date.parse(held.startedAt) < t.startedAt.getTime());
      if (held.runId === me.runId && held.attempt === me.attempt && !earlierAttempt) {
        throw new PermanentError(`effect ${key} is already running in this attempt`);
      }
      // A key some run already found in doubt has a dead holder for everyone: a fresh delivery must
      // not wait on it as busy (and burn its attempts) while `effects list` shows it in doubt.
      const dead =
        earlierAttempt ||
        held.inDoubtNotifiedAt !== undefined ||
        (held.runId !== me.runId && now.getTime() >= Date.parse(held.heldUntil));
      if (!dead) {
        scope.logger.info(
          `effect ${key}: run ${held.runId} attempt ${held.attempt} is performing it (live until ${held.heldUntil} at the latest); ` +
            'this run waits for it',
        );
        throw new EffectBusyError(key, held.heldUntil);
      }
      if (reconcile === undefined) throw await inDoubtError(key, held);
      const tookOver = await deps.effects.takeOver(
        jobId,
        key,
        { runId: held.runId, attempt: held.attempt },
        { ...me, startedAt: isoTime(now.getTime()), heldUntil },
      );
      if (tookOver) {
        scope.logger.info(
          `effect ${key}: run ${held.runId} attempt ${held.attempt} did not record its end; reconciling`,
        );
        // The claim as the dead holder left it: its start tells reconcile how long the target has had.
        const pending = { since: held.startedAt, runId: held.runId, attempt: held.attempt };
        return runHeld(key, () => reconcile(pending), true);
      }
      // Another run moved first (took it over, or it was completed or cleared): look again.
    }
    // Contested by live runs of this job: the one that took it holds it about as long as this one would.
    throw new EffectBusyError(key, heldUntil);
  };

  return { effect, inDoubt: () => firstInDoubt };
};
