// The job form, for a new job and an existing one: the definition's fields, the parameters
// generated from the integration's manifest, the schedule editor; saved whole with
// PUT /admin/jobs/{id}. The API's refusal is shown at the top and beside the field its
// `param` names.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, seg } from '../api.ts';
import { holdSignIn } from '../auth.ts';
import type { IntegrationManifest, Job } from '../types.ts';
import { ErrorNote, errorText, Field } from '../ui.tsx';
import { describedBy, fieldId, ParamField, paramValueOf } from './job-fields.tsx';
import type { ScheduleDraft } from './job-schedule.tsx';
import { ScheduleEditor, scheduleDraftOf, scheduleOf } from './job-schedule.tsx';

type AuthKind = 'shared-secret' | 'hmac' | 'none';

/** The form's fields; numbers as typed (a bad one reaches the API, which names it). */
interface Draft {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  runs: 'integration' | 'script';
  integration: string;
  scriptId: string;
  scriptVersion: string;
  source: string;
  event: string;
  mode: string;
  onError: string;
  auth: AuthKind;
  secret: string;
  header: string;
  signatureHeader: string;
  timestampHeader: string;
  toleranceSeconds: string;
  timeoutSeconds: string;
  retentionDays: string;
  maxBodyBytes: string;
  dedupeWindowSeconds: string;
  /** Manifest parameters, by name. */
  params: Record<string, unknown>;
  /** A script job's free-form parameters, as JSON text. */
  scriptParams: string;
  queue: string;
  schedule: ScheduleDraft;
}

/** The fields that are plain text inputs. */
type TextKey = { [K in keyof Draft]: Draft[K] extends string ? K : never }[keyof Draft];

const text = (v: number | undefined): string => (v === undefined ? '' : String(v));

const draftOf = (job: Job | undefined): Draft => {
  const auth = job?.auth;
  return {
    id: job?.id ?? '',
    name: job?.name ?? '',
    description: job?.description ?? '',
    enabled: job?.enabled ?? true,
    runs: job?.script !== undefined ? 'script' : 'integration',
    integration: job?.integration ?? '',
    scriptId: job?.script?.id ?? '',
    scriptVersion: text(job?.script?.version),
    source: job?.source ?? 'generic',
    event: job?.event ?? '',
    mode: job?.mode ?? 'async',
    onError: job?.onError ?? 'deny',
    auth:
      job === undefined ? 'shared-secret' : job.webhook === false || auth === undefined ? 'none' : auth.type,
    secret: auth?.secret ?? '',
    header: auth?.type === 'shared-secret' ? auth.header : 'X-Shared-Secret',
    signatureHeader: auth?.type === 'hmac' ? auth.signatureHeader : 'X-Signature',
    timestampHeader: auth?.type === 'hmac' ? auth.timestampHeader : 'X-Timestamp',
    toleranceSeconds: auth?.type === 'hmac' ? String(auth.toleranceSeconds) : '300',
    timeoutSeconds: text(job?.timeoutSeconds),
    retentionDays: text(job?.retentionDays),
    maxBodyBytes: text(job?.maxBodyBytes),
    dedupeWindowSeconds: text(job?.dedupeWindowSeconds),
    params: job?.script === undefined ? { ...(job?.params ?? {}) } : {},
    scriptParams: job?.script === undefined ? '{}' : JSON.stringify(job.params, null, 2),
    queue: job?.tickets?.queue ?? '',
    schedule: scheduleDraftOf(job?.schedule),
  };
};

/** A number field as typed → the API's value (empty: left out; not a number: as typed). */
const num = (t: string): number | string | undefined =>
  t.trim() === '' ? undefined : Number.isFinite(Number(t)) ? Number(t) : t;

/** Thrown for what the form itself can tell (a script's parameters that are not JSON). */
class FormError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

