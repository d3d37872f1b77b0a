import { describe, expect, it } from 'vitest';
import { DeadlineError, EffectBusyError, EffectInDoubtError, PermanentError } from '../../shared/errors.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { Job, Run } from '../../shared/model/index.ts';
import type { NotificationKind, Severity } from '../../shared/ports.ts';
import { EFFECT_HOLD_GRACE_MS, createEffect } from '../../shared/runtime/toolbox/effect.ts';

import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration, RunLogger } from '../../shared/sdk/index.ts';
import type { PendingEffect } from '../../shared/sdk/index.ts';
import { MemoryEffectLedger } from '../helpers/memory-effect-store.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedRunAt } from '../helpers/runs.ts';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const TIMEOUT_MS = 60_000;

interface World {
  ledger: MemoryEffectLedger;
  clock: { now: () => Date; ms: number };
  notes: { kind: NotificationKind; severity: Severity; message: string }[];
  job: Job;
}

const world = (jobOver: Record<string, unknown> = {}): World => {
  const clock = {
    ms: T0,
    now(): Date {
      return new Date(this.ms);
    },
  };
  return {
    ledger: new MemoryEffectLedger(),
    clock,
    notes: [],
    job: JobSchema.parse({
      id: 'job',
      name: 'Job',
      integration: 'echo',
      auth: { secret: 'demo' },
      ...jobOver,
    }),
  };
};

/** One attempt of one run: its ctx.effect, its log and its controller (to abort it). */
const attempt = (w: World, runId: string, n = 1) => {
  const controller = new AbortController();
  const logger = new RunLogger({ runId, jobId: w.job.id, clock: w.clock });
  const started = w.clock.ms;
  const made = createEffect(
    { effects: w.ledger, clock: w.clock },
    {
      job: w.job,
      runId,
      attempt: n,
      startedAt: new Date(started),
      deadlineAt: started + TIMEOUT_MS,
      decision: false,
    },
    { logger, signal: controller.signal, redact: (s) => s },
    (kind, severity, message) => {
      w.notes.push({ kind, severity, message });
      return Promise.resolve();
    },
  );
  return { ...made, controller, logger };
};

/** A function that counts its calls and returns `value`. */
const counted = <T>(value: T) => {
  const fn = () => {
    fn.calls++;
    return Promise.resolve(value);
  };
  fn.calls = 0;
  return fn;
};

/** Leaves `key` pending, as an attempt that died between the claim and the end: its fn never settles. */
const diePending = async (w: World, key: string, runId = 'run-dead', n = 1): Promise<void> => {
  const a = attempt(w, runId, n);
  void a.effect(key, () => new Promise<never>(() => undefined));
  // The claim is written before fn is called: wait (bounded) until the ledger shows it.
  for (let i = 0; i < 100 && w.ledger.items.size === 0; i++) await Promise.resolve();
  expect([...w.ledger.items.values()].some((r) => r.key === key && r.status === 'pending')).toBe(true);
};

