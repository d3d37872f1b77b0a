// The job page's schedule editor: frequency or cron, every, start on, time zone, catch-up
// and overlap, with the server's own sentence and next five occurrences (POST
// /admin/schedules/preview, so the console never re-implements the schedule rules).
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import type { Schedule } from '../types.ts';
import { errorText, fromNow } from '../ui.tsx';
import { describedBy, fieldId } from './job-fields.tsx';

/** What the editor's fields hold: text as typed, so that a bad value reaches the API's check. */
export interface ScheduleDraft {
  kind: 'none' | 'frequency' | 'cron';
  frequency: string;
  every: string;
  startOn: string;
  timezone: string;
  catchUp: string;
  maxCatchUp: string;
  overlap: string;
  cron: string;
}

const FREQUENCIES: [string, string][] = [
  ['minute', 'minutes'],
  ['hourly', 'hours'],
  ['daily', 'days'],
  ['weekly', 'weeks'],
  ['monthly', 'months'],
];

/** The zone this browser is in (a new schedule's default). */
export const browserZone = (): string => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
};

const zones = (current: string): string[] => {
  let all: string[] = [];
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    // An older browser: the current and UTC only.
  }
  const list = new Set(['UTC', ...all]);
  list.add(current);
  return [...list];
};

/** A job's schedule as the editor's fields (none: "No schedule", with a fresh draft behind it). */
export const scheduleDraftOf = (s: Schedule | undefined): ScheduleDraft => {
  const base: ScheduleDraft = {
    kind: 'none',
    frequency: 'hourly',
    every: '1',
    startOn: '',
    timezone: browserZone(),
    catchUp: 'latest',
    maxCatchUp: '100',
    overlap: 'skip',
    cron: '',
  };
  if (s === undefined) return base;
  const policies = {
    timezone: s.timezone,
    catchUp: s.catchUp,
    maxCatchUp: String(s.maxCatchUp),
    overlap: s.overlap,
  };
  if ('cron' in s) return { ...base, ...policies, kind: 'cron', cron: s.cron };
  return {
    ...base,
    ...policies,
    kind: 'frequency',
    frequency: s.frequency,
    every: String(s.every),
    // datetime-local shows minutes; the API takes `…T09:00` as well as `…T09:00:00`.
    startOn: (s.startOn ?? '').slice(0, 16),
  };
};

/** A number as typed: the text itself when it is not one, so that the API names the field. */
const numberOf = (text: string): number | string =>
  text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;

/** The draft as the API's `schedule`, or undefined for "No schedule". */
export const scheduleOf = (d: ScheduleDraft): Record<string, unknown> | undefined => {
  if (d.kind === 'none') return undefined;
  const policies = {
    timezone: d.timezone,
    catchUp: d.catchUp,
    ...(d.catchUp === 'all' ? { maxCatchUp: numberOf(d.maxCatchUp) } : {}),
    overlap: d.overlap,
  };
  if (d.kind === 'cron') return { cron: d.cron, ...policies };
  return {
    frequency: d.frequency,
    every: numberOf(d.every),
    ...(d.startOn === '' ? {} : { startOn: d.startOn }),
    ...policies,
  };
};

export interface Preview {
  description?: string;
  next?: string[];
  error?: unknown;
  /** The API's field at fault (`schedule.every`) and its message. */
  fieldErrors: Record<string, string>;
}

