// "Replay these…": the filtered runs of one job replayed at once, after a dry run says how
// many (POST /admin/replays with dryRun, then without).
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { RunStatus } from '../types.ts';
import { Dialog, ErrorNote } from '../ui.tsx';
import { REPLAYABLE, RunLink } from './history-actions.tsx';

/** The history's filters, as the URL holds them. */
export interface HistoryFilter {
  status?: string | undefined;
  firedBy?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

interface ReplayAnswer {
  count: number;
  runIds: string[];
  truncated?: boolean;
  error?: string;
}

/** How many new run ids the dialog lists after a replay (the rest are in the history). */
const LISTED = 10;

const runs = (n: number): string => `${n} run${n === 1 ? '' : 's'}`;

export const BulkReplayDialog = ({
  jobId,
  filter,
  onClose,
  onReplayed,
}: {
  jobId: string;
  filter: HistoryFilter;
  onClose: () => void;
  onReplayed: () => void;
}) => {
  // The API replays ended runs only (and needs a status among them, or none: every ended run).
  const statusOk = filter.status === undefined || REPLAYABLE.includes(filter.status as RunStatus);
  const body = {
    jobId,
    ...(filter.status === undefined ? {} : { status: filter.status }),
    ...(filter.from === undefined ? {} : { from: filter.from }),
    ...(filter.to === undefined ? {} : { to: filter.to }),
  };
  const [dry, setDry] = useState<{ answer?: ReplayAnswer; error?: unknown }>({});
  const [done, setDone] = useState<{ busy: boolean; answer?: ReplayAnswer; error?: unknown }>({
    busy: false,
  });
  useEffect(() => {
    if (!statusOk) return;
    api.send<ReplayAnswer>('POST', '/replays', { ...body, dryRun: true }).then(
      (answer) => setDry({ answer }),
      (error: unknown) => setDry({ error }),
    );
  }, []);
  const replay = async (): Promise<void> => {
    setDone({ busy: true });
    try {
      setDone({ busy: false, answer: await api.send<ReplayAnswer>('POST', '/replays', body) });
    } catch (error) {
      setDone({ busy: false, error });
    }
    onReplayed();
  };
  const count = dry.answer?.count;
  return (
    <Dialog title="Replay these runs" onClose={onClose}>
      {!statusOk ? (
        <p class="notice">
          Only ended runs can be replayed: pick the status <strong>succeeded</strong>, <strong>failed</strong>
          , <strong>stopped</strong> or <strong>timed out</strong>, or all statuses.{' '}
          {filter.status === 'skipped'
            ? 'A skipped occurrence never ran: it has no event to replay.'
            : `A ${filter.status ?? ''} run has not ended yet.`}
        </p>
      ) : done.answer !== undefined ? (
        <div role="status">
          <p>
            Replayed {runs(done.answer.count)}
            {done.answer.count === 0 ? '.' : ' as new runs:'}
          </p>
          {done.answer.count === 0 ? null : (
            <ul class="history-new-runs">
              {done.answer.runIds.slice(0, LISTED).map((id) => (
                <li key={id}>
                  <RunLink id={id}>
                    <code>{id}</code>
                  </RunLink>
                </li>
              ))}
              {done.answer.runIds.length > LISTED ? (
                <li class="muted">and {runs(done.answer.runIds.length - LISTED)} more, in the history</li>
              ) : null}
            </ul>
          )}
          {done.answer.error === undefined ? null : (
            <p class="error" role="alert">
              The replay stopped early: {done.answer.error}
            </p>
          )}
        </div>
      ) : (
        <>
          <p>
            Every ended run of <strong>{jobId}</strong>
            {filter.status === undefined ? '' : ` that ${filter.status.replace('_', ' ')}`}
            {filter.from === undefined ? '' : `, created from ${new Date(filter.from).toLocaleString()}`}
            {filter.to === undefined ? '' : `, created until ${new Date(filter.to).toLocaleString()}`} is run
            again as a new run with the same event (skipped runs, decisions and expired events are left out).
          </p>
          {filter.firedBy === undefined ? null : (
            <p class="notice">
              The trigger filter ({filter.firedBy}) is not part of a bulk replay: runs of every trigger that
              match the other filters are replayed.
            </p>
          )}
          {dry.error !== undefined ? (
            <ErrorNote error={dry.error} />
          ) : count === undefined ? (
            <p class="muted">Counting…</p>
          ) : (
            <p class="history-count" role="status">
              This replays <strong>{runs(count)}</strong>.
              {dry.answer?.truncated
                ? ' More matched: only the newest are taken — narrow the time range for the rest.'
                : ''}
            </p>
          )}
          <ErrorNote error={done.error} />
        </>
      )}
      <footer>
        {statusOk && done.answer === undefined ? (
          <button
            type="button"
            class="primary"
            disabled={count === undefined || count === 0 || done.busy}
            onClick={() => void replay()}
          >
            {count === undefined ? 'Replay' : `Replay ${runs(count)}`}
          </button>
        ) : null}
        <button type="button" onClick={onClose}>
          {done.answer === undefined ? 'Cancel' : 'Close'}
        </button>
      </footer>
    </Dialog>
  );
};
