// The jobs grid (Plutora's): every job with its trigger, last run, next run, an enabled
// switch, a red stop while runs are open, and its actions. Refreshed every minute.
import './jobs.css';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, seg } from '../api.ts';
import { RunNowDialog } from '../components/grid-run-now.tsx';
import type { PageProps } from '../page.ts';
import { to } from '../router.ts';
import type { Job, JobGridItem, Page } from '../types.ts';
import {
  Command,
  ConfirmDialog,
  EmptyState,
  ErrorNote,
  StatusChip,
  Time,
  useFollowAfterAction,
  useLoad,
  useTick,
} from '../ui.tsx';

/** Jobs per page of the grid; "More jobs" loads the next. */
const PAGE_SIZE = 50;
/** Plutora's grid refreshes every minute. */
const REFRESH_MS = 60_000;
/** At most this many pages are held (and re-read on a refresh). */
const MAX_PAGES = 20;
/**
 * While something is happening — a run open, a scheduled occurrence due, a Run now or Stop just
 * sent — the grid is re-read this often, so that `Running`, the run's end and `stopped` show
 * within seconds rather than at the next minute's refresh.
 */
const FOLLOW_MS = 3000;

const jobPath = (id: string): string => `/jobs/${encodeURIComponent(id)}`;

/** What fires the job, as a sentence: its schedule, its webhook, or on demand only. */
const Trigger = ({ job }: { job: JobGridItem }) => {
  const parts: ComponentChildren[] = [];
  if (job.schedule !== null) parts.push(<span>{job.schedule}</span>);
  if (job.webhook !== false) {
    const what = job.mode === 'decision' ? 'decision' : 'webhook';
    parts.push(
      <span>
        {what}: <code>POST /hooks/{job.id}</code>
        {job.source !== 'generic' || job.event !== undefined ? (
          <span class="muted">
            {' '}
            ({[job.source, job.event].filter((p) => p !== undefined && p !== 'generic').join(' ')})
          </span>
        ) : null}
      </span>,
    );
  }
  if (parts.length === 0) parts.push(<span class="muted">on demand only (Run now)</span>);
  return <div class="grid-trigger">{parts}</div>;
};

/** `in 3 minutes` counting down, or what stands for the next run instead. */
const NextRun = ({ job, now }: { job: JobGridItem; now: number }) => {
  switch (job.nextRun) {
    case 'running':
      return <span class="chip chip-running">Running</span>;
    case 'overdue':
      return (
        <span>
          <span class="chip chip-overdue">Overdue</span> <Time iso={job.nextRunAt} now={now} />
        </span>
      );
    case 'disabled':
      return <span class="chip chip-disabled">Disabled</span>;
    case 'webhook':
      return (
        <span class="muted">
          {job.webhook === false ? 'on demand' : job.mode === 'decision' ? 'on request' : 'on webhook'}
        </span>
      );
    default:
      return <Time iso={job.nextRunAt} now={now} />;
  }
};

type Notice = { text: ComponentChildren } | { error: unknown };

