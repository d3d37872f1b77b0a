// The job page (`#/jobs/<id>`): the definition, the form generated from the integration's
// manifest with the schedule editor, and a script job's versions. `#/jobs/new`: the same
// form for a new job.
import './job.css';
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { api, ApiError, integrationManifests, seg } from '../api.ts';
import { JobForm } from '../components/job-form.tsx';
import { ParamValue } from '../components/job-fields.tsx';
import { JobScripts } from '../components/job-scripts.tsx';
import { useSchedulePreview } from '../components/job-schedule.tsx';
import type { PageProps } from '../page.ts';
import { navigate, to } from '../router.ts';
import type { IntegrationManifest, Job } from '../types.ts';
import { Command, EmptyState, ErrorNote, Time, useLoad } from '../ui.tsx';

const seconds = (n: number | undefined, fallback: string): string => (n === undefined ? fallback : `${n} s`);

/** The schedule as the server says it, with its next occurrences. */
const ScheduleFact = ({ job }: { job: Job }) => {
  const preview = useSchedulePreview(job.schedule);
  if (job.schedule === undefined) {
    return (
      <span class="muted">
        {job.tickets?.sync === undefined
          ? 'none: runs when called'
          : `every ${job.tickets.sync.every} minutes (ticket sync)`}
      </span>
    );
  }
  if (preview?.description === undefined) return <span class="muted">…</span>;
  return <span>{preview.description}</span>;
};

const Definition = ({ job, manifest }: { job: Job; manifest: IntegrationManifest | undefined }) => {
  const webhook = job.webhook !== false && job.auth !== undefined;
  const auth = job.auth;
  const params = Object.entries(job.params);
  const names = new Set([...Object.keys(manifest?.parameters ?? {}), ...params.map(([k]) => k)]);
  return (
    <dl class="facts">
      <dt>Id</dt>
      <dd>
        <code>{job.id}</code>
      </dd>
      <dt>Description</dt>
      <dd>{job.description === '' ? <span class="muted">none</span> : job.description}</dd>
      <dt>Runs</dt>
      <dd>
        {job.script !== undefined ? (
          <>
            script <code>{job.script.id}</code>{' '}
            {job.script.version === undefined ? '(latest version)' : `v${job.script.version}`}
          </>
        ) : (
          <>
            integration {manifest?.name ?? job.integration} <code>{job.integration}</code>
            {manifest === undefined ? null : <span class="muted"> v{manifest.version}</span>}
          </>
        )}
      </dd>
      <dt>Source</dt>
      <dd>
        {job.source}
        {job.event === undefined ? null : (
          <>
            {' '}
            · event <code>{job.event}</code>
          </>
        )}
      </dd>
      <dt>Mode</dt>
      <dd>
        {job.mode}
        {job.mode === 'decision' ? ` · on error: ${job.onError}` : ''}
      </dd>
      <dt>Webhook</dt>
      <dd>
        {webhook ? (
          <code class="job-url">
            POST {window.location.origin}/hooks/{job.id}
          </code>
        ) : (
          <span class="muted">off: scheduled or run-now only</span>
        )}
      </dd>
      <dt>Authentication</dt>
      <dd>
        {auth === undefined ? (
          <span class="muted">none</span>
        ) : auth.type === 'shared-secret' ? (
          <>
            shared secret in header <code>{auth.header}</code>, secret <code>{auth.secret}</code>
          </>
        ) : (
          <>
            HMAC-SHA256 in <code>{auth.signatureHeader}</code> over <code>{auth.timestampHeader}</code> (±
            {auth.toleranceSeconds} s), secret <code>{auth.secret}</code>
          </>
        )}
      </dd>
      <dt>Enabled</dt>
      <dd>{job.enabled ? 'yes' : 'no: its webhook answers 409 and its schedule does not fire'}</dd>
      <dt>Schedule</dt>
      <dd>
        <ScheduleFact job={job} />
      </dd>
      <dt>Timeout</dt>
      <dd>{seconds(job.timeoutSeconds, job.mode === 'decision' ? '10 s (default)' : '60 s (default)')}</dd>
      <dt>Retention</dt>
      <dd>
        {job.retentionDays === undefined ? "the stack's (30 days by default)" : `${job.retentionDays} days`}
      </dd>
      <dt>Limits</dt>
      <dd>
        body ≤ {job.maxBodyBytes} bytes · dedupe window {job.dedupeWindowSeconds} s
        {job.concurrency === undefined ? '' : ` · at most ${job.concurrency} at once`}
      </dd>
      {job.tickets === undefined ? null : (
        <>
          <dt>Tickets</dt>
          <dd>
            queue <code>{job.tickets.queue}</code>
          </dd>
        </>
      )}
      {[...names].map((name) => (
        <Fragment key={name}>
          <dt>{manifest?.parameters[name]?.label ?? name}</dt>
          <dd>
            <ParamValue spec={manifest?.parameters[name]} value={job.params[name]} />
          </dd>
        </Fragment>
      ))}
      <dt>Updated</dt>
      <dd>
        <Time iso={job.updatedAt} />
      </dd>
    </dl>
  );
};

