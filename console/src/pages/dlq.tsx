// Dead letters (`/admin/dlq`): runs whose every attempt failed, waiting in the run queue's
// dead-letter queue; a redrive runs each again as a new run once the cause is fixed.
import './dlq.css';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import type { DeadLetterList, RedriveResult } from '../types.ts';
import type { PageProps } from '../page.ts';
import { navigate, to } from '../router.ts';
import { Command, ConfirmDialog, EmptyState, ErrorNote, StatusChip, Time, useLoad } from '../ui.tsx';

/** The API's most: a listing shows at most this many messages (`count` says how many there are). */
const LIST_LIMIT = 100;

const runHref = (runId: string): string => to(`/runs/${encodeURIComponent(runId)}`);
const jobHref = (jobId: string): string => to(`/jobs/${encodeURIComponent(jobId)}`);

/** What a redrive did, in words: the new runs (links), what it dropped and left, and why. */
const RedriveReport = ({ result }: { result: RedriveResult }) => (
  <div class="notice dlq-result" role="status">
    <p>
      Redrive: {result.count} new run{result.count === 1 ? '' : 's'}, {result.dropped} dropped,{' '}
      {result.left.length} left in the queue.
      {result.truncated ? ' More messages are waiting: redrive again for the rest.' : ''}
    </p>
    {result.runIds.length === 0 ? null : (
      <ul>
        {result.runIds.map((id) => (
          <li key={id}>
            New run{' '}
            <a href={runHref(id)} target="_blank" rel="noopener">
              {id}
            </a>
          </li>
        ))}
      </ul>
    )}
    {result.left.length === 0 ? null : (
      <ul>
        {result.left.map((l) => (
          <li key={l.runId}>
            Left{' '}
            <a href={runHref(l.runId)} target="_blank" rel="noopener">
              {l.runId}
            </a>{' '}
            of <a href={jobHref(l.jobId)}>{l.jobId}</a>: {l.reason}
          </li>
        ))}
      </ul>
    )}
    {result.error === undefined ? null : <p class="error">It stopped at an error: {result.error}</p>}
  </div>
);

const RedriveDialog = ({
  jobId,
  count,
  onClose,
  onDone,
}: {
  jobId: string;
  count: number;
  onClose: () => void;
  onDone: (result: RedriveResult) => void;
}) => {
  const what = jobId === '' ? 'every dead letter' : `the dead letters of ${jobId}`;
  return (
    <ConfirmDialog
      title="Redrive dead letters?"
      confirmLabel="Redrive"
      busyLabel="Redriving…"
      tone="primary"
      action={async () =>
        onDone(await api.send<RedriveResult>('POST', '/dlq/redrive', jobId === '' ? {} : { jobId }))
      }
      onClose={onClose}
    >
      <p>
        This runs {what} again ({count} listed) as new runs with a fresh attempt budget, then deletes their
        messages. Fix what made them fail first.
      </p>
      <p class="muted">
        A message whose run or job is gone, or whose run ended otherwise, is dropped; one whose run is still
        open or whose job is disabled stays in the queue.
      </p>
    </ConfirmDialog>
  );
};

export const DeadLettersPage = ({ query }: PageProps) => {
  const jobId = query.get('jobId') ?? '';
  const [filter, setFilter] = useState(jobId);
  // Back and forward move the hash: the box follows.
  useEffect(() => setFilter(jobId), [jobId]);
  const [confirming, setConfirming] = useState(false);
  const [result, setResult] = useState<RedriveResult | undefined>(undefined);
  const list = useLoad(() => api.get<DeadLetterList>('/dlq', { jobId, limit: LIST_LIMIT }), [jobId]);

  const unconfigured = list.error instanceof ApiError && list.error.status === 503;
  const items = list.data?.items ?? [];
  return (
    <section>
      <h1>Dead letters</h1>
      <p class="muted">
        Runs whose every attempt failed. They stay here 14 days; redrive them once the cause is fixed.
      </p>
      <div class="toolbar">
        <form
          class="dlq-filter"
          onSubmit={(e) => {
            e.preventDefault();
            setResult(undefined);
            navigate('/dlq', { jobId: filter.trim() });
          }}
        >
          <div class="field">
            <label for="dlq-job">Job</label>
            <input
              id="dlq-job"
              value={filter}
              placeholder="all jobs"
              autoComplete="off"
              spellcheck={false}
              onInput={(e) => setFilter(e.currentTarget.value)}
            />
          </div>
          <button type="submit">Filter</button>
          {jobId === '' ? null : <a href={to('/dlq')}>Show all jobs</a>}
        </form>
        <span class="spacer" />
        <button
          type="button"
          onClick={() => {
            setResult(undefined);
            list.reload();
          }}
          disabled={list.loading}
        >
          Refresh
        </button>
        {unconfigured ? null : (
          <button
            type="button"
            class="primary"
            disabled={items.length === 0}
            onClick={() => setConfirming(true)}
          >
            {jobId === '' ? 'Redrive all' : `Redrive ${jobId}`}
          </button>
        )}
      </div>
      {result === undefined ? null : <RedriveReport result={result} />}
      {unconfigured ? (
        <p class="notice" role="status">
          This stack has no dead-letter queue configured (<code>TRIGGERHUB_DLQ_URL</code> on the admin
          function), so there is nothing to list or redrive.
        </p>
      ) : (
        <ErrorNote error={list.error} />
      )}
      {list.data === undefined ? (
        list.loading && !unconfigured ? (
          <p class="muted">Loading…</p>
        ) : null
      ) : items.length === 0 ? (
        <EmptyState title="No dead letters: a run lands here after its last attempt fails">
          <p>
            A failing run is retried first (3 attempts in all); only then does its message move here. To see
            what failed recently instead, open a job's history.
          </p>
          <Command text="npx triggerhub dlq list" />
        </EmptyState>
      ) : (
        <table class="dlq">
          <caption class="muted">
            {list.data.count > items.length
              ? `${items.length} of ${list.data.count} dead letters`
              : `${items.length} dead letter${items.length === 1 ? '' : 's'}`}
            {jobId === '' ? '' : ` of ${jobId}`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col">Error</th>
              <th scope="col">Sent</th>
              <th scope="col">Receives</th>
            </tr>
          </thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.messageId}>
                <td>
                  {d.runId === undefined ? (
                    <span class="muted">not a run message</span>
                  ) : (
                    <a href={runHref(d.runId)} target="_blank" rel="noopener">
                      {d.runId}
                    </a>
                  )}
                </td>
                <td>
                  {d.jobId === undefined ? (
                    <span class="muted">—</span>
                  ) : (
                    <a href={jobHref(d.jobId)}>{d.jobId}</a>
                  )}
                </td>
                <td>
                  <StatusChip status={d.status} />
                </td>
                <td class="dlq-error">{d.error ?? <span class="muted">—</span>}</td>
                <td>
                  <Time iso={d.sentAt} />
                </td>
                <td>{d.receiveCount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {confirming ? (
        <RedriveDialog
          jobId={jobId}
          count={list.data?.count ?? items.length}
          onClose={() => setConfirming(false)}
          onDone={(r) => {
            setConfirming(false);
            setResult(r);
            list.reload();
          }}
        />
      ) : null}
    </section>
  );
};
