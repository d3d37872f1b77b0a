// Stop and replay, as a history row and the run page offer them, and the link that opens a
// run in a tab of its own.
import './history-actions.css';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, api, seg } from '../api.ts';
import { to } from '../router.ts';
import type { RunStatus, RunSummary } from '../types.ts';
import { errorText } from '../ui.tsx';

/** Queued or running: what Stop acts on (the server's OPEN_STATUSES). */
export const isOpen = (status: RunStatus): boolean => status === 'queued' || status === 'running';

/** The statuses a bulk replay takes (the server's REPLAYABLE_STATUSES): ended, and not skipped. */
export const REPLAYABLE: readonly RunStatus[] = ['succeeded', 'failed', 'stopped', 'timed_out'];

/**
 * Whether Replay is offered: an ended run, not a skipped occurrence (it never ran) and not a
 * decision (its verdict was answered to its caller long ago) — the API refuses those always.
 */
export const canReplay = (run: Pick<RunSummary, 'status' | 'mode'>): boolean =>
  REPLAYABLE.includes(run.status) && run.mode !== 'decision';

/** A run's page, in a new tab: the run page has its own URL and keeps polling while open. */
export const RunLink = ({
  id,
  label,
  children,
}: {
  id: string;
  label?: string;
  children: ComponentChildren;
}) => (
  <a href={to(`/runs/${encodeURIComponent(id)}`)} target="_blank" rel="noopener" aria-label={label}>
    {children}
  </a>
);

/** The API's 409 codes of a replay, as an operator reads them. */
const REPLAY_REFUSALS: Record<string, string> = {
  run_open: 'the run is still open — stop it, or wait for it to end',
  run_skipped: 'a skipped occurrence never ran, so there is nothing to replay',
  run_decision: 'a decision run’s verdict was answered to its caller; it cannot be answered again',
  run_no_event: 'the run kept no event to run again',
  run_event_expired: 'the run’s event has expired from the payload store',
  job_disabled: 'the job is disabled — enable it first',
};

/** A replay's refusal: the reason in words for a known 409, else the API's message. */
export const replayRefusal = (error: unknown): string => {
  if (error instanceof ApiError && error.status === 409) {
    const why = REPLAY_REFUSALS[error.code];
    if (why !== undefined) return `Not replayed: ${why}.`;
  }
  return `Not replayed: ${errorText(error)}`;
};

/** The red square: asks the run to stop, then says `stopping…` or `stopped`. */
export const StopButton = ({ runId, onDone }: { runId: string; onDone?: () => void }) => {
  const [state, setState] = useState<{ busy: boolean; result?: string; error?: unknown }>({ busy: false });
  if (state.result !== undefined) {
    return (
      <span class="run-action-note" role="status">
        {state.result === 'stopping' ? 'stopping…' : state.result}
      </span>
    );
  }
  const stop = async (): Promise<void> => {
    setState({ busy: true });
    try {
      const answer = await api.send<{ status: string }>('POST', `/runs/${seg(runId)}/stop`);
      setState({ busy: false, result: answer.status });
    } catch (error) {
      // 409 run_finished: it ended before the click reached it; the refresh shows how.
      setState({
        busy: false,
        error:
          error instanceof ApiError && error.code === 'run_finished'
            ? new Error('it had already ended')
            : error,
      });
    }
    onDone?.();
  };
  return (
    <>
      <button
        type="button"
        class="stop"
        disabled={state.busy}
        aria-label={`Stop run ${runId}`}
        onClick={() => void stop()}
      >
        Stop
      </button>
      {state.error === undefined ? null : (
        <span class="run-action-error" role="alert">
          Not stopped: {errorText(state.error)}
        </span>
      )}
    </>
  );
};

/** Replay: a new run with the same event; then `replayed as <link>`, or why not. */
export const ReplayButton = ({ runId, onDone }: { runId: string; onDone?: () => void }) => {
  const [state, setState] = useState<{ busy: boolean; newRunId?: string; error?: unknown }>({ busy: false });
  const replay = async (): Promise<void> => {
    setState({ busy: true });
    try {
      const answer = await api.send<{ runId: string }>('POST', `/runs/${seg(runId)}/replay`);
      setState({ busy: false, newRunId: answer.runId });
    } catch (error) {
      setState({ busy: false, error });
    }
    onDone?.();
  };
  if (state.newRunId !== undefined) {
    return (
      <span class="run-action-note" role="status">
        replayed as{' '}
        <RunLink id={state.newRunId}>
          <code>{state.newRunId}</code>
        </RunLink>
      </span>
    );
  }
  return (
    <>
      <button
        type="button"
        disabled={state.busy}
        aria-label={`Replay run ${runId}`}
        onClick={() => void replay()}
      >
        Replay
      </button>
      {state.error === undefined ? null : (
        <span class="run-action-error" role="alert">
          {replayRefusal(state.error)}
        </span>
      )}
    </>
  );
};