/** Run now with the job's own parameters (overrides: the grid's Run now); the run opens in its own tab. */
const RunNow = ({ jobId, enabled }: { jobId: string; enabled: boolean }) => {
  const [state, setState] = useState<{ busy?: boolean; runId?: string; error?: unknown }>({});
  return (
    <>
      <button
        type="button"
        disabled={!enabled || state.busy === true}
        title={enabled ? undefined : 'The job is disabled'}
        onClick={() => {
          setState({ busy: true });
          api.send<{ runId: string }>('POST', `/jobs/${seg(jobId)}/runs`, {}).then(
            ({ runId }) => setState({ runId }),
            (error: unknown) => setState({ error }),
          );
        }}
      >
        Run now
      </button>
      {state.runId === undefined ? null : (
        <span role="status">
          Queued:{' '}
          <a href={to(`/runs/${encodeURIComponent(state.runId)}`)} target="_blank" rel="noopener">
            run {state.runId}
          </a>
        </span>
      )}
      <ErrorNote error={state.error} />
    </>
  );
};

const Existing = ({ id }: { id: string }) => {
  const job = useLoad(() => api.get<Job>(`/jobs/${seg(id)}`), [id]);
  const manifests = useLoad(integrationManifests, []);
  // Moving from one job's page to another's keeps this component: the previous job's data is not this one's.
  const current = job.data?.id === id ? job.data : undefined;
  if (job.error instanceof ApiError && job.error.status === 404) {
    return (
      <section>
        <h1>No job {id}</h1>
        <EmptyState title="This job does not exist (any more).">
          <p>
            <a href={to('/jobs')}>Back to the jobs</a>, <a href={to('/jobs/new')}>create it</a>, or apply a
            definition:
          </p>
          <Command text={`npx triggerhub jobs apply examples/jobs/`} />
        </EmptyState>
      </section>
    );
  }
  if (current === undefined || manifests.data === undefined) {
    return (
      <section>
        <h1>Job {id}</h1>
        <ErrorNote error={job.error ?? manifests.error} />
        {job.error === undefined && manifests.error === undefined ? <p class="muted">Loading…</p> : null}
      </section>
    );
  }
  const manifest = manifests.data.find((m) => m.id === current.integration);
  return (
    <section class="job-page">
      <h1>{current.name}</h1>
      <nav class="toolbar" aria-label="Job">
        <a class="button" href={to(`/jobs/${encodeURIComponent(id)}/history`)}>
          History
        </a>
        {current.tickets === undefined ? null : (
          <a class="button" href={to(`/jobs/${encodeURIComponent(id)}/tasks`)}>
            Tasks
          </a>
        )}
        <a class="button" href={to('/jobs')}>
          All jobs
        </a>
        {current.mode === 'decision' ? null : <RunNow jobId={id} enabled={current.enabled} />}
      </nav>
      <h2>Definition</h2>
      <Definition job={current} manifest={manifest} />
      {current.script === undefined ? null : (
        <JobScripts scriptId={current.script.id} pinned={current.script.version} />
      )}
      <h2>Edit</h2>
      <JobForm key={current.id} job={current} manifests={manifests.data} onSaved={() => job.reload()} />
    </section>
  );
};

const New = () => {
  const manifests = useLoad(integrationManifests, []);
  return (
    <section class="job-page">
      <h1>New job</h1>
      <p class="muted">
        A job runs an integration (or an uploaded script) when its webhook is called, on a schedule, or on
        demand.
      </p>
      <ErrorNote error={manifests.error} />
      {manifests.data === undefined ? (
        manifests.error === undefined ? (
          <p class="muted">Loading…</p>
        ) : null
      ) : (
        <JobForm
          job={undefined}
          manifests={manifests.data}
          onSaved={(stored) => navigate(`/jobs/${encodeURIComponent(stored.id)}`)}
        />
      )}
    </section>
  );
};

export const JobPage = ({ params }: PageProps) =>
  params.id === undefined ? <New /> : <Existing id={params.id} />;