/** The whole definition to PUT: the stored job's other fields kept, the form's applied. */
const bodyOf = (
  d: Draft,
  job: Job | undefined,
  manifest: IntegrationManifest | undefined,
): Record<string, unknown> => {
  const { createdAt: _c, updatedAt: _u, ...kept } = job ?? ({} as Partial<Job>);
  const body: Record<string, unknown> = {
    ...kept,
    id: d.id.trim(),
    name: d.name,
    description: d.description,
  };
  body.enabled = d.enabled;
  const set = (key: string, value: unknown): void => {
    if (value === undefined) delete body[key];
    else body[key] = value;
  };
  if (d.runs === 'integration') {
    delete body.script;
    body.integration = d.integration;
    const params: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(manifest?.parameters ?? {})) {
      const value = paramValueOf(spec, d.params[name]);
      if (value !== undefined) params[name] = value;
    }
    body.params = params;
  } else {
    delete body.integration;
    body.script = {
      id: d.scriptId.trim(),
      ...(d.scriptVersion.trim() === '' ? {} : { version: num(d.scriptVersion) }),
    };
    try {
      body.params = d.scriptParams.trim() === '' ? {} : (JSON.parse(d.scriptParams) as unknown);
    } catch {
      throw new FormError('params', 'parameters: not JSON; write an object such as {"region": "eu"}');
    }
  }
  set('source', d.source);
  set('event', d.event.trim() === '' ? undefined : d.event.trim());
  set('mode', d.mode);
  set('onError', d.mode === 'decision' ? d.onError : undefined);
  if (d.auth === 'none') {
    delete body.auth;
    body.webhook = false;
  } else {
    if (body.webhook === false) delete body.webhook;
    body.auth =
      d.auth === 'shared-secret'
        ? { type: 'shared-secret', secret: d.secret.trim(), header: d.header.trim() || 'X-Shared-Secret' }
        : {
            type: 'hmac',
            secret: d.secret.trim(),
            signatureHeader: d.signatureHeader.trim() || 'X-Signature',
            timestampHeader: d.timestampHeader.trim() || 'X-Timestamp',
            toleranceSeconds: num(d.toleranceSeconds) ?? 300,
          };
  }
  set('timeoutSeconds', num(d.timeoutSeconds));
  set('retentionDays', num(d.retentionDays));
  set('maxBodyBytes', num(d.maxBodyBytes));
  set('dedupeWindowSeconds', num(d.dedupeWindowSeconds));
  if (job?.tickets !== undefined) body.tickets = { ...job.tickets, queue: d.queue };
  set('schedule', scheduleOf(d.schedule));
  return body;
};

/** A ticket job's queues, asked of its target (a 502 says why; the text input stays). */
const useQueues = (jobId: string | undefined, ticketJob: boolean) => {
  const [state, setState] = useState<{ items?: { label: string; value: string }[]; error?: unknown }>({});
  useEffect(() => {
    if (jobId === undefined || !ticketJob) return undefined;
    let live = true;
    api.get<{ items: { label: string; value: string }[] }>(`/jobs/${seg(jobId)}/queues`).then(
      (answer) => live && setState({ items: answer.items }),
      (error: unknown) => live && setState({ error }),
    );
    return () => {
      live = false;
    };
  }, [jobId, ticketJob]);
  return state;
};