const Row = ({
  job,
  now,
  onChanged,
  onNotice,
  onRunNow,
  onDelete,
}: {
  job: JobGridItem;
  now: number;
  onChanged: () => void;
  onNotice: (notice: Notice) => void;
  onRunNow: () => void;
  onDelete: () => void;
}) => {
  const [busy, setBusy] = useState(false);
  // Shown at once; the grid's next answer confirms it (or the refusal puts it back).
  const [enabled, setEnabled] = useState<boolean | undefined>(undefined);
  const shownEnabled = enabled ?? job.enabled;
  // The grid's next answer is the truth again.
  useEffect(() => setEnabled(undefined), [job]);

  const toggle = async (next: boolean): Promise<void> => {
    setBusy(true);
    setEnabled(next);
    try {
      // The grid's row is not the stored definition: the job is read, then put back changed.
      const stored = await api.get<Job>(`/jobs/${seg(job.id)}`);
      await api.send('PUT', `/jobs/${seg(job.id)}`, { ...stored, enabled: next }, { verify: false });
      onNotice({ text: `${job.name} ${next ? 'enabled' : 'disabled'}.` });
      onChanged();
    } catch (error) {
      setEnabled(undefined);
      onNotice({ error });
    } finally {
      setBusy(false);
    }
  };

  const stop = async (): Promise<void> => {
    setBusy(true);
    try {
      const answer = await api.send<{ stopped: string[]; stopping: string[] }>(
        'POST',
        `/jobs/${seg(job.id)}/stop`,
      );
      const said = [
        answer.stopped.length > 0 ? `${answer.stopped.length} stopped` : '',
        answer.stopping.length > 0 ? `${answer.stopping.length} stopping` : '',
      ].filter((s) => s !== '');
      onNotice({ text: `${job.name}: ${said.length === 0 ? 'no open runs left' : said.join(', ')}.` });
      onChanged();
    } catch (error) {
      onNotice({ error });
    } finally {
      setBusy(false);
    }
  };

  const open = job.openRuns > 0 || job.nextRun === 'running';
  return (
    <tr>
      <td class="grid-job">
        <a href={to(jobPath(job.id))} class="grid-name">
          {job.name}
        </a>
        <div class="muted grid-id">{job.id}</div>
      </td>
      <td>
        <Trigger job={job} />
      </td>
      <td>
        {job.lastRun === null ? (
          <span class="muted">never</span>
        ) : (
          <a
            href={to(`/runs/${encodeURIComponent(job.lastRun.id)}`)}
            target="_blank"
            rel="noopener"
            class="grid-last"
            aria-label={`Last run of ${job.name}: ${job.lastRun.status.replace(/_/g, ' ')}, opens in a new tab`}
          >
            <StatusChip status={job.lastRun.status} />{' '}
            <Time iso={job.lastRun.endedAt ?? job.lastRun.startedAt} now={now} />
          </a>
        )}
      </td>
      <td class="grid-next">
        <NextRun job={{ ...job, nextRun: shownEnabled ? job.nextRun : 'disabled' }} now={now} />
        {job.openRuns > 0 ? (
          <div class="muted grid-open">
            {job.openRuns >= 100 ? '100+' : job.openRuns} open {job.openRuns === 1 ? 'run' : 'runs'}
          </div>
        ) : null}
      </td>
      <td>
        <label class="switch">
          <input
            type="checkbox"
            role="switch"
            checked={shownEnabled}
            disabled={busy}
            aria-label={`Enabled ${job.name}`}
            onChange={(e) => void toggle(e.currentTarget.checked)}
          />
          <span aria-hidden="true">{shownEnabled ? 'On' : 'Off'}</span>
        </label>
      </td>
      <td class="actions">
        {open ? (
          <button
            type="button"
            class="stop"
            disabled={busy}
            aria-label={`Stop open runs of ${job.name}`}
            title="Stop its open runs"
            onClick={() => void stop()}
          >
            Stop
          </button>
        ) : null}{' '}
        {/* A decision job runs when its caller asks for a verdict: there is nothing to run now. */}
        {job.mode === 'decision' ? null : (
          <>
            <button type="button" onClick={onRunNow} aria-label={`Run ${job.name} now`}>
              Run now
            </button>{' '}
          </>
        )}
        <a class="button" href={to(`${jobPath(job.id)}/history`)} aria-label={`History of ${job.name}`}>
          History
        </a>{' '}
        {job.tickets === undefined ? null : (
          <>
            <a class="button" href={to(`${jobPath(job.id)}/tasks`)} aria-label={`Tasks of ${job.name}`}>
              Tasks
            </a>{' '}
          </>
        )}
        <a class="button" href={to(jobPath(job.id))} aria-label={`Edit ${job.name}`}>
          Edit
        </a>{' '}
        <button type="button" class="ghost grid-delete" onClick={onDelete} aria-label={`Delete ${job.name}`}>
          Delete
        </button>
      </td>
    </tr>
  );
};

const DeleteDialog = ({
  job,
  onClose,
  onDeleted,
}: {
  job: JobGridItem;
  onClose: () => void;
  onDeleted: () => void;
}) => (
  <ConfirmDialog
    title={`Delete ${job.name}`}
    confirmLabel="Delete job"
    busyLabel="Deleting…"
    action={async () => {
      await api.send('DELETE', `/jobs/${seg(job.id)}`);
      onDeleted();
    }}
    onClose={onClose}
  >
    <p>
      Delete job <strong>{job.name}</strong> (<code>{job.id}</code>)? Its runs stay until they expire.
    </p>
  </ConfirmDialog>
);

