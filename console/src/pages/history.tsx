// A job's runs, newest first: filters in the URL (a filtered view can be shared), stop for
// open runs, replay for ended ones, bulk replay of the filtered set, each run's log in a tab.
import './history.css';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, seg } from '../api.ts';
import { BulkReplayDialog } from '../components/history-bulk-replay.tsx';
import type { HistoryFilter } from '../components/history-bulk-replay.tsx';
import { ReplayButton, RunLink, StopButton, canReplay, isOpen } from '../components/history-actions.tsx';
import { NoRunsYet } from '../components/history-empty.tsx';
import type { PageProps } from '../page.ts';
import { navigate, to } from '../router.ts';
import type { Job, Page, Run, RunStatus, RunSummary } from '../types.ts';
import {
  EmptyState,
  ErrorNote,
  StatusChip,
  Time,
  formatDuration,
  useFollowAfterAction,
  useLoad,
  useTick,
} from '../ui.tsx';

type FiredBy = NonNullable<Run['firedBy']>;

/** Every status a run can have, as the filter offers them (a Record: a new status fails the type check). */
const STATUSES: Record<RunStatus, string> = {
  queued: 'queued',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  stopped: 'stopped',
  timed_out: 'timed out',
  skipped: 'skipped',
};
const TRIGGERS: Record<FiredBy, string> = {
  webhook: 'webhook',
  schedule: 'schedule',
  manual: 'run now (manual)',
  replay: 'replay',
};

const PAGE_SIZE = 25;
/** While a listed run is open the page refreshes this often. */
const REFRESH_MS = 5000;

const QUICK_RANGES: [string, number][] = [
  ['Last hour', 3_600_000],
  ['Last 24 h', 86_400_000],
  ['Last 7 days', 7 * 86_400_000],
];

const pad = (n: number): string => String(n).padStart(2, '0');

