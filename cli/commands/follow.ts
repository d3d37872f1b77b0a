import { InvalidArgumentError } from 'commander';

/**
 * Ctrl-C for the commands that follow something (`jobs list --watch`, `runs
 * tail`): the first SIGINT ends the loop, which then returns normally (exit 0);
 * the listener is removed when the loop ends, so a second Ctrl-C while it
 * winds down kills the process as usual.
 */
export const interruptOnSigint = (): { signal: AbortSignal; dispose(): void } => {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
};

/** Waits `ms`, or less when `signal` aborts first; never rejects. */
export const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

const AGO = /^(\d{1,6})([smhdw])$/;
const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
/** A date, or a date and time with an optional offset (`2026-11-29`, `2026-11-29T10:00`, `…T10:00:00.000Z`). */
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * The instant `--since`/`--until` name: `30m`, `2h`, `1d`, `1w` (also `45s`)
 * before `now`, or an ISO date or time — UTC unless it carries an offset, like
 * the times the CLI prints. Undefined when it is neither.
 */
export const instantOf = (value: string, now: Date): string | undefined => {
  const ago = AGO.exec(value);
  if (ago) return new Date(now.getTime() - Number(ago[1]) * (UNIT_MS[ago[2] ?? ''] ?? 0)).toISOString();
  const iso = ISO.exec(value);
  if (!iso) return undefined;
  const withZone = value.includes('T') && iso[1] === undefined ? `${value}Z` : value;
  const at = new Date(withZone);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
};

/** Commander parser for `--since`/`--until`: checks the form (a bad one is a usage error); the action resolves it. */
export const timeArg =
  (name: string) =>
  (value: string): string => {
    if (instantOf(value, new Date(0)) === undefined) {
      throw new InvalidArgumentError(
        `${name} takes a duration before now (30m, 2h, 1d, 1w) or an ISO date or time (2026-11-29T10:00:00Z).`,
      );
    }
    return value;
  };
