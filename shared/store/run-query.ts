import { ValidationError } from '../errors.ts';
import { FIRED_BY, RUN_STATUSES } from '../model/index.ts';
import type { FiredBy, RunStatus } from '../model/index.ts';
import type { RunListQuery } from '../ports.ts';

/** {@link RunListQuery}'s filters, checked: the creation-time bounds in epoch milliseconds. */
export interface RunFilter {
  status?: RunStatus;
  firedBy?: FiredBy;
  fromMs?: number;
  toMs?: number;
}

/** A calendar date, optionally with a time: what `from`/`to` accept (`Date.parse` alone takes "1", "May 3"…). */
const ISO_LIKE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const instant = (name: 'from' | 'to', value: string): number => {
  const ms = ISO_LIKE.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) {
    throw new ValidationError(`${name} must be an ISO date-time, got "${value}"`, 'invalid_filter');
  }
  return ms;
};

/**
 * Checks a history listing's filters (both run stores call it, so the admin
 * API answers 400 for a bad value whichever store is behind it).
 */
export const runFilterOf = (query: RunListQuery): RunFilter => {
  const filter: RunFilter = {};
  if (query.status !== undefined) {
    if (!(RUN_STATUSES as readonly string[]).includes(query.status)) {
      throw new ValidationError(
        `status must be one of ${RUN_STATUSES.join(', ')}, got "${String(query.status)}"`,
        'invalid_filter',
      );
    }
    filter.status = query.status;
  }
  if (query.firedBy !== undefined) {
    if (!(FIRED_BY as readonly string[]).includes(query.firedBy)) {
      throw new ValidationError(
        `firedBy must be one of ${FIRED_BY.join(', ')}, got "${String(query.firedBy)}"`,
        'invalid_filter',
      );
    }
    filter.firedBy = query.firedBy;
  }
  if (query.from !== undefined) filter.fromMs = instant('from', query.from);
  if (query.to !== undefined) filter.toMs = instant('to', query.to);
  if (filter.fromMs !== undefined && filter.toMs !== undefined && filter.fromMs > filter.toMs) {
    throw new ValidationError('from must not be after to', 'invalid_filter');
  }
  return filter;
};

/** Crockford's base32, as ULIDs spell it. */
const ULID_ENCODING = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID_TIME_CHARS = 10;
const ULID_TIME_MAX = 2 ** 48 - 1;

/**
 * The time part (10 characters) of every ULID made at `ms`: run ids are
 * ULIDs of their creation time, so a time bound is a bound on the id.
 */
export const ulidTimePrefix = (ms: number): string => {
  let t = Math.min(ULID_TIME_MAX, Math.max(0, Math.trunc(ms)));
  let encoded = '';
  for (let i = 0; i < ULID_TIME_CHARS; i++) {
    encoded = ULID_ENCODING.charAt(t % 32) + encoded;
    t = Math.floor(t / 32);
  }
  return encoded;
};

/** Above every ULID character: `<prefix>~` bounds every id with that time prefix from above. */
export const ULID_AFTER = '~';

/** Whether a run (its id a ULID of its creation) passes the filter; what the memory store applies. */
export const runPasses = (
  run: { id: string; status: RunStatus; firedBy?: FiredBy },
  filter: RunFilter,
): boolean => {
  if (filter.status !== undefined && run.status !== filter.status) return false;
  // Runs recorded before `firedBy` existed were all webhook runs.
  if (filter.firedBy !== undefined && (run.firedBy ?? 'webhook') !== filter.firedBy) return false;
  const time = run.id.slice(0, ULID_TIME_CHARS);
  if (filter.fromMs !== undefined && time < ulidTimePrefix(filter.fromMs)) return false;
  if (filter.toMs !== undefined && time > ulidTimePrefix(filter.toMs)) return false;
  return true;
};
