import { IANAZone } from 'luxon';
import { cronShapeProblem, isCronSchedule, parseLocalDateTime } from '../model/schedule.ts';
import type { Schedule } from '../model/schedule.ts';
import { cronNext, cronOf } from './cron.ts';

/**
 * What makes a schedule unusable, as a sentence for a 400 (`undefined` when it is
 * fine): an unknown zone, a `startOn` that is not a real date and time, a cron
 * expression that is not 5 fields, that croner cannot parse, or that never fires.
 * The schema checks the shapes already; this also parses the cron expression,
 * which the model does not (it stays free of croner for the Lambdas' cold start).
 */
export const scheduleProblem = (s: Schedule): string | undefined => {
  if (!IANAZone.isValidZone(s.timezone))
    return `timezone: ${s.timezone} is not an IANA time zone such as Europe/Berlin`;
  if (!isCronSchedule(s)) {
    if (s.startOn === undefined) return undefined;
    const parsed = parseLocalDateTime(s.startOn);
    return typeof parsed === 'string' ? `startOn: ${parsed}` : undefined;
  }
  const shape = cronShapeProblem(s.cron);
  if (shape !== undefined) return shape;
  let job;
  try {
    job = cronOf(s);
  } catch (error) {
    // croner's messages name the field: "CronPattern: Invalid value for minute: 61"
    const reason = error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
    return `cron: "${s.cron.trim()}" is not a valid expression: ${reason}`;
  }
  // Feb 30 and the like parse, but never come: croner searches up to the year 9999.
  if (cronNext(job, Date.UTC(2000, 0, 1)) === undefined) return `cron: "${s.cron.trim()}" never fires`;
  return undefined;
};