/** An ISO time as a datetime-local input's value (the browser's own time zone). */
const toLocalInput = (iso: string | undefined): string => {
  if (iso === undefined) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** A datetime-local value (local time, no zone) as the ISO time the API filters on. */
const fromLocalInput = (value: string): string | undefined => {
  if (value === '') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
};

const filterOf = (query: URLSearchParams): HistoryFilter => {
  const get = (k: string): string | undefined => query.get(k) || undefined;
  return { status: get('status'), firedBy: get('firedBy'), from: get('from'), to: get('to') };
};

/** endedAt − startedAt; `running for …` while it runs; nothing before it starts. */
const Duration = ({ run, now }: { run: RunSummary; now: number }) => {
  if (run.startedAt === undefined) return <span class="muted">—</span>;
  if (run.endedAt === undefined) {
    return run.status === 'running' ? (
      <span>running for {formatDuration(now - Date.parse(run.startedAt))}</span>
    ) : (
      <span class="muted">—</span>
    );
  }
  return <span>{formatDuration(run.durationMs ?? Date.parse(run.endedAt) - Date.parse(run.startedAt))}</span>;
};

/** A decision's verdict, else the run's message (else its last error). */
const Outcome = ({ run }: { run: RunSummary }) => {
  if (run.verdict !== undefined) {
    return (
      <span>
        <strong>{run.verdict.allow ? 'allow' : 'deny'}</strong> – {run.verdict.message}
        {run.verdict.fallback ? <span class="muted"> (onError fallback)</span> : null}
      </span>
    );
  }
  const text = run.message ?? run.error;
  return text === undefined ? <span class="muted">—</span> : <span class="history-message">{text}</span>;
};

const Trigger = ({ run }: { run: RunSummary }) => {
  // Runs recorded before `firedBy` existed were webhook runs.
  const firedBy = run.firedBy ?? 'webhook';
  return (
    <span>
      {firedBy}
      {run.replayOf === undefined ? null : (
        <>
          {' of '}
          <RunLink id={run.replayOf} label={`Run ${run.replayOf}, which this run replays`}>
            …{run.replayOf.slice(-6)}
          </RunLink>
        </>
      )}
      {run.trigger !== '' && run.trigger !== firedBy ? <span class="muted"> · {run.trigger}</span> : null}
    </span>
  );
};

/** One job's history; keyed by the job, so moving to another job's starts afresh (no dialog, no pages). */
export const HistoryPage = ({ params, query }: PageProps) => (
  <JobHistory key={params.id ?? ''} id={params.id ?? ''} query={query} />
);

const JobHistory = ({ id, query }: { id: string; query: URLSearchParams }) => {
  const filter = filterOf(query);
  const filterKey = JSON.stringify(filter);
  const base = `/jobs/${encodeURIComponent(id)}/history`;
  const setFilter = (patch: HistoryFilter): void => navigate(base, { ...filter, ...patch });

  const job = useLoad(() => api.get<Job>(`/jobs/${seg(id)}`), [id]);
  const [live, setLive] = useState(false);
  const first = useLoad(
    () => api.get<Page<RunSummary>>(`/jobs/${seg(id)}/runs`, { ...filter, limit: PAGE_SIZE }),
    [id, filterKey],
    live ? REFRESH_MS : undefined,
  );
  // "More" pages, kept under the first one (which refreshes) until the filters change.
  const [more, setMore] = useState<{
    items: RunSummary[];
    cursor?: string;
    loaded: boolean;
    error?: unknown;
  }>({
    items: [],
    loaded: false,
  });
  useEffect(() => setMore({ items: [], loaded: false }), [id, filterKey]);
  const [bulk, setBulk] = useState(false);

  const seen = new Set<string>();
  const rows = [...(first.data?.items ?? []), ...more.items].filter((r) => !seen.has(r.id) && seen.add(r.id));
  const anyOpen = rows.some((r) => isOpen(r.status));
  // After a Replay or Stop the list follows for a while even when no open run shows: in a
  // filtered list (`status=failed`…) the new run matches only once it has ended.
  const [followedAction, followAction] = useFollowAfterAction();
  const acted = (): void => {
    followAction();
    first.reload();
  };
  const following = anyOpen || followedAction;
  useEffect(() => setLive(following), [following]);
  const now = useTick(anyOpen ? 1000 : 60_000);
  const nextCursor = more.loaded ? more.cursor : first.data?.nextCursor;

  useEffect(() => {
    document.title = `History of ${id} · triggerhub`;
  }, [id]);

  const loadMore = async (): Promise<void> => {
    if (nextCursor === undefined) return;
    try {
      const page = await api.get<Page<RunSummary>>(`/jobs/${seg(id)}/runs`, {
        ...filter,
        limit: PAGE_SIZE,
        cursor: nextCursor,
      });
      setMore((m) => ({ items: [...m.items, ...page.items], cursor: page.nextCursor, loaded: true }));
    } catch (error) {
      setMore((m) => ({ ...m, error }));
    }
  };

  const filtered = Object.values(filter).some((v) => v !== undefined);
  // A filter the API refuses (400 invalid_filter, e.g. From after To): the rows on screen are not its answer.
  const refused = first.error instanceof ApiError && first.error.status === 400;
  const jobName = job.data?.name;

  return (
    <section class="history">
      <p class="history-crumbs">
        <a href={to('/jobs')}>Jobs</a> / <a href={to(`/jobs/${encodeURIComponent(id)}`)}>{jobName ?? id}</a>
      </p>
      <div class="history-head">
        <h1>
          History of <span class="history-job">{jobName ?? id}</span>
        </h1>
        <span class="spacer" />
        <button type="button" onClick={first.reload} disabled={first.loading}>
          Refresh
        </button>
        <button type="button" onClick={() => setBulk(true)}>
          Replay these…
        </button>
      </div>
      <form class="toolbar history-filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <div class="history-filter">
          <label for="history-status">Status</label>
          <select
            id="history-status"
            value={filter.status ?? ''}
            onChange={(e) => setFilter({ status: e.currentTarget.value || undefined })}
          >
            <option value="">All statuses</option>
            {Object.entries(STATUSES).map(([value, label]) => (
              <option value={value}>{label}</option>
            ))}
          </select>
        </div>
        <div class="history-filter">
          <label for="history-trigger">Trigger</label>
          <select
            id="history-trigger"
            value={filter.firedBy ?? ''}
            onChange={(e) => setFilter({ firedBy: e.currentTarget.value || undefined })}
          >
            <option value="">All triggers</option>
            {Object.entries(TRIGGERS).map(([value, label]) => (
              <option value={value}>{label}</option>
            ))}
          </select>
        </div>
        <div class="history-filter">
          <label for="history-from">From</label>
          <input
            id="history-from"
            type="datetime-local"
            value={toLocalInput(filter.from)}
            onChange={(e) => setFilter({ from: fromLocalInput(e.currentTarget.value) })}
          />
        </div>
        <div class="history-filter">
          <label for="history-to">To</label>
          <input
            id="history-to"
            type="datetime-local"
            value={toLocalInput(filter.to)}
            onChange={(e) => setFilter({ to: fromLocalInput(e.currentTarget.value) })}
          />
        </div>
        <div class="history-quick" role="group" aria-label="Quick time ranges">
          {QUICK_RANGES.map(([label, ms]) => (
            <button
              type="button"
              class="ghost"
              onClick={() => setFilter({ from: new Date(Date.now() - ms).toISOString(), to: undefined })}
            >
              {label}
            </button>
          ))}
        </div>
        {filtered ? (
          <button type="button" class="ghost" onClick={() => navigate(base)}>
            Clear filters
          </button>
        ) : null}
      </form>
      {anyOpen ? <p class="muted history-live">Runs are open: this list refreshes every 5 seconds.</p> : null}
      <ErrorNote error={first.error ?? job.error} />
      {first.data === undefined || refused ? (
        first.error === undefined ? (
          <p class="muted">Loading…</p>
        ) : null
      ) : rows.length === 0 ? (
        filtered ? (
          <EmptyState title="No runs match these filters">
            <p>
              <a href={to(base)}>Show every run of this job</a>, or widen the time range.
            </p>
          </EmptyState>
        ) : job.data !== undefined ? (
          <NoRunsYet job={job.data} />
        ) : null
      ) : (
        <table class="history-runs">
          <caption class="visually-hidden">Runs of {jobName ?? id}, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Trigger</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Message or verdict</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((run) => (
              <tr key={run.id} data-run-id={run.id}>
                <td>
                  <StatusChip status={run.status} />
                </td>
                <td>
                  <Trigger run={run} />
                </td>
                <td>
                  {run.startedAt === undefined ? (
                    <span class="muted">
                      {run.status === 'queued' ? 'queued ' : 'created '}
                      <Time iso={run.createdAt} now={now} />
                    </span>
                  ) : (
                    <Time iso={run.startedAt} now={now} />
                  )}
                </td>
                <td>
                  <Duration run={run} now={now} />
                </td>
                <td>
                  <Outcome run={run} />
                </td>
                <td class="actions">
                  <RunLink id={run.id} label={`Log of run ${run.id}`}>
                    Log
                  </RunLink>{' '}
                  {isOpen(run.status) ? (
                    <StopButton runId={run.id} onDone={acted} />
                  ) : canReplay(run) ? (
                    <ReplayButton runId={run.id} onDone={acted} />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorNote error={more.error} />
      {nextCursor === undefined ? null : (
        <p class="history-more">
          <button type="button" onClick={() => void loadMore()}>
            More
          </button>
        </p>
      )}
      {bulk ? (
        <BulkReplayDialog jobId={id} filter={filter} onClose={() => setBulk(false)} onReplayed={acted} />
      ) : null}
    </section>
  );
};