describe('ctx.effect', () => {
  it('calls fn once across attempts, runs and fresh deliveries, answering the recorded result', async () => {
    // Prepare
    const w = world();
    const fn = counted({ id: 'OPS-12' });

    // Act
    const first = await attempt(w, 'run-1').effect('create-ticket', fn);
    const retry = await attempt(w, 'run-1', 2).effect('create-ticket', fn);
    const otherRun = await attempt(w, 'run-2').effect('create-ticket', fn);

    // Assess
    expect(fn.calls).toBe(1);
    expect([first, retry, otherRun]).toEqual([{ id: 'OPS-12' }, { id: 'OPS-12' }, { id: 'OPS-12' }]);
    expect(w.ledger.items.get('job\u0000create-ticket')).toMatchObject({
      status: 'done',
      runId: 'run-1',
      resultJson: '{"id":"OPS-12"}',
    });
  });

  it('costs 2 writes and no read the first time, 1 refused write and no call to fn on a replay', async () => {
    // Prepare
    const w = world();
    await attempt(w, 'run-1').effect('k', counted(1));
    const after = { writes: w.ledger.writes, reads: w.ledger.reads };

    // Act
    const fn = counted(2);
    await attempt(w, 'run-2').effect('k', fn);

    // Assess
    expect(after).toEqual({ writes: 2, reads: 0 });
    expect({ writes: w.ledger.writes - after.writes, calls: fn.calls }).toEqual({ writes: 1, calls: 0 });
  });

  it('answers the result as JSON on the first call too, and undefined as undefined', async () => {
    // Prepare
    const w = world();
    const when = new Date(T0);

    // Act
    const first = await attempt(w, 'run-1').effect('dated', () => ({ when }));
    const replay = await attempt(w, 'run-2').effect('dated', () => ({ when }));
    const nothing = await attempt(w, 'run-1').effect('nothing', () => undefined);
    const nothingAgain = await attempt(w, 'run-2').effect('nothing', counted('x'));

    // Assess
    expect(first).toEqual({ when: when.toISOString() });
    expect(replay).toEqual(first);
    expect(nothing).toBeUndefined();
    expect(nothingAgain).toBeUndefined();
  });

  it('frees the key when fn throws an error that shows nothing was done, so that a retry calls it again', async () => {
    // Prepare
    const w = world();
    const boom = new PermanentError('missing field: summary');
    const fn = counted('ok');

    // Act
    const failed = attempt(w, 'run-1').effect('k', () => Promise.reject(boom));
    await expect(failed).rejects.toBe(boom);
    const freed = w.ledger.items.size;
    const retried = await attempt(w, 'run-1', 2).effect('k', fn);

    // Assess
    expect(freed).toBe(0);
    expect(retried).toBe('ok');
    expect(fn.calls).toBe(1);
  });

  it('keeps the claim pending when fn throws because the run aborted (deadline or stop)', async () => {
    // Prepare
    const w = world();
    const a = attempt(w, 'run-1');
    let started = false;
    const fn = () =>
      new Promise<string>((_, reject) => {
        started = true;
        a.controller.signal.addEventListener('abort', () => reject(new Error('aborted by signal')));
      });

    // Act
    const call = a.effect('k', fn);
    for (let i = 0; i < 100 && !started; i++) await Promise.resolve();
    a.controller.abort(new DeadlineError(TIMEOUT_MS));
    await expect(call).rejects.toThrow('aborted by signal');

    // Assess
    expect(w.ledger.items.get('job\u0000k')).toMatchObject({ status: 'pending', runId: 'run-1', attempt: 1 });
    expect(a.logger.lines.map((l) => l.message)).toContain(
      'effect k: interrupted by run timed out after 60000 ms; kept pending',
    );
  });

  it('starts nothing once the run has aborted', async () => {
    // Prepare
    const w = world();
    const a = attempt(w, 'run-1');
    const fn = counted('x');
    a.controller.abort(new DeadlineError(TIMEOUT_MS));

    // Act
    const call = a.effect('k', fn);

    // Assess
    await expect(call).rejects.toBeInstanceOf(DeadlineError);
    expect(fn.calls).toBe(0);
    expect(w.ledger.writes).toBe(0);
  });

  it('reconciles a key its dead holder left pending: reconcile once, fn never, recorded as reconciled', async () => {
    // Prepare
    const w = world();
    await diePending(w, 'k');
    const fn = counted('from fn');
    const reconcile = counted('found at the target');

    // Act: a later attempt of the same run counts as dead at once
    const result = await attempt(w, 'run-dead', 2).effect('k', fn, { reconcile });
    const replay = await attempt(w, 'run-3').effect('k', fn, { reconcile });

    // Assess
    expect([result, replay]).toEqual(['found at the target', 'found at the target']);
    expect({ fn: fn.calls, reconcile: reconcile.calls }).toEqual({ fn: 0, reconcile: 1 });
    expect(w.ledger.items.get('job\u0000k')).toMatchObject({
      status: 'done',
      reconciled: true,
      runId: 'run-dead',
      attempt: 2,
    });
    expect(w.notes).toEqual([]);
  });

  it('fails in doubt without reconcile, with exactly one notification across three runs', async () => {
    // Prepare
    const w = world();
    await diePending(w, 'k');
    w.clock.ms += TIMEOUT_MS + EFFECT_HOLD_GRACE_MS; // past the holder's heldUntil
    const fn = counted('x');

    // Act
    const runs = ['run-1', 'run-2', 'run-3'].map((id) => attempt(w, id));
    const errors: unknown[] = [];
    for (const r of runs) errors.push(await r.effect('k', fn).catch((e: unknown) => e));

    // Assess
    expect(fn.calls).toBe(0);
    for (const [i, e] of errors.entries()) {
      expect(e).toBeInstanceOf(EffectInDoubtError);
      expect(e).toBeInstanceOf(PermanentError);
      expect(runs[i]?.inDoubt()).toBe(e);
    }
    const error = errors[0] as EffectInDoubtError;
    expect(error.message).toMatch(
      /^effect k is in doubt: run run-dead \(attempt 1\) started it at 2026-11-22T10:00:00\.000Z/,
    );
    expect(error.message).toContain('triggerhub effects forget job k');
    expect({ key: error.key, heldBy: error.heldBy }).toEqual({
      key: 'k',
      heldBy: { runId: 'run-dead', attempt: 1, since: '2026-11-22T10:00:00.000Z' },
    });
    expect(w.notes).toEqual([{ kind: 'effect_in_doubt', severity: 'error', message: error.message }]);
    expect(w.ledger.items.get('job\u0000k')?.status).toBe('pending');
  });

  it('answers in doubt, not busy, to a fresh run once an attempt found the key in doubt (holder not yet past heldUntil)', async () => {
    // Prepare: the dead holder's own next attempt judged the key in doubt before its heldUntil.
    const w = world();
    await diePending(w, 'k');
    const judged = await attempt(w, 'run-dead', 2)
      .effect('k', counted(1))
      .catch((e: unknown) => e);
    const fn = counted('x');

    // Act: a fresh delivery meets the same key while heldUntil is still ahead.
    const fresh = await attempt(w, 'run-fresh')
      .effect('k', fn)
      .catch((e: unknown) => e);

    // Assess
    expect(judged).toBeInstanceOf(EffectInDoubtError);
    expect(fresh).toBeInstanceOf(EffectInDoubtError);
    expect(fresh).not.toBeInstanceOf(EffectBusyError);
    expect(fn.calls).toBe(0);
    expect(w.notes).toHaveLength(1);
  });

  it('keeps the first in-doubt error for the run even when the integration catches it', async () => {
    // Prepare
    const w = world();
    await diePending(w, 'k');
    const a = attempt(w, 'run-dead', 2);

    // Act
    const caught = await a.effect('k', counted(1)).catch((e: unknown) => e);
    const fine = await a.effect('other', counted('fine'));

    // Assess
    expect(fine).toBe('fine');
    expect(a.inDoubt()).toBe(caught);
    expect(a.inDoubt()).toBeInstanceOf(EffectInDoubtError);
  });

  it('answers busy (retryable) while another run’s holder may still be live, and dead after heldUntil', async () => {
    // Prepare
    const w = world();
    await diePending(w, 'k', 'run-live');
    const fn = counted('x');
    const reconcile = counted('r');

    // Act
    w.clock.ms += TIMEOUT_MS + EFFECT_HOLD_GRACE_MS - 1;
    const busy = await attempt(w, 'run-2')
      .effect('k', fn, { reconcile })
      .catch((e: unknown) => e);
    w.clock.ms += 1;
    const taken = await attempt(w, 'run-3').effect('k', fn, { reconcile });

    // Assess
    expect(busy).toBeInstanceOf(EffectBusyError);
    expect(busy).not.toBeInstanceOf(PermanentError);
    expect((busy as EffectBusyError).retryable).toBe(true);
    expect(taken).toBe('r');
    expect({ fn: fn.calls, reconcile: reconcile.calls }).toEqual({ fn: 0, reconcile: 1 });
  });

  it('claims with heldUntil = the attempt’s deadline + the take-over grace, and the job’s effectTtlDays', async () => {
    // Prepare
    const w = world({ effectTtlDays: 2 });

    // Act
    await attempt(w, 'run-1').effect('k', counted(1));

    // Assess
    expect(w.ledger.items.get('job\u0000k')).toMatchObject({
      startedAt: new Date(T0).toISOString(),
      heldUntil: new Date(T0 + TIMEOUT_MS + EFFECT_HOLD_GRACE_MS).toISOString(),
      expiresAt: new Date(T0 + 2 * 86_400_000).toISOString(),
    });
  });

  it('calls fn again once the key has expired (30 days by default)', async () => {
    // Prepare
    const w = world();
    const fn = counted('x');
    await attempt(w, 'run-1').effect('k', fn);

    // Act
    w.clock.ms += 30 * 86_400_000 - 1000;
    await attempt(w, 'run-2').effect('k', fn);
    const beforeExpiry = fn.calls;
    w.clock.ms += 2000;
    await attempt(w, 'run-3').effect('k', fn);

    // Assess
    expect(beforeExpiry).toBe(1);
    expect(fn.calls).toBe(2);
  });

  it('refuses the same key twice at once in one attempt', async () => {
    // Prepare
    const w = world();
    const a = attempt(w, 'run-1');
    let release: (v: string) => void = () => undefined;
    const slow = new Promise<string>((r) => (release = r));

    // Act
    const first = a.effect('k', () => slow);
    for (let i = 0; i < 100 && w.ledger.items.size === 0; i++) await Promise.resolve();
    const second = await a.effect('k', counted('y')).catch((e: unknown) => e);
    release('done');

    // Assess
    expect(second).toBeInstanceOf(PermanentError);
    expect((second as Error).message).toBe('effect k is already running in this attempt');
    expect(await first).toBe('done');
  });

  it('records a result too large or not JSON as happened, and fails this call and every later one', async () => {
    // Prepare
    const w = world();
    const big = 'x'.repeat(64 * 1024);
    const fn = counted(big);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;

    // Act
    const tooLarge = await attempt(w, 'run-1')
      .effect('big', fn)
      .catch((e: unknown) => e);
    const later = await attempt(w, 'run-2')
      .effect('big', fn)
      .catch((e: unknown) => e);
    const notJson = await attempt(w, 'run-1')
      .effect('cycle', () => cyclic)
      .catch((e: unknown) => e);
    const fits = await attempt(w, 'run-1').effect('fits', () => 'x'.repeat(64 * 1024 - 2));

    // Assess
    expect(fn.calls).toBe(1);
    expect(tooLarge).toBeInstanceOf(PermanentError);
    expect((tooLarge as Error).message).toBe(
      'effect big: result too large to record (65538 bytes of JSON; at most 65536); ' +
        'the effect happened and will not be repeated',
    );
    expect((later as Error).message).toBe((tooLarge as Error).message);
    expect((notJson as Error).message).toMatch(/^effect cycle: result is not serializable as JSON/);
    expect(w.ledger.items.get('job\u0000cycle')?.status).toBe('done');
    expect(fits).toHaveLength(64 * 1024 - 2);
  });

  it('leaves the claim pending, now its own, when reconcile throws; the next attempt reconciles again', async () => {
    // Prepare
    const w = world();
    await diePending(w, 'k');
    const failing = () => Promise.reject(new Error('search failed'));

    // Act
    const failed = await attempt(w, 'run-dead', 2)
      .effect('k', counted('x'), { reconcile: failing })
      .catch((e: unknown) => e);
    const heldAfter = w.ledger.items.get('job\u0000k');
    const again = await attempt(w, 'run-dead', 3).effect('k', counted('x'), { reconcile: counted('found') });

    // Assess
    expect((failed as Error).message).toBe('search failed');
    expect(heldAfter).toMatchObject({ status: 'pending', runId: 'run-dead', attempt: 2 });
    expect(again).toBe('found');
  });

  it('gives reconcile the claim it settles: the dead holder, and since when it held the key', async () => {
    // Prepare: run-dead claims at T0 and dies; a later attempt comes 45 s after
    const w = world();
    await diePending(w, 'k');
    w.clock.ms = T0 + 45_000;
    const seen: PendingEffect[] = [];

    // Act
    const answer = await attempt(w, 'run-dead', 2).effect('k', counted('x'), {
      reconcile: (pending) => {
        seen.push(pending);
        return 'found';
      },
    });

    // Assess
    expect(answer).toBe('found');
    expect(seen).toEqual([{ since: new Date(T0).toISOString(), runId: 'run-dead', attempt: 1 }]);
  });

  it('checks the key: 1 to 256 bytes of UTF-8, no control character', async () => {
    // Prepare
    const w = world();
    const a = attempt(w, 'run-1');

    // Act
    const results = await Promise.all(
      ['', 'é'.repeat(128) + 'x', 'a\nb', 'é'.repeat(128)].map((k) =>
        a.effect(k, () => 'ok').catch((e: unknown) => e),
      ),
    );

    // Assess
    expect(results[0]).toBeInstanceOf(PermanentError);
    expect((results[1] as Error).message).toMatch(/is 257 bytes of UTF-8; at most 256$/);
    expect((results[2] as Error).message).toMatch(/holds a control character$/);
    expect(results[3]).toBe('ok');
  });
});

