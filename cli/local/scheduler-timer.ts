import { errorMessage } from '../../shared/errors.ts';
import type { SchedulerResult } from '../../shared/runtime/scheduler.ts';
import { TICK_MS } from '../../shared/schedule/index.ts';

/** After the whole minute: EventBridge's rule fires within seconds of it too. */
const AFTER_MINUTE_MS = 1_000;

export interface SchedulerTimerOptions {
  /** One tick: `runScheduler` with the time to take as now. */
  tick: (now: Date) => Promise<SchedulerResult>;
  /** Where a failed tick is reported. */
  print: (line: string) => void;
  /**
   * Tick every this many ms instead of just after each whole minute (tests
   * drive ticks with it, with `now`).
   */
  intervalMs?: number;
  /** The time each tick takes as now. @default the system clock */
  now?: () => Date;
}

/**
 * EventBridge's part under `npm start`: the scheduler ticks once at once
 * (catching up what the stack missed while it was stopped), then shortly
 * after each whole minute. Ticks never overlap (one still running when the
 * next is due makes that one wait for the following); a failed tick is
 * printed and the timer goes on. The timer is unref'd; `stop` clears it and
 * waits for a tick in progress, so that the emulators are not stopped under it.
 */
export const startSchedulerTimer = (options: SchedulerTimerOptions): { stop: () => Promise<void> } => {
  const now = options.now ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const delay = (): number => {
    if (options.intervalMs !== undefined) return options.intervalMs;
    const t = Date.now();
    return TICK_MS - (t % TICK_MS) + AFTER_MINUTE_MS;
  };
  const tick = (): void => {
    if (stopped) return;
    running ??= options
      .tick(now())
      .then(
        () => undefined,
        (e: unknown) => options.print(`scheduler tick failed: ${errorMessage(e)}`),
      )
      .finally(() => {
        running = undefined;
      });
    schedule();
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(tick, delay());
    timer.unref();
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
};
