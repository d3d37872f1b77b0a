// One run, on a URL of its own (the history opens it in a new tab): its facts, output and
// log lines in the CLI's `[time] [LEVEL] – message` form, polled while the run is open.
import './run.css';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, seg } from '../api.ts';
import { ReplayButton, RunLink, StopButton, canReplay, isOpen } from '../components/history-actions.tsx';
import { formatLogLine } from '../../../shared/model/log-format.ts';
import type { PageProps } from '../page.ts';
import { to } from '../router.ts';
import type { Run } from '../types.ts';
import { ErrorNote, StatusChip, Time, formatDuration, useLoad, useTick } from '../ui.tsx';

/** While the run is queued or running its page asks for it this often. */
const POLL_MS = 2000;

/** How close to the end (px) still counts as "at the bottom" of the log. */
const BOTTOM_SLACK = 24;

/** A time: exact (the browser's zone) and how long ago. */
const At = ({ iso, now }: { iso: string | undefined; now: number }) =>
  iso === undefined ? (
    <span class="muted">—</span>
  ) : (
    <span>
      {new Date(iso).toLocaleString()} <span class="muted">(</span>
      <Time iso={iso} now={now} />
      <span class="muted">)</span>
    </span>
  );

const duration = (run: Run, now: number): string | undefined => {
  if (run.startedAt === undefined) return undefined;
  if (run.endedAt === undefined) {
    return run.status === 'running'
      ? `running for ${formatDuration(now - Date.parse(run.startedAt))}`
      : undefined;
  }
  return formatDuration(run.durationMs ?? Date.parse(run.endedAt) - Date.parse(run.startedAt));
};

const json = (value: unknown): string => {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
};

/** The log, kept scrolled to its end while the reader is there (a reader scrolled up stays put). */
const Log = ({ run }: { run: Run }) => {
  const ref = useRef<HTMLPreElement>(null);
  const atBottom = useRef(true);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el !== null && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [run.logs.length]);
  if (run.logs.length === 0) {
    return (
      <p class="muted" role="status">
        {isOpen(run.status)
          ? 'No log lines yet: a running run saves its log every few seconds.'
          : 'No log lines.'}
      </p>
    );
  }
  return (
    <>
      <pre
        ref={ref}
        class="log run-log"
        role="log"
        aria-label="Run log"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          atBottom.current = el.scrollTop + el.clientHeight >= el.scrollHeight - BOTTOM_SLACK;
        }}
      >
        {run.logs.map((line, i) => (
          <span key={i} class={`log-line ${line.level}`}>
            {formatLogLine(line)}
            {'\n'}
          </span>
        ))}
      </pre>
      {run.logsTruncated ? <p class="muted">The log was capped: later lines were not kept.</p> : null}
    </>
  );
};

/** A run's mode, and its source where it says more than what fired it ("manual (manual, async)" stuttered). */
const sourceAndMode = (run: Run): string =>
  run.source === (run.firedBy ?? 'webhook') ? run.mode : `source ${run.source}, ${run.mode}`;

