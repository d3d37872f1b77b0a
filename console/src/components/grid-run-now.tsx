// Run now with parameter overrides: a form generated from the integration's manifest, of
// which only the fields the operator changed are sent (the job's own values stay the rest).
import { useState } from 'preact/hooks';
import { api, ApiError, seg } from '../api.ts';
import { to } from '../router.ts';
import type { IntegrationManifest, JobGridItem, ParameterSpec } from '../types.ts';
import { Dialog, ErrorNote, Field, useLoad } from '../ui.tsx';

let manifests: Promise<IntegrationManifest[]> | undefined;

/** The installed integrations' manifests, read once per page load (they change with a deploy). */
export const integrationManifests = (): Promise<IntegrationManifest[]> =>
  (manifests ??= api.get<{ items: IntegrationManifest[] }>('/integrations').then(
    (r) => r.items,
    (e: unknown) => {
      manifests = undefined;
      throw e;
    },
  ));

type Value = string | boolean | string[];

/** What a field starts at: the job's value, else the manifest's default, as the input holds it. */
const initialValue = (spec: ParameterSpec, given: unknown): Value => {
  const value = given ?? ('default' in spec ? spec.default : undefined);
  switch (spec.type) {
    case 'boolean':
      return value === true;
    case 'multichoice':
      return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    default:
      return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  }
};

const same = (a: Value, b: Value): boolean =>
  Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((v) => b.includes(v)) : a === b;

/** The override as the API takes it; undefined for a cleared number (nothing to send). */
const apiValue = (spec: ParameterSpec, value: Value): unknown => {
  if (spec.type === 'number') return value === '' ? undefined : Number(value);
  return value;
};

const fieldId = (name: string): string => `run-now-${name}`;

const ParamInput = ({
  name,
  spec,
  value,
  onChange,
}: {
  name: string;
  spec: ParameterSpec;
  value: Value;
  onChange: (value: Value) => void;
}) => {
  const id = fieldId(name);
  const label = spec.label ?? name;
  const help = spec.description;
  const describedBy = help ? `${id}-help` : undefined;
  switch (spec.type) {
    case 'boolean':
      return (
        <div class="field">
          <label class="switch" for={id}>
            <input
              id={id}
              type="checkbox"
              checked={value === true}
              aria-describedby={describedBy}
              onChange={(e) => onChange(e.currentTarget.checked)}
            />
            {label}
          </label>
          {help ? (
            <p class="help" id={`${id}-help`}>
              {help}
            </p>
          ) : null}
        </div>
      );
    case 'multichoice': {
      const chosen = Array.isArray(value) ? value : [];
      return (
        <fieldset class="field grid-choices" aria-describedby={describedBy}>
          <legend>{label}</legend>
          {spec.choices.map((choice) => (
            <label class="switch" key={choice}>
              <input
                type="checkbox"
                checked={chosen.includes(choice)}
                onChange={(e) =>
                  onChange(e.currentTarget.checked ? [...chosen, choice] : chosen.filter((c) => c !== choice))
                }
              />
              {choice}
            </label>
          ))}
          {help ? (
            <p class="help" id={`${id}-help`}>
              {help}
            </p>
          ) : null}
        </fieldset>
      );
    }
    case 'choice':
      return (
        <Field id={id} label={label} help={help}>
          <select
            id={id}
            value={String(value)}
            aria-describedby={describedBy}
            onChange={(e) => onChange(e.currentTarget.value)}
          >
            {spec.mandatory ? null : <option value="">(not set)</option>}
            {spec.choices.map((choice) => (
              <option value={choice} key={choice}>
                {choice}
              </option>
            ))}
          </select>
        </Field>
      );
    default:
      return (
        <Field id={id} label={label} help={help}>
          <input
            id={id}
            type={spec.type === 'number' ? 'number' : 'text'}
            step={spec.type === 'number' ? 'any' : undefined}
            value={String(value)}
            aria-describedby={describedBy}
            onInput={(e) => onChange(e.currentTarget.value)}
          />
        </Field>
      );
  }
};

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
  const initial = Object.fromEntries(
    offered.map(([name, spec]) => [name, initialValue(spec, job.params[name])]),
  );
  const [edited, setEdited] = useState<Record<string, Value>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const params: Record<string, unknown> = {};
    for (const [name, spec] of offered) {
      const value = edited[name];
      const start = initial[name];
      if (value === undefined || start === undefined || same(value, start)) continue;
      const sent = apiValue(spec, value);
      if (sent !== undefined) params[name] = sent;
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
              <ParamInput
                key={name}
                name={name}
                spec={spec}
                value={edited[name] ?? initial[name] ?? ''}
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
