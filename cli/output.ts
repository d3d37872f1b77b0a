import { formatLogLine } from '../shared/model/index.ts';
import type { Run } from '../shared/model/index.ts';

// Text from the API is outside data: a run message could carry terminal escape
// sequences. C0/C1 control characters are replaced before anything is printed.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** One table cell: a single line, control characters replaced, at most `max` characters. */
export const cell = (value: string | number | boolean | undefined, max = 60): string => {
  if (value === undefined) return '-';
  const text = String(value)
    .replace(/[\t\n]+/g, ' ')
    .replace(CONTROL, '\uFFFD');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/** Multi-line text from the API (a log message): newlines kept, other control characters replaced. */
export const safeText = (value: string): string => value.replace(CONTROL, '\uFFFD');

/**
 * Renders rows as an aligned plain-text table: a header row, columns separated
 * by two spaces, no trailing spaces. Widths count UTF-16 units, which is right
 * for the ids, names and ISO times the CLI prints.
 */
export const renderTable = (headers: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    headers
      .map((_, i) => {
        const text = cells[i] ?? '';
        return i === headers.length - 1 ? text : text.padEnd(widths[i] ?? 0);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
};

/** Key/value lines with the keys padded to one width, skipping absent values. */
export const renderFields = (fields: readonly (readonly [string, string | undefined])[]): string => {
  const present = fields.filter((f): f is readonly [string, string] => f[1] !== undefined);
  const width = Math.max(0, ...present.map(([k]) => k.length));
  return present.map(([k, v]) => `${`${k}:`.padEnd(width + 1)}  ${v}`.trimEnd()).join('\n') + '\n';
};

/** `850ms`, `12.3s`, `4m 05s`, `2h 03m`. */
export const formatDuration = (ms: number | undefined): string | undefined => {
  if (ms === undefined) return undefined;
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
};

/** The hint printed under a page of results when there is a next page. */
export const nextPageHint = (command: string, cursor: string | undefined): string =>
  cursor === undefined ? '' : `\nMore results: ${command} --cursor ${cursor}\n`;

/** Machine output: the JSON, pretty-printed, with a final newline. */
export const toJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** The human view of one run: a header block, then its log lines. */
export const renderRun = (run: Run): string => {
  const verdict =
    run.verdict === undefined
      ? undefined
      : `${run.verdict.allow ? 'allow' : 'deny'} – ${cell(run.verdict.message, 200)}${run.verdict.fallback ? ' (fallback: onError)' : ''}`;
  const header = renderFields([
    ['Run', cell(run.id, 200)],
    ['Job', cell(run.jobId, 200)],
    ['Status', run.status],
    ['Attempt', String(run.attempt)],
    // A rate limit's waits handed the run back to the queue; they spend no attempt.
    ['Deferred', run.deferrals ? `${run.deferrals}× by a rate limit (not counted as attempts)` : undefined],
    ['Trigger', `${cell(run.trigger, 100)} (${cell(run.source, 40)}, ${run.mode})`],
    ['Created', run.createdAt],
    ['Started', run.startedAt],
    ['Ended', run.endedAt],
    ['Duration', formatDuration(run.durationMs)],
    ['Verdict', verdict],
    ['Message', run.message === undefined ? undefined : cell(run.message, 500)],
    ['Error', run.error === undefined ? undefined : cell(run.error, 500)],
  ]);
  const logs =
    run.logs.length === 0
      ? '(no log lines)\n'
      : run.logs.map((l) => `${safeText(formatLogLine(l))}\n`).join('') +
        (run.logsTruncated ? '(log truncated: later lines were not kept)\n' : '');
  return `${header}\nLog:\n${logs}`;
};

const RELATIVE = new Intl.RelativeTimeFormat('en', { numeric: 'always' });
const UNITS: readonly (readonly [Intl.RelativeTimeFormatUnit, number])[] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/**
 * `in 3 minutes`, `3 minutes ago`, `now` (under a second): the largest whole
 * unit, rounded down, as people read a grid ("3 minutes ago" until it is 4).
 * Not a time: the text itself (cleaned).
 */
export const relativeTime = (iso: string, now: Date): string => {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return cell(iso, 40);
  const diff = at - now.getTime();
  for (const [unit, ms] of UNITS) {
    const whole = Math.floor(Math.abs(diff) / ms);
    if (whole >= 1) return RELATIVE.format(diff < 0 ? -whole : whole, unit);
  }
  return 'now';
};

/** What the grid's `lastRun` is, as the Last run column shows it. */
export interface LastRunView {
  status: string;
  startedAt?: string | undefined;
  endedAt?: string | undefined;
}

/** `succeeded 3 minutes ago`, `running (started 1 minute ago)`, `queued`; `never` for none; `-` when not said. */
export const describeLastRun = (last: LastRunView | null | undefined, now: Date): string => {
  if (last === undefined) return '-';
  if (last === null) return 'never';
  if (last.endedAt !== undefined) return `${last.status} ${relativeTime(last.endedAt, now)}`;
  if (last.startedAt !== undefined) return `${last.status} (started ${relativeTime(last.startedAt, now)})`;
  return last.status;
};

/**
 * The Next run column, as Plutora's grid shows it: `in 3 minutes` for a
 * scheduled job (`now` when due), else `Running`, `Overdue`, `Disabled` or
 * `Webhook`; `-` when the stack does not say (older than the grid).
 */
export const describeNextRun = (
  nextRun: string | undefined,
  nextRunAt: string | null | undefined,
  now: Date,
): string => {
  switch (nextRun) {
    case 'scheduled': {
      if (nextRunAt === null || nextRunAt === undefined) return 'Scheduled';
      const when = relativeTime(nextRunAt, now);
      // Due, not yet claimed: the scheduler takes it within its next tick.
      return when.endsWith(' ago') ? 'now' : when;
    }
    case 'running':
      return 'Running';
    case 'overdue':
      return 'Overdue';
    case 'disabled':
      return 'Disabled';
    case 'webhook':
      return 'Webhook';
    default:
      return nextRun === undefined ? '-' : cell(nextRun, 20);
  }
};

/** Clears a terminal and puts the cursor top left (`--watch` redraws). */
export const CLEAR_SCREEN = '\u001b[2J\u001b[H';