// ── in a run: the worker, execute and the toolbox on the memory ports ──

const queuedRun = (id: string, jobId = 'job'): Run => queuedRunAt(id, jobId, new Date(T0));

/** A job whose integration calls ctx.effect('post', …) and does what `after` says with the error. */
const runWorld = async (onError: 'catch' | 'throw') => {
  const counts = { fn: 0 };
  const probe = defineIntegration({
    id: 'effect-probe',
    name: 'Effect probe',
    version: '1.0.0',
    description: 'one effect',
    parameters: {},
    run: async (ctx) => {
      try {
        const r = await ctx.effect('post', () => {
          counts.fn++;
          return { id: counts.fn };
        });
        return { message: 'posted', output: r };
      } catch (e) {
        if (onError === 'throw') throw e;
        return { message: `carried on after: ${(e as Error).message}` };
      }
    },
  });
  const clock = new FakeClock(new Date(T0));
  const deps = memoryDeps({ clock, integrations: [probe] });
  await deps.jobs.put(
    JobSchema.parse({ id: 'job', name: 'Job', integration: 'effect-probe', auth: { secret: 'demo' } }),
  );
  const deliver = async (runId: string, receiveCount = 1) => {
    if (!(await deps.runs.get(runId))) await deps.runs.create(queuedRun(runId));
    return processRunMessage(deps, {
      body: JSON.stringify({ runId, jobId: 'job' }),
      receiveCount,
      receiptHandle: `rh-${runId}-${receiveCount}`,
    }).then(
      () => 'recorded',
      (e: unknown) => e,
    );
  };
  return { deps, clock, counts, deliver };
};

