// Run now with parameter overrides: the job form's fields (job-fields.tsx) for the integration's
// parameters, of which only the ones the operator changed are sent (the job's own values stay the rest).
import { useState } from 'preact/hooks';
import { api, ApiError, integrationManifests, seg } from '../api.ts';
import { to } from '../router.ts';
import type { JobGridItem, ParameterSpec } from '../types.ts';
import { Dialog, ErrorNote, useLoad } from '../ui.tsx';
import { ParamField, paramValueOf } from './job-fields.tsx';

/** Same value, whatever key order: what decides whether a field was changed. */
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The dialog; `onQueued` gets the new run's id once the API has queued it. */
export const RunNowDialog = ({
  job,
  onClose,
  onQueued,
}: {
  job: JobGridItem;
  onClose: () => void;
  onQueued: (runId: string) => void;
}) => {
  const manifest = useLoad(
    async () =>
      job.integration === undefined
        ? undefined
        : (await integrationManifests()).find((m) => m.id === job.integration),
    [job.integration],
  );
  const specs = Object.entries(manifest.data?.parameters ?? {});
  const offered = specs.filter(([, spec]) => spec.type !== 'password');
  const secrets = specs.filter(([, spec]) => spec.type === 'password').map(([name]) => name);
  // What a field shows until changed: the job's value, else the manifest's default.
  const current = (name: string, spec: ParameterSpec): unknown =>
    job.params[name] ?? ('default' in spec ? spec.default : undefined);
  const [edited, setEdited] = useState<Record<string, unknown>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const params: Record<string, unknown> = {};
    for (const [name, spec] of offered) {
      if (!(name in edited)) continue;
      const sent = paramValueOf(spec, edited[name]);
      if (sent !== undefined && !same(sent, current(name, spec))) params[name] = sent;
    }
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api.send<{ runId: string }>(
        'POST',
        `/jobs/${seg(job.id)}/runs`,
        Object.keys(params).length === 0 ? undefined : { params },
      );
      onQueued(answer.runId);
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Run ${job.name} now`} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        {job.integration === undefined ? (
          <p class="muted">
            An uploaded script's parameters are free-form: this run gets the job's own. Change them through{' '}
            <a href={to(`/jobs/${encodeURIComponent(job.id)}`)}>the job</a>.
          </p>
        ) : manifest.error !== undefined ? (
          <ErrorNote error={manifest.error} />
        ) : manifest.data === undefined && manifest.loading ? (
          <p class="muted">Loading the parameters…</p>
        ) : manifest.data === undefined ? (
          <p class="muted">Integration {job.integration} is not installed here.</p>
        ) : (
          <>
            {offered.length === 0 ? (
              <p class="muted">{manifest.data.name} has no parameters to override.</p>
            ) : (
              <p class="help grid-dialog-intro">
                Only the fields you change are sent; the job's own values stay for the rest.
              </p>
            )}
            {offered.map(([name, spec]) => (
              <ParamField
                key={name}
                id={`run-now-${name}`}
                name={name}
                spec={spec}
                value={name in edited ? edited[name] : job.params[name]}
                error={undefined}
                onChange={(value) => setEdited((prev) => ({ ...prev, [name]: value }))}
              />
            ))}
            {secrets.length > 0 ? (
              <p class="help">
                Password parameters ({secrets.join(', ')}) are not offered here: they name a secret, set
                through <a href={to(`/jobs/${encodeURIComponent(job.id)}`)}>the job</a>.
              </p>
            ) : null}
          </>
        )}
        {error instanceof ApiError && (error.code === 'job_disabled' || error.code === 'decision_job') ? (
          <p class="error" role="alert">
            {error.code === 'job_disabled'
              ? `${job.name} is disabled: enable it first.`
              : `${job.name} is a decision job: it runs when its caller asks for a verdict, not on demand.`}
          </p>
        ) : (
          <ErrorNote error={error} />
        )}
        <footer>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Queuing…' : 'Run now'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
};
