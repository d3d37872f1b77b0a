import { IANAZone } from 'luxon';
import type { LocalDateTime } from '../model/schedule.ts';

/**
 * Wall-clock times as "floating" epoch milliseconds: the local date and time
 * read as if it were UTC (`Date.UTC(y, m, d, h, min)`). Calendar arithmetic on
 * them (add days, months) knows nothing of daylight saving; `instantOf` then
 * places the result in the zone by our own rules, which are not luxon's
 * (luxon moves a time in a spring-forward gap by the size of the gap and picks
 * the later of two ambiguous times).
 */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const zones = new Map<string, IANAZone>();

/** luxon's zone object (it caches its Intl formatter), kept per name. */
const zoneOf = (name: string): IANAZone => {
  let zone = zones.get(name);
  if (zone === undefined) {
    zone = IANAZone.create(name);
    zones.set(name, zone);
  }
  return zone;
};

/** The zone's UTC offset at an instant, in milliseconds. */
export const offsetAt = (zone: string, instantMs: number): number =>
  zoneOf(zone).offset(instantMs) * MINUTE_MS;

/** The wall-clock time (floating ms) an instant shows in the zone. */
export const wallOf = (zone: string, instantMs: number): number => instantMs + offsetAt(zone, instantMs);

/**
 * The instant a wall-clock time stands for in the zone:
 * - a time that happens once: that instant;
 * - a time that happens twice (the hour repeated when clocks go back): the first, at the earlier offset;
 * - a time that does not happen (the hour skipped when clocks go forward): the first
 *   valid minute after the gap, i.e. the instant of the change (02:30 on the day
 *   Europe/Berlin springs forward → 03:00 CEST).
 * Assumes at most one offset change within a day of the time, which holds for every zone today.
 */
export const instantOf = (zone: string, wallMs: number): number => {
  const before = offsetAt(zone, wallMs - DAY_MS);
  const after = offsetAt(zone, wallMs + DAY_MS);
  const early = wallMs - Math.max(before, after);
  const late = wallMs - Math.min(before, after);
  const candidates = [early, late].filter((t) => wallOf(zone, t) === wallMs);
  if (candidates.length > 0) return Math.min(...candidates);
  // In the gap: the change happened between `early` and `late`; find its minute.
  let lo = Math.floor(early / MINUTE_MS);
  let hi = Math.ceil(late / MINUTE_MS);
  const changed = (minute: number) => offsetAt(zone, minute * MINUTE_MS) === after;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (changed(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo * MINUTE_MS;
};

export const floatingOf = (t: LocalDateTime): number =>
  Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute);