export const RunPage = ({ params }: PageProps) => {
  const runId = params.runId ?? '';
  const [polling, setPolling] = useState(true);
  const loaded = useLoad(() => api.get<Run>(`/runs/${seg(runId)}`), [runId], polling ? POLL_MS : undefined);
  const run = loaded.data;
  const open = run === undefined || isOpen(run.status);
  // Polling ends with the run (or when there is no such run to wait for).
  const gone = run === undefined && loaded.error instanceof ApiError && loaded.error.status < 500;
  useEffect(() => setPolling(open && !gone), [open, gone]);
  const now = useTick(open ? 1000 : 60_000);

  useEffect(() => {
    document.title = `Run ${runId}${run === undefined ? '' : ` · ${run.status}`} · triggerhub`;
  }, [runId, run?.status]);

  if (run === undefined) {
    return (
      <section>
        <h1>
          Run <code>{runId}</code>
        </h1>
        {loaded.error === undefined ? <p class="muted">Loading…</p> : <ErrorNote error={loaded.error} />}
      </section>
    );
  }
  const job = encodeURIComponent(run.jobId);
  const took = duration(run, now);
  return (
    <section class="run">
      <p class="run-crumbs">
        <a href={to('/jobs')}>Jobs</a> / <a href={to(`/jobs/${job}`)}>{run.jobId}</a> /{' '}
        <a href={to(`/jobs/${job}/history`)}>History</a>
      </p>
      <h1 class="run-title">
        Run <code>{run.id}</code> <StatusChip status={run.status} />
      </h1>
      <div class="toolbar">
        {isOpen(run.status) ? <StopButton runId={run.id} onDone={loaded.reload} /> : null}
        {canReplay(run) ? <ReplayButton runId={run.id} /> : null}
        {open ? <span class="muted">Live: updates every 2 seconds while the run is open.</span> : null}
      </div>
      <ErrorNote error={loaded.error} />
      <dl class="facts">
        <dt>Job</dt>
        <dd>
          <a href={to(`/jobs/${job}`)}>{run.jobId}</a> (<a href={to(`/jobs/${job}/history`)}>history</a>)
        </dd>
        <dt>Fired by</dt>
        <dd>
          {run.firedBy ?? 'webhook'}
          {run.trigger !== '' && run.trigger !== (run.firedBy ?? 'webhook')
            ? ` · trigger ${run.trigger}`
            : ''}{' '}
          <span class="muted">({sourceAndMode(run)})</span>
        </dd>
        <dt>Attempt</dt>
        <dd>
          {run.attempt}
          {run.deferrals ? (
            <span class="muted"> · deferred {run.deferrals}× by a rate limit (not attempts)</span>
          ) : null}
        </dd>
        <dt>Created</dt>
        <dd>
          <At iso={run.createdAt} now={now} />
        </dd>
        <dt>Started</dt>
        <dd>
          <At iso={run.startedAt} now={now} />
        </dd>
        <dt>Ended</dt>
        <dd>
          <At iso={run.endedAt} now={now} />
        </dd>
        <dt>Duration</dt>
        <dd>{took ?? <span class="muted">—</span>}</dd>
        {run.scheduledFor === undefined ? null : (
          <>
            <dt>Scheduled for</dt>
            <dd>
              <At iso={run.scheduledFor} now={now} />
              {run.lagMs === undefined ? null : (
                <span class="muted"> · started {formatDuration(run.lagMs)} late</span>
              )}
            </dd>
          </>
        )}
        {run.replayOf === undefined ? null : (
          <>
            <dt>Replay of</dt>
            <dd>
              <RunLink id={run.replayOf}>
                <code>{run.replayOf}</code>
              </RunLink>
            </dd>
          </>
        )}
        {run.script === undefined ? null : (
          <>
            <dt>Script</dt>
            <dd>
              {run.script.id} version {run.script.version}{' '}
              <span class="muted">
                (sha256 <code>{run.script.sha256.slice(0, 12)}…</code>)
              </span>
            </dd>
          </>
        )}
        {run.stopRequest === undefined ? null : (
          <>
            <dt>Stop requested</dt>
            <dd>
              by {run.stopRequest.by}, <At iso={run.stopRequest.at} now={now} />
            </dd>
          </>
        )}
        {run.verdict === undefined ? null : (
          <>
            <dt>Verdict</dt>
            <dd>
              <strong>{run.verdict.allow ? 'allow' : 'deny'}</strong> – {run.verdict.message}
              {run.verdict.fallback ? <span class="muted"> (the job’s onError fallback)</span> : null}
            </dd>
          </>
        )}
        {run.message === undefined ? null : (
          <>
            <dt>Message</dt>
            <dd class="run-text">{run.message}</dd>
          </>
        )}
        {/* A failed run's message is often its error: the same text twice says nothing more. */}
        {run.error === undefined || run.error === run.message ? null : (
          <>
            <dt>Error</dt>
            <dd class="run-text run-error">{run.error}</dd>
          </>
        )}
      </dl>
      {run.output === undefined ? null : (
        <>
          <h2>Output</h2>
          <pre class="run-output">{json(run.output)}</pre>
        </>
      )}
      <h2>Log</h2>
      <Log run={run} />
    </section>
  );
};