export const JobForm = ({
  job,
  manifests,
  onSaved,
}: {
  /** The stored job; undefined for a new one. */
  job: Job | undefined;
  manifests: IntegrationManifest[];
  onSaved: (job: Job) => void;
}) => {
  const isNew = job === undefined;
  const [draft, setDraft] = useState<Draft>(() => draftOf(job));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [verify, setVerify] = useState(true);
  const manifest = manifests.find((m) => m.id === draft.integration);
  const ticketJob = job?.tickets !== undefined;
  const queues = useQueues(job?.id, ticketJob);

  // Unsaved edits: an expired sign-in then reports itself (with a Sign in button) rather than
  // leaving the page for Cognito and dropping them.
  const [dirty, setDirty] = useState(false);
  useEffect(() => (dirty ? holdSignIn() : undefined), [dirty]);

  const set = (patch: Partial<Draft>): void => {
    setDirty(true);
    setSaved(false);
    // A field's message is about the value saved: an edit makes it stale (the summary stays until the next save).
    setErrors({});
    setDraft((d) => ({ ...d, ...patch }));
  };
  const err = (path: string): string | undefined => errors[path];
  const aria = (path: string, help = false) => describedBy(fieldId(path), help, err(path) !== undefined);

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    setSaving(true);
    setSaved(false);
    setFailure(undefined);
    setErrors({});
    // What was sent, to tell the job's own fields from the parameters in the API's answer.
    let body: Record<string, unknown> | undefined;
    try {
      body = bodyOf(draft, job, manifest);
      const id = String(body.id);
      if (isNew && id !== '') {
        // A new job never silently replaces one of the same id.
        const exists = await api.get<Job>(`/jobs/${seg(id)}`).then(
          () => true,
          (error: unknown) => {
            if (error instanceof ApiError && error.status === 404) return false;
            throw error;
          },
        );
        if (exists)
          throw new FormError('id', `a job "${id}" exists already: open it to edit it, or choose another id`);
      }
      if (id === '') throw new FormError('id', 'id: lower-case letters, digits, - and _, at most 64');
      const stored = await api.send<Job>(
        'PUT',
        `/jobs/${seg(id)}`,
        body,
        ticketJob && !verify ? { verify: false } : undefined,
      );
      // The form shows what was stored (defaults applied), and says so.
      setDraft(draftOf(stored));
      setDirty(false);
      setSaved(true);
      onSaved(stored);
    } catch (error) {
      setFailure(error);
      let param = error instanceof ApiError || error instanceof FormError ? error.param : undefined;
      // A ticket integration names its own parameter (`apiToken`): the form's field is params.apiToken.
      // A field of the job itself keeps its place even when a parameter shares its name
      // (http-forward's `timeoutSeconds` is per request, the job's is the run's deadline).
      if (
        param !== undefined &&
        manifest !== undefined &&
        Object.hasOwn(manifest.parameters, param) &&
        !Object.hasOwn(body ?? {}, param)
      )
        param = `params.${param}`;
      if (param !== undefined) setErrors({ [param]: error instanceof Error ? error.message : String(error) });
    } finally {
      setSaving(false);
    }
  };

  const textField = (
    path: TextKey,
    label: string,
    opts: { help?: string; type?: string; placeholder?: string; required?: boolean; api?: string } = {},
  ): ComponentChildren => {
    const apiPath = opts.api ?? path;
    const id = fieldId(apiPath);
    return (
      <Field id={id} label={label} help={opts.help} error={err(apiPath)}>
        <input
          id={id}
          type={opts.type ?? 'text'}
          required={opts.required}
          placeholder={opts.placeholder}
          value={draft[path]}
          aria-describedby={aria(apiPath, opts.help !== undefined)}
          aria-invalid={err(apiPath) ? true : undefined}
          onInput={(e) => set({ [path]: e.currentTarget.value })}
        />
      </Field>
    );
  };

  // Errors no field shows (a rule of the whole job, a field the form has no control for).
  const summary = failure === undefined ? null : <ErrorNote error={failure} />;

  return (
    <form
      class="job-form"
      noValidate
      onSubmit={(e) => void save(e)}
      aria-label={isNew ? 'New job' : 'Edit job'}
    >
      {summary}
      {isNew
        ? textField('id', 'Job id *', {
            required: true,
            help: 'Lower-case letters, digits, - and _; the webhook is POST /hooks/<id>.',
          })
        : null}
      {textField('name', 'Name *', { required: true })}
      <Field id={fieldId('description')} label="Description" error={err('description')}>
        <textarea
          id={fieldId('description')}
          rows={2}
          value={draft.description}
          aria-describedby={aria('description')}
          onInput={(e) => set({ description: e.currentTarget.value })}
        />
      </Field>
      <div class="field">
        <label class="switch" for={fieldId('enabled')}>
          <input
            id={fieldId('enabled')}
            type="checkbox"
            checked={draft.enabled}
            onChange={(e) => set({ enabled: e.currentTarget.checked })}
          />
          Enabled
        </label>
      </div>

      <fieldset>
        <legend>What it runs</legend>
        <div class="job-row">
          <Field id={fieldId('runs')} label="Runs">
            <select
              id={fieldId('runs')}
              value={draft.runs}
              onChange={(e) => set({ runs: e.currentTarget.value as Draft['runs'] })}
            >
              <option value="integration">An integration</option>
              <option value="script">An uploaded script</option>
            </select>
          </Field>
          {draft.runs === 'integration' ? (
            <Field
              id={fieldId('integration')}
              label="Integration *"
              error={err('integration')}
              help={manifest?.description}
            >
              <select
                id={fieldId('integration')}
                value={draft.integration}
                aria-describedby={aria('integration', manifest !== undefined)}
                onChange={(e) => {
                  // Parameters of another integration mean nothing to this one.
                  const next = manifests.find((m) => m.id === e.currentTarget.value);
                  const params = Object.fromEntries(
                    Object.entries(draft.params).filter(
                      ([k]) => next !== undefined && Object.hasOwn(next.parameters, k),
                    ),
                  );
                  set({ integration: e.currentTarget.value, params });
                }}
              >
                <option value="">Choose…</option>
                {manifests.map((m) => (
                  <option value={m.id}>
                    {m.name} ({m.id})
                  </option>
                ))}
              </select>
            </Field>
          ) : (
            <>
              {textField('scriptId', 'Script id *', {
                api: 'script.id',
                help: 'Upload its versions on the job page.',
              })}
              {textField('scriptVersion', 'Version', {
                api: 'script.version',
                type: 'number',
                help: 'Empty: the latest at run time.',
              })}
            </>
          )}
        </div>
      </fieldset>

      <fieldset>
        <legend>Webhook</legend>
        <div class="job-row">
          <Field id={fieldId('source')} label="Source" error={err('source')}>
            <select
              id={fieldId('source')}
              value={draft.source}
              onChange={(e) => set({ source: e.currentTarget.value })}
            >
              <option value="generic">generic (JSON)</option>
              <option value="securechange">securechange (ticket_info XML)</option>
              <option value="checkpoint">checkpoint (SmartTask JSON)</option>
            </select>
          </Field>
          {textField('event', 'Event', {
            help: 'The trigger when a request carries none (e.g. a SecureChange SCW_EVENT).',
          })}
          <Field id={fieldId('mode')} label="Mode" error={err('mode')}>
            <select
              id={fieldId('mode')}
              value={draft.mode}
              onChange={(e) => set({ mode: e.currentTarget.value })}
            >
              <option value="async">async: 202, run by the worker</option>
              <option value="decision">decision: run inline, answer the verdict</option>
            </select>
          </Field>
          {draft.mode === 'decision' ? (
            <Field id={fieldId('onError')} label="On error" error={err('onError')}>
              <select
                id={fieldId('onError')}
                value={draft.onError}
                onChange={(e) => set({ onError: e.currentTarget.value })}
              >
                <option value="deny">deny</option>
                <option value="allow">allow</option>
              </select>
            </Field>
          ) : null}
        </div>
        <div class="job-row">
          <Field id={fieldId('auth')} label="Callers authenticate with" error={err('auth') ?? err('webhook')}>
            <select
              id={fieldId('auth')}
              value={draft.auth}
              aria-describedby={aria('auth')}
              onChange={(e) => set({ auth: e.currentTarget.value as AuthKind })}
            >
              <option value="shared-secret">a shared secret in a header</option>
              <option value="hmac">an HMAC-SHA256 signature</option>
              <option value="none">no webhook (schedule or run now only)</option>
            </select>
          </Field>
          {draft.auth !== 'none' ? (
            <>
              {textField('secret', 'Secret name *', {
                api: 'auth.secret',
                help: `The job names the secret, never its value: npx triggerhub secrets set ${draft.secret.trim() || '<name>'}`,
              })}
              {draft.auth === 'shared-secret'
                ? textField('header', 'Header', { api: 'auth.header', placeholder: 'X-Shared-Secret' })
                : null}
            </>
          ) : null}
        </div>
        {draft.auth === 'hmac' ? (
          <div class="job-row">
            {textField('signatureHeader', 'Signature header', { api: 'auth.signatureHeader' })}
            {textField('timestampHeader', 'Timestamp header', { api: 'auth.timestampHeader' })}
            {textField('toleranceSeconds', 'Tolerance (seconds)', {
              api: 'auth.toleranceSeconds',
              type: 'number',
            })}
          </div>
        ) : null}
      </fieldset>

      <fieldset>
        <legend>Limits</legend>
        <div class="job-row">
          {textField('timeoutSeconds', 'Timeout (seconds)', {
            type: 'number',
            help: `1–280 (decision jobs at most 25). Empty: ${draft.mode === 'decision' ? 10 : 60}.`,
          })}
          {textField('retentionDays', 'Keep runs (days)', {
            type: 'number',
            help: "1–3650. Empty: the stack's (30).",
          })}
          {textField('maxBodyBytes', 'Max body (bytes)', {
            type: 'number',
            help: 'Up to 10 MiB. Empty: 1 MiB.',
          })}
          {textField('dedupeWindowSeconds', 'Dedupe window (seconds)', {
            type: 'number',
            help: '0 turns it off. Empty: 600.',
          })}
        </div>
      </fieldset>

      {ticketJob ? (
        <fieldset>
          <legend>Tickets</legend>
          <Field
            id={fieldId('tickets.queue')}
            label="Queue *"
            help={queues.error === undefined ? 'Where tasks open, as the target lists them.' : undefined}
            error={err('tickets.queue')}
          >
            {queues.items !== undefined && queues.items.length > 0 ? (
              <select
                id={fieldId('tickets.queue')}
                value={draft.queue}
                aria-describedby={aria('tickets.queue', true)}
                onChange={(e) => set({ queue: e.currentTarget.value })}
              >
                {queues.items.some((q) => q.value === draft.queue) ? null : (
                  <option value={draft.queue}>{draft.queue}</option>
                )}
                {queues.items.map((q) => (
                  <option value={q.value}>{q.label}</option>
                ))}
              </select>
            ) : (
              <input
                id={fieldId('tickets.queue')}
                type="text"
                value={draft.queue}
                aria-describedby={
                  queues.error === undefined ? aria('tickets.queue', true) : `${fieldId('tickets.queue')}-why`
                }
                onInput={(e) => set({ queue: e.currentTarget.value })}
              />
            )}
            {queues.error !== undefined ? (
              <p class="help" id={`${fieldId('tickets.queue')}-why`}>
                The target did not list its queues: {errorText(queues.error)}. Type the queue's value.
              </p>
            ) : null}
          </Field>
          <div class="field">
            <label class="switch" for="job-verify">
              <input
                id="job-verify"
                type="checkbox"
                checked={verify}
                onChange={(e) => setVerify(e.currentTarget.checked)}
              />
              Verify with the target
            </label>
            <p class="help">Unchecked, the job is saved without asking the target (?verify=false).</p>
          </div>
        </fieldset>
      ) : null}

      <fieldset>
        <legend>Parameters</legend>
        {draft.runs === 'script' ? (
          <Field
            id={fieldId('params')}
            label="Parameters (JSON)"
            help='Text, numbers, true/false, or {"secret": "<name>"} for a masked one.'
            error={err('params') ?? Object.entries(errors).find(([p]) => p.startsWith('params.'))?.[1]}
          >
            <textarea
              id={fieldId('params')}
              rows={4}
              spellcheck={false}
              value={draft.scriptParams}
              aria-describedby={aria('params', true)}
              onInput={(e) => set({ scriptParams: e.currentTarget.value })}
            />
          </Field>
        ) : manifest === undefined ? (
          <p class="muted">Choose an integration to see its parameters.</p>
        ) : Object.keys(manifest.parameters).length === 0 ? (
          <p class="muted">{manifest.name} has no parameters.</p>
        ) : (
          Object.entries(manifest.parameters).map(([name, spec]) => (
            <ParamField
              key={name}
              name={name}
              spec={spec}
              value={draft.params[name]}
              error={err(`params.${name}`)}
              onChange={(value) => set({ params: { ...draft.params, [name]: value } })}
            />
          ))
        )}
      </fieldset>

      <ScheduleEditor draft={draft.schedule} onChange={(schedule) => set({ schedule })} saveErrors={errors} />

      <div class="form-actions job-actions">
        {saved ? (
          <p class="notice" role="status">
            Saved
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={saving}>
          {saving ? 'Saving…' : isNew ? 'Create job' : 'Save'}
        </button>
      </div>
    </form>
  );
};