export const JobsPage = (_props: PageProps) => {
  const now = useTick(1000);
  const [pages, setPages] = useState(1);
  const [notice, setNotice] = useState<Notice | undefined>(undefined);
  const [dialog, setDialog] = useState<{ kind: 'run' | 'delete'; job: JobGridItem } | undefined>(undefined);
  const grid = useLoad(
    async () => {
      // Every page shown so far, read again: a refresh shows them all as they are now.
      const items: JobGridItem[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < pages; i++) {
        const page = await api.get<Page<JobGridItem>>('/jobs', { limit: PAGE_SIZE, cursor });
        items.push(...page.items);
        cursor = page.nextCursor;
        if (cursor === undefined) break;
      }
      return { items, more: cursor !== undefined, at: new Date().toISOString() };
    },
    [pages],
    REFRESH_MS,
  );
  const data = grid.data;
  // Until when an action of this page asks the grid to follow (0: none).
  const [followingAction, follow] = useFollowAfterAction();
  const busy =
    followingAction ||
    (data?.items.some(
      (job) =>
        job.openRuns > 0 ||
        job.nextRun === 'running' ||
        // Due: the scheduler claims it within a tick (else it turns `overdue`, which ends this).
        (job.nextRun === 'scheduled' && job.nextRunAt !== null && Date.parse(job.nextRunAt) <= now),
    ) ??
      false);
  useEffect(() => {
    if (!busy || grid.loading) return undefined;
    const timer = setTimeout(() => {
      if (document.visibilityState === 'visible') grid.reload();
    }, FOLLOW_MS);
    return () => clearTimeout(timer);
    // Re-armed after every answer (data) while busy: one re-read at a time.
  }, [busy, data, grid.loading]);

  return (
    <section>
      <h1>Jobs</h1>
      <div class="toolbar">
        <a class="button primary" href={to('/jobs/new')}>
          New job
        </a>
        <span class="spacer" />
        {data === undefined ? null : (
          <span class="muted" aria-live="polite">
            Updated <Time iso={data.at} now={now} />
          </span>
        )}
        <button type="button" onClick={grid.reload} disabled={grid.loading}>
          {grid.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {notice === undefined ? null : 'error' in notice ? (
        <ErrorNote error={notice.error} />
      ) : (
        <p class="notice" role="status">
          {notice.text}
        </p>
      )}
      <ErrorNote error={grid.error} />
      {data === undefined ? (
        grid.loading ? (
          <p class="muted">Loading jobs…</p>
        ) : null
      ) : data.items.length === 0 ? (
        <EmptyState title="No jobs yet">
          <p>
            A job is a configured integration with its webhook, schedule and parameters. Create the demo job:
          </p>
          <Command text="npx triggerhub jobs apply examples/jobs/demo.json" />
          <p>
            or <a href={to('/jobs/new')}>create a job here</a>.
          </p>
        </EmptyState>
      ) : (
        <>
          <table class="grid">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Trigger / Schedule</th>
                <th scope="col">Last run</th>
                <th scope="col">Next run</th>
                <th scope="col">Enabled</th>
                <th scope="col" class="actions">
                  Actions
                </th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((job) => (
                <Row
                  key={job.id}
                  job={job}
                  now={now}
                  onChanged={() => (follow(), grid.reload())}
                  onNotice={setNotice}
                  onRunNow={() => setDialog({ kind: 'run', job })}
                  onDelete={() => setDialog({ kind: 'delete', job })}
                />
              ))}
            </tbody>
          </table>
          {data.more && pages < MAX_PAGES ? (
            <p>
              <button type="button" onClick={() => setPages((n) => n + 1)} disabled={grid.loading}>
                More jobs
              </button>
            </p>
          ) : null}
        </>
      )}
      {dialog?.kind === 'run' ? (
        <RunNowDialog
          job={dialog.job}
          onClose={() => setDialog(undefined)}
          onQueued={(runId) => {
            setDialog(undefined);
            setNotice({
              text: (
                <>
                  Run{' '}
                  <a href={to(`/runs/${encodeURIComponent(runId)}`)} target="_blank" rel="noopener">
                    {runId}
                  </a>{' '}
                  queued.
                </>
              ),
            });
            follow();
            grid.reload();
          }}
        />
      ) : dialog?.kind === 'delete' ? (
        <DeleteDialog
          job={dialog.job}
          onClose={() => setDialog(undefined)}
          onDeleted={() => {
            setNotice({ text: `Job ${dialog.job.name} deleted.` });
            setDialog(undefined);
            grid.reload();
          }}
        />
      ) : null}
    </section>
  );
};
