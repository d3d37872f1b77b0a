import { describe, expect, it } from 'vitest';
import { startSchedulerTimer } from '../../cli/local/scheduler-timer.ts';
import type { SchedulerResult } from '../../shared/runtime/scheduler.ts';

const NONE: SchedulerResult = { fired: 0, skipped: 0, jobs: 0 };

/** Resolves once `check` holds, polling every 5 ms, at most 2,000 times. */
const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 2000; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('never happened');
};

describe('the npm start scheduler timer', () => {
  it('ticks at once (the catch-up after a stop), with the time it is given, then again', async () => {
    // Prepare
    const seen: Date[] = [];
    const at = new Date('2026-12-01T10:05:02.000Z');

    // Act
    const timer = startSchedulerTimer({
      tick: (now) => {
        seen.push(now);
        return Promise.resolve(NONE);
      },
      print: () => undefined,
      intervalMs: 1,
      now: () => at,
    });
    const first = seen.length;
    await until(() => seen.length >= 3);
    await timer.stop();

    // Assess
    expect(first).toBe(1);
    expect(seen.every((d) => d.getTime() === at.getTime())).toBe(true);
  });

  it('never overlaps ticks, prints a failed one and goes on, and stop waits for the tick in progress', async () => {
    // Prepare
    const printed: string[] = [];
    let calls = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let release: (() => void) | undefined;

    // Act
    const timer = startSchedulerTimer({
      tick: async () => {
        calls++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          if (calls === 1) throw new Error('table down');
          // The second tick hangs until released: later timer firings must not start another.
          if (calls === 2) await new Promise<void>((r) => (release = r));
          return NONE;
        } finally {
          inFlight--;
        }
      },
      print: (line) => printed.push(line),
      intervalMs: 1,
    });
    await until(() => release !== undefined);
    // Many timer firings pass while the second tick hangs.
    await new Promise((r) => setTimeout(r, 50));
    const callsWhileHanging = calls;
    let stopped = false;
    const stopping = timer.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 10));
    const stoppedBeforeRelease = stopped;
    release?.();
    await stopping;
    const callsAtStop = calls;
    await new Promise((r) => setTimeout(r, 20));

    // Assess
    expect(printed).toEqual(['scheduler tick failed: table down']);
    expect(callsWhileHanging).toBe(2);
    expect(maxInFlight).toBe(1);
    expect(stoppedBeforeRelease).toBe(false);
    expect(calls).toBe(callsAtStop);
  });
});