/** The server's reading of a schedule, asked ~300 ms after the last change. */
export const useSchedulePreview = (schedule: Record<string, unknown> | undefined): Preview | undefined => {
  const [preview, setPreview] = useState<Preview | undefined>(undefined);
  const key = schedule === undefined ? '' : JSON.stringify(schedule);
  useEffect(() => {
    if (schedule === undefined) {
      setPreview(undefined);
      return undefined;
    }
    let live = true;
    const timer = setTimeout(() => {
      api.send<{ description: string; next: string[] }>('POST', '/schedules/preview', { schedule }).then(
        (answer) => live && setPreview({ ...answer, fieldErrors: {} }),
        (error: unknown) =>
          live &&
          setPreview({
            error,
            fieldErrors:
              error instanceof ApiError && error.param !== undefined ? { [error.param]: error.message } : {},
          }),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key]);
  return preview;
};

/** The next occurrences as a list of times (exact time shown; "in 2 hours" beside it). */
export const Occurrences = ({ next }: { next: string[] }) => (
  <ol class="occurrences" aria-label="Next occurrences">
    {next.map((iso) => (
      <li key={iso}>
        <time dateTime={iso}>{new Date(iso).toLocaleString()}</time>{' '}
        <span class="muted">({fromNow(iso)})</span>
      </li>
    ))}
  </ol>
);

export const ScheduleEditor = ({
  draft,
  onChange,
  saveErrors,
}: {
  draft: ScheduleDraft;
  onChange: (d: ScheduleDraft) => void;
  /** Errors of the last save, by the API's `param`. */
  saveErrors: Record<string, string>;
}) => {
  const schedule = scheduleOf(draft);
  const preview = useSchedulePreview(schedule);
  const errors = { ...saveErrors, ...(preview?.fieldErrors ?? {}) };
  const set = (patch: Partial<ScheduleDraft>): void => onChange({ ...draft, ...patch });
  const id = (path: string): string => fieldId(`schedule.${path}`);
  const err = (path: string): string | undefined => errors[`schedule.${path}`];
  const control = (path: string, label: string, input: JSX.Element, help?: string) => (
    <div class={`field${err(path) ? ' field-invalid' : ''}`}>
      <label for={id(path)}>{label}</label>
      {input}
      {help ? (
        <p class="help" id={`${id(path)}-help`}>
          {help}
        </p>
      ) : null}
      {err(path) ? (
        <p class="field-error" id={`${id(path)}-error`} role="alert">
          {err(path)}
        </p>
      ) : null}
    </div>
  );
  const aria = (path: string, help?: boolean) =>
    describedBy(id(path), help === true, err(path) !== undefined);
  // An error about the schedule as a whole (or a field with no control of its own).
  const shown = new Set(
    ['every', 'frequency', 'startOn', 'timezone', 'catchUp', 'maxCatchUp', 'overlap', 'cron'].map(
      (f) => `schedule.${f}`,
    ),
  );
  const other = Object.entries(errors).filter(
    ([p]) => (p === 'schedule' || p.startsWith('schedule.')) && !shown.has(p),
  );
  return (
    <fieldset class="job-schedule">
      <legend>Schedule</legend>
      <div class="field">
        <label for={id('kind')}>Repeats</label>
        <select
          id={id('kind')}
          value={draft.kind}
          onChange={(e) => set({ kind: e.currentTarget.value as ScheduleDraft['kind'] })}
        >
          <option value="none">No schedule (when called)</option>
          <option value="frequency">Repeatedly, every…</option>
          <option value="cron">By a cron expression</option>
        </select>
      </div>
      {draft.kind === 'frequency' ? (
        <div class="job-row">
          {control(
            'every',
            'Every',
            <input
              id={id('every')}
              type="number"
              inputMode="numeric"
              min={1}
              max={1000}
              value={draft.every}
              aria-describedby={aria('every')}
              aria-invalid={err('every') ? true : undefined}
              onInput={(e) => set({ every: e.currentTarget.value })}
            />,
          )}
          {control(
            'frequency',
            'Frequency',
            <select
              id={id('frequency')}
              value={draft.frequency}
              onChange={(e) => set({ frequency: e.currentTarget.value })}
            >
              {FREQUENCIES.map(([value, label]) => (
                <option value={value}>{label}</option>
              ))}
            </select>,
          )}
          {control(
            'startOn',
            'Start on',
            <input
              id={id('startOn')}
              type="datetime-local"
              value={draft.startOn}
              aria-describedby={aria('startOn', true)}
              aria-invalid={err('startOn') ? true : undefined}
              onInput={(e) => set({ startOn: e.currentTarget.value })}
            />,
            'Local time in the zone below. Empty: the natural boundary (the top of the hour, midnight, Monday, the 1st).',
          )}
        </div>
      ) : null}
      {draft.kind === 'cron'
        ? control(
            'cron',
            'Cron expression',
            <input
              id={id('cron')}
              type="text"
              spellcheck={false}
              value={draft.cron}
              placeholder="0 9 * * 1-5"
              aria-describedby={aria('cron', true)}
              aria-invalid={err('cron') ? true : undefined}
              onInput={(e) => set({ cron: e.currentTarget.value })}
            />,
            'Five fields: minute hour day-of-month month day-of-week.',
          )
        : null}
      {draft.kind !== 'none' ? (
        <>
          <div class="job-row">
            {control(
              'timezone',
              'Time zone',
              <select
                id={id('timezone')}
                value={draft.timezone}
                aria-describedby={aria('timezone')}
                onChange={(e) => set({ timezone: e.currentTarget.value })}
              >
                {zones(draft.timezone).map((z) => (
                  <option value={z}>{z}</option>
                ))}
              </select>,
            )}
            {control(
              'catchUp',
              'Catch-up',
              <select
                id={id('catchUp')}
                value={draft.catchUp}
                aria-describedby={aria('catchUp', true)}
                onChange={(e) => set({ catchUp: e.currentTarget.value })}
              >
                <option value="latest">latest: run the newest missed</option>
                <option value="all">all: run every missed one</option>
                <option value="skip">skip: run none</option>
              </select>,
              'What runs of the occurrences missed while the scheduler was down or the job disabled.',
            )}
            {draft.catchUp === 'all'
              ? control(
                  'maxCatchUp',
                  'At most',
                  <input
                    id={id('maxCatchUp')}
                    type="number"
                    min={1}
                    max={1000}
                    value={draft.maxCatchUp}
                    aria-describedby={aria('maxCatchUp')}
                    aria-invalid={err('maxCatchUp') ? true : undefined}
                    onInput={(e) => set({ maxCatchUp: e.currentTarget.value })}
                  />,
                )
              : null}
            {control(
              'overlap',
              'Overlap',
              <select
                id={id('overlap')}
                value={draft.overlap}
                aria-describedby={aria('overlap', true)}
                onChange={(e) => set({ overlap: e.currentTarget.value })}
              >
                <option value="skip">skip: record it skipped</option>
                <option value="queue">queue: run it after</option>
              </select>,
              'An occurrence due while the previous scheduled run still runs.',
            )}
          </div>
          {other.map(([p, message]) => (
            <p class="field-error" role="alert" key={p}>
              {message}
            </p>
          ))}
          <div class="job-preview" aria-live="polite">
            {preview === undefined ? (
              <p class="muted">Reading the schedule…</p>
            ) : preview.description !== undefined && preview.next !== undefined ? (
              <>
                <p>
                  Runs <strong>{preview.description}</strong>.{' '}
                  {preview.next.length === 0 ? 'It never fires again.' : 'Next five occurrences:'}
                </p>
                <Occurrences next={preview.next} />
              </>
            ) : Object.keys(preview.fieldErrors).length === 0 ? (
              <p class="error">{errorText(preview.error)}</p>
            ) : (
              <p class="muted">Fix the field marked above to see the next occurrences.</p>
            )}
          </div>
        </>
      ) : null}
    </fieldset>
  );
};
