import { describe, expect, it } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import { createEffect } from '../../shared/runtime/toolbox/effect.ts';
import { RunLogger } from '../../shared/sdk/index.ts';
import { MemoryEffectLedger } from '../helpers/memory-effect-store.ts';

const SECRET = 'CANARYsecretVALUE0123456789';
describe('ctx.effect: the kept-pending warning is redacted before it is cut', () => {
  it('no secret prefix in the kept-pending warning', async () => {
    const clock = { now: () => new Date('2026-11-22T10:00:00.000Z') };
    const job = JobSchema.parse({ id: 'job', name: 'Job', integration: 'echo', auth: { secret: 'demo' } });
    const logger = new RunLogger({ runId: 'R', jobId: 'job', clock, redact: [SECRET] });
    const { effect } = createEffect(
      { effects: new MemoryEffectLedger(), clock },
      {
        job,
        runId: 'R',
        attempt: 1,
        startedAt: clock.now(),
        deadlineAt: clock.now().getTime() + 60_000,
        decision: false,
      },
      { logger, signal: new AbortController().signal, redact: (s) => s.split(SECRET).join('***') },
      () => Promise.resolve(),
    );
    await effect('k', () => {
      throw new Error(`${'x'.repeat(185)} token=${SECRET}`);
    }).catch(() => undefined);
    const text = JSON.stringify(logger.lines);
    expect(text).toContain('kept');
    expect(text).not.toContain(SECRET.slice(0, 8));
  });
});
