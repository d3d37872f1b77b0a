// A ticket job's tasks (`GET /admin/jobs/{id}/tasks`): what its alerts opened in the target,
// newest first, with the link a person follows and how many alerts each task stands for.
import './tasks.css';
import { useState } from 'preact/hooks';
import { ApiError, api, seg } from '../api.ts';
import type { Job, Page, TaskStatus, TaskView } from '../types.ts';
import type { PageProps } from '../page.ts';
import { navigate, to } from '../router.ts';
import { Command, EmptyState, ErrorNote, StatusChip, Time, useLoad } from '../ui.tsx';

/** The server's TASK_STATUSES, written out: importing them would bundle zod. `satisfies` keeps the two in step. */
const STATUSES = [
  'new',
  'in_progress',
  'on_hold',
  'closed',
  'deleted',
  'other',
] as const satisfies readonly TaskStatus[];
const PAGE_SIZE = 50;

/**
 * A task's link as a link only when it is http(s): the target answers it, and a
 * `javascript:` or `data:` one must never become something a click runs.
 */
export const TaskLink = ({ href }: { href: string }) => {
  let safe = false;
  try {
    const protocol = new URL(href).protocol;
    safe = protocol === 'https:' || protocol === 'http:';
  } catch {
    // Not a URL: shown as text.
  }
  return safe ? (
    <a href={href} target="_blank" rel="noopener noreferrer" title={href}>
      {href}
    </a>
  ) : (
    <span class="muted">{href}</span>
  );
};

/** `NS-48220 (+1)`: the first alert, and how many more the task took. */
const alertsText = (ids: readonly string[]): string =>
  ids.length === 0 ? '—' : ids.length === 1 ? (ids[0] ?? '') : `${ids[0] ?? ''} (+${ids.length - 1})`;

export const TasksPage = ({ params, query }: PageProps) => {
  const jobId = params.id ?? '';
  const status = query.get('status') ?? '';
  const jobHref = to(`/jobs/${encodeURIComponent(jobId)}`);
  // Pages after the first, appended by "More"; dropped whenever the first page loads again.
  const [more, setMore] = useState<{ items: TaskView[]; nextCursor: string | undefined } | undefined>(
    undefined,
  );
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const first = useLoad(async () => {
    const page = await api.get<Page<TaskView>>(`/jobs/${seg(jobId)}/tasks`, { status, limit: PAGE_SIZE });
    setMore(undefined);
    setMoreError(undefined);
    return page;
  }, [jobId, status]);

  // The heading names the job as the operator named it; its id stays beside it, muted.
  const job = useLoad(() => api.get<Job>(`/jobs/${seg(jobId)}`), [jobId]);
  const jobName = job.data?.name;

  const loadMore = async (cursor: string): Promise<void> => {
    try {
      const page = await api.get<Page<TaskView>>(`/jobs/${seg(jobId)}/tasks`, {
        status,
        limit: PAGE_SIZE,
        cursor,
      });
      setMoreError(undefined);
      setMore((m) => ({ items: [...(m?.items ?? []), ...page.items], nextCursor: page.nextCursor }));
    } catch (error) {
      setMoreError(error);
    }
  };

  const heading = (
    <>
      <h1>
        Tasks of {jobName ?? jobId}
        {jobName === undefined || jobName === jobId ? null : <span class="muted tasks-job-id"> {jobId}</span>}
      </h1>
      <p class="muted">
        What this job's alerts opened in its target, newest first. <a href={jobHref}>Back to the job</a>
      </p>
    </>
  );

  if (first.error instanceof ApiError && first.error.code === 'not_a_ticket_job') {
    return (
      <section>
        {heading}
        <p class="notice" role="status">
          <strong>{jobId}</strong> is not a ticket job: it has no <code>tickets</code>, so it opens no tasks.
          Give it a <code>tickets</code> section (a queue and a rule) to turn its alerts into tasks.
        </p>
      </section>
    );
  }
  if (first.error instanceof ApiError && first.error.status === 404) {
    return (
      <section>
        {heading}
        <ErrorNote error={first.error} />
        <p>
          <a href={to('/jobs')}>Back to the jobs</a>
        </p>
      </section>
    );
  }

  const items = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  const cursor = more === undefined ? first.data?.nextCursor : more.nextCursor;
  return (
    <section>
      {heading}
      <div class="toolbar">
        <div class="field tasks-filter">
          <label for="tasks-status">Status</label>
          <select
            id="tasks-status"
            value={status}
            onChange={(e) =>
              navigate(`/jobs/${encodeURIComponent(jobId)}/tasks`, { status: e.currentTarget.value })
            }
          >
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option value={s}>{s.replace(/_/g, ' ')}</option>
            ))}
          </select>
        </div>
        <span class="spacer" />
        <button type="button" onClick={first.reload} disabled={first.loading}>
          Refresh
        </button>
      </div>
      <ErrorNote error={first.error} />
      {first.data === undefined ? (
        first.loading ? (
          <p class="muted">Loading…</p>
        ) : null
      ) : items.length === 0 ? (
        status !== '' ? (
          <EmptyState title={`No ${status.replace(/_/g, ' ')} tasks`}>
            <p>
              <a href={to(`/jobs/${encodeURIComponent(jobId)}/tasks`)}>Show all the tasks</a>
            </p>
          </EmptyState>
        ) : (
          <EmptyState title="No tasks yet">
            <p>A task is opened when an alert this job receives matches its rule. Send one to try it:</p>
            <Command text={`npx triggerhub send ${jobId} -d @examples/payloads/alert-high.json --wait`} />
            <p class="muted">
              The README's "Try tickets locally" runs a stand-in Jira or ServiceNow on this machine for the
              example jobs.
            </p>
          </EmptyState>
        )
      ) : (
        <div class="tasks-scroll">
          <table class="tasks">
            <caption class="muted">
              {items.length} task{items.length === 1 ? '' : 's'}
              {status === '' ? '' : ` in status ${status.replace(/_/g, ' ')}`}
              {cursor === undefined ? '' : ' (more below)'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Status</th>
                <th scope="col">Link</th>
                <th scope="col">Dedupe count</th>
                <th scope="col">Alerts</th>
                <th scope="col">Queue</th>
                <th scope="col">Created</th>
                <th scope="col">Updated</th>
                <th scope="col">Synced</th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.id}>
                  <td>
                    <strong>{t.key ?? t.id}</strong>
                    {t.key === undefined ? null : <div class="muted tasks-id">{t.id}</div>}
                  </td>
                  <td>
                    <StatusChip status={t.status} />
                  </td>
                  <td class="tasks-link">
                    <TaskLink href={t.link} />
                  </td>
                  <td>{t.dedupeCount}</td>
                  <td title={t.alertIds.join(', ')}>{alertsText(t.alertIds)}</td>
                  <td>{t.queue}</td>
                  <td>
                    <Time iso={t.createdAt} />
                  </td>
                  <td>
                    <Time iso={t.updatedAt} />
                  </td>
                  <td>
                    <Time iso={t.syncedAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorNote error={moreError} />
      {cursor === undefined ? null : (
        <p>
          <button type="button" onClick={() => void loadMore(cursor)}>
            More tasks
          </button>
        </p>
      )}
    </section>
  );
};
