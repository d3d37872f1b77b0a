// Notifications: what integrations (ctx.notifier) and the platform (a failed run, a job
// failing in a row, a refused request…) told operators, newest first, by severity and job.
import './notifications.css';
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { PageProps } from '../page.ts';
import { navigate, to } from '../router.ts';
import type { NotificationView, Page } from '../types.ts';
import { Command, EmptyState, ErrorNote, StatusChip, Time, useLoad, useTick } from '../ui.tsx';

const SEVERITIES = ['info', 'warn', 'error'] as const;
const PAGE_SIZE = 50;
/** At most this many pages are held (and re-read on a refresh). */
const MAX_PAGES = 20;

export const NotificationsPage = ({ query }: PageProps) => {
  const now = useTick(1000);
  const severity = query.get('severity') ?? '';
  const jobId = query.get('jobId') ?? '';
  const [jobText, setJobText] = useState(jobId);
  const [pages, setPages] = useState(1);
  const list = useLoad(
    async () => {
      const items: NotificationView[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < pages; i++) {
        const page = await api.get<Page<NotificationView>>('/notifications', {
          severity,
          jobId,
          limit: PAGE_SIZE,
          cursor,
        });
        items.push(...page.items);
        cursor = page.nextCursor;
        if (cursor === undefined) break;
      }
      return { items, more: cursor !== undefined };
    },
    [severity, jobId, pages],
    60_000,
  );
  const filter = (next: { severity?: string; jobId?: string }): void => {
    setPages(1);
    navigate('/notifications', { severity, jobId, ...next });
  };
  const filtered = severity !== '' || jobId !== '';

  return (
    <section>
      <h1>Notifications</h1>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          filter({ jobId: jobText.trim() });
        }}
      >
        <div class="field notifications-filter">
          <label for="notifications-severity">Severity</label>
          <select
            id="notifications-severity"
            value={severity}
            onChange={(e) => filter({ severity: e.currentTarget.value })}
          >
            <option value="">All</option>
            {SEVERITIES.map((s) => (
              <option value={s} key={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field notifications-filter">
          <label for="notifications-job">Job id</label>
          <input
            id="notifications-job"
            type="search"
            value={jobText}
            placeholder="every job"
            onInput={(e) => setJobText(e.currentTarget.value)}
          />
        </div>
        <button type="submit">Filter</button>
        <span class="spacer" />
        <button type="button" onClick={list.reload} disabled={list.loading}>
          {list.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </form>
      <ErrorNote error={list.error} />
      {list.data === undefined ? (
        list.loading ? (
          <p class="muted">Loading notifications…</p>
        ) : null
      ) : list.data.items.length === 0 ? (
        filtered ? (
          <EmptyState title="No notifications match these filters">
            <p>
              <a href={to('/notifications')}>Show every notification</a>.
            </p>
          </EmptyState>
        ) : (
          <EmptyState title="No notifications yet">
            <p>
              Nothing has needed your attention. Integrations send notifications through{' '}
              <code>ctx.notifier</code>; the platform adds one when a run fails, when a job fails three times
              in a row (error, also to SNS in AWS), when a schedule is overdue or a request is refused. They
              are kept 30 days. The same list from a terminal:
            </p>
            <Command text="npx triggerhub notifications --severity error" />
          </EmptyState>
        )
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Severity</th>
                <th scope="col">Kind</th>
                <th scope="col">Job</th>
                <th scope="col">Message</th>
                <th scope="col">Run</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((n) => (
                <tr key={n.id}>
                  <td class="notifications-when">
                    <Time iso={n.createdAt} now={now} />
                  </td>
                  <td>
                    <StatusChip status={n.severity} />
                  </td>
                  <td>
                    <code>{n.kind}</code>
                  </td>
                  <td>
                    <a href={to(`/jobs/${encodeURIComponent(n.jobId)}`)}>{n.jobId}</a>
                  </td>
                  <td class="notifications-message">{n.message}</td>
                  <td>
                    {n.runId === undefined ? (
                      <span class="muted">—</span>
                    ) : (
                      <a
                        href={to(`/runs/${encodeURIComponent(n.runId)}`)}
                        target="_blank"
                        rel="noopener"
                        aria-label={`Run ${n.runId} (opens in a new tab)`}
                      >
                        {n.runId.slice(-8)}
                      </a>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.data.more && pages < MAX_PAGES ? (
            <p>
              <button type="button" onClick={() => setPages((n) => n + 1)} disabled={list.loading}>
                More notifications
              </button>
            </p>
          ) : null}
        </>
      )}
    </section>
  );
};
