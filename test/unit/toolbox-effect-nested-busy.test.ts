import { describe, expect, it } from 'vitest';
import { EffectBusyError, EffectInDoubtError } from '../../shared/errors.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { createEffect } from '../../shared/runtime/toolbox/effect.ts';
import { RunLogger } from '../../shared/sdk/index.ts';
import { MemoryEffectLedger } from '../helpers/memory-effect-store.ts';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
describe('ctx.effect: a busy inner effect', () => {
  it('outer key is not left in doubt when an inner effect is busy', async () => {
    const ledger = new MemoryEffectLedger();
    const clock = {
      ms: T0,
      now(): Date {
        return new Date(this.ms);
      },
    };
    const job = JobSchema.parse({ id: 'job', name: 'Job', integration: 'echo', auth: { secret: 'demo' } });
    const mk = (runId: string, startMs: number) =>
      createEffect(
        { effects: ledger, clock },
        {
          job,
          runId,
          attempt: 1,
          startedAt: new Date(startMs),
          deadlineAt: startMs + 60_000,
          decision: false,
        },
        {
          logger: new RunLogger({ runId, jobId: job.id, clock }),
          signal: new AbortController().signal,
          redact: (s) => s,
        },
        () => Promise.resolve(),
      );
    // Run B holds 'inner' live (its fn never ends).
    const b = mk('B', T0);
    void b.effect('inner', () => new Promise(() => undefined));
    await new Promise((r) => setTimeout(r, 10));
    // Run A, attempt 1: outer's fn reaches inner: busy -> the worker defers A (attempt given back).
    const a1 = mk('A', T0);
    let calls = 0;
    await expect(
      a1.effect('outer', async () => {
        calls++;
        return a1.effect('inner', () => 1);
      }),
    ).rejects.toBeInstanceOf(EffectBusyError);
    // Deferred attempt of A (same attempt number, later start), after B is done.
    clock.ms = T0 + 120_000;
    const a2 = mk('A', clock.ms);
    const r = await a2
      .effect('outer', () => {
        calls++;
        return 2;
      })
      .catch((e: unknown) => e);
    expect(r).not.toBeInstanceOf(EffectInDoubtError);
    expect(r).toBe(2);
    expect(calls).toBe(2);
  });
});