/** A pending record of `runId` at T0, as an attempt that died or still runs leaves it. */
const pendingBy = (runId: string) => ({
  key: 'post',
  runId,
  attempt: 1,
  startedAt: new Date(T0).toISOString(),
  heldUntil: new Date(T0 + TIMEOUT_MS).toISOString(),
  expiresAt: new Date(T0 + 86_400_000).toISOString(),
});

describe('ctx.effect in a run (worker on the memory ports)', () => {
  it('two deliveries of a job call fn once; both runs succeed with its result', async () => {
    // Prepare
    const { deps, counts, deliver } = await runWorld('throw');

    // Act
    await deliver('01KAAAAAAAAAAAAAAAAAAAAAA1');
    await deliver('01KAAAAAAAAAAAAAAAAAAAAAA2');

    // Assess
    expect(counts.fn).toBe(1);
    for (const id of ['01KAAAAAAAAAAAAAAAAAAAAAA1', '01KAAAAAAAAAAAAAAAAAAAAAA2']) {
      expect(await deps.runs.get(id)).toMatchObject({ status: 'succeeded', output: { id: 1 } });
    }
  });

  it('fails the run permanently "in doubt" even when the integration catches the error', async () => {
    // Prepare
    const { deps, clock, counts, deliver } = await runWorld('catch');
    await deps.effects.claim('job', pendingBy('01KDEADAAAAAAAAAAAAAAAAAAA'), new Date(T0));
    clock.advance(TIMEOUT_MS); // past the dead holder's heldUntil

    // Act
    const answer = await deliver('01KAAAAAAAAAAAAAAAAAAAAAA3');

    // Assess: recorded failed at once (no retry), fn never called
    expect(answer).toBe('recorded');
    expect(counts.fn).toBe(0);
    const run = await deps.runs.get('01KAAAAAAAAAAAAAAAAAAAAAA3');
    expect(run).toMatchObject({ status: 'failed', attempt: 1 });
    expect(run?.error).toMatch(/^effect post is in doubt: run 01KDEADAAAAAAAAAAAAAAAAAAA \(attempt 1\)/);
  });

  it('defers the run (not failed, attempt given back) while another live run holds the key', async () => {
    // Prepare
    const { deps, counts, deliver } = await runWorld('throw');
    await deps.effects.claim('job', pendingBy('01KLIVEAAAAAAAAAAAAAAAAAAA'), new Date(T0));

    // Act
    const answer = await deliver('01KAAAAAAAAAAAAAAAAAAAAAA4');

    // Assess: sent again delayed until the holder's heldUntil (T0 + 60 s; the clock stands at T0)
    expect(answer).toBe('recorded');
    expect(counts.fn).toBe(0);
    const run = await deps.runs.get('01KAAAAAAAAAAAAAAAAAAAAAA4');
    expect(run).toMatchObject({ status: 'queued', attempt: 0, deferrals: 1 });
    expect(deps.queue.later).toEqual([
      { message: { runId: '01KAAAAAAAAAAAAAAAAAAAAAA4', jobId: 'job' }, delaySeconds: TIMEOUT_MS / 1_000 },
    ]);
    expect(run?.logs.map((l) => l.message).join('\n')).toContain(
      'effect post: run 01KLIVEAAAAAAAAAAAAAAAAAAA attempt 1 is performing it',
    );
  });
});
