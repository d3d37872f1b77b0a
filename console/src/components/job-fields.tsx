// The job form's fields generated from an integration's manifest: text, password (a secret
// NAME only: the value is never asked for nor shown), number, boolean, choice, multichoice.
// Each carries its help text and the API's message when its `param` names it.
import type { ParameterSpec } from '../types.ts';
import { Command, Field } from '../ui.tsx';

/** An element id for a job field by its API path (`schedule.every` → `f-schedule-every`). */
export const fieldId = (path: string): string => `f-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** `aria-describedby` for a control with its help text and error (undefined when neither). */
export const describedBy = (id: string, help: boolean, error: boolean): string | undefined => {
  const ids = [help ? `${id}-help` : '', error ? `${id}-error` : ''].filter((s) => s !== '');
  return ids.length === 0 ? undefined : ids.join(' ');
};

/** How a hidden value is shown. */
export const DOTS = '••••••••';

/** A stored `{ "secret": name }` reference, or undefined. */
export const secretNameOf = (value: unknown): string | undefined =>
  typeof value === 'object' && value !== null && 'secret' in value && typeof value.secret === 'string'
    ? value.secret
    : undefined;

/** A parameter's value as the definition shows it (a password: dots and its secret's name). */
export const ParamValue = ({ spec, value }: { spec: ParameterSpec | undefined; value: unknown }) => {
  const secret = secretNameOf(value);
  // Dots say a secret is there: a password parameter that names none has nothing to hide.
  if (spec?.type === 'password' && value === undefined) return <span class="muted">not set</span>;
  if (spec?.type === 'password' || secret !== undefined) {
    return (
      <span>
        <span class="masked" aria-label="hidden value">
          {DOTS}
        </span>{' '}
        <span class="muted">secret</span> <code>{secret ?? '—'}</code>
      </span>
    );
  }
  if (value === undefined) {
    const fallback = spec !== undefined && 'default' in spec ? spec.default : undefined;
    const shown = isStringList(fallback) ? fallback.join(', ') : JSON.stringify(fallback);
    return (
      <span class="muted">{fallback === undefined || fallback === '' ? 'not set' : `default: ${shown}`}</span>
    );
  }
  if (typeof value === 'string')
    return <span class="job-value">{value === '' ? <span class="muted">empty</span> : value}</span>;
  // A multichoice's picks read as a list, not as JSON (manifests give no labels beside choices).
  if (isStringList(value))
    return (
      <span class="job-value">{value.length === 0 ? <span class="muted">none</span> : value.join(', ')}</span>
    );
  return <code>{JSON.stringify(value)}</code>;
};

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'string');

/** A parameter's draft value → what the job stores (empty → left out, so the default applies). */
export const paramValueOf = (spec: ParameterSpec, draft: unknown): unknown => {
  switch (spec.type) {
    case 'number': {
      if (typeof draft === 'number') return draft;
      const text = typeof draft === 'string' ? draft.trim() : '';
      if (text === '') return undefined;
      // Not a number: sent as typed, so that the API's message names the parameter.
      return Number.isFinite(Number(text)) ? Number(text) : text;
    }
    case 'password': {
      const name = secretNameOf(draft);
      return name === undefined || name === '' ? undefined : draft;
    }
    case 'text':
    case 'choice':
      return draft === '' ? undefined : draft;
    case 'multichoice':
      return Array.isArray(draft) && draft.length > 0 ? draft : undefined;
    case 'boolean':
      return typeof draft === 'boolean' ? draft : undefined;
  }
};

/** One manifest parameter's control, inside its labelled field with help and error. */
export const ParamField = ({
  name,
  spec,
  value,
  error,
  onChange,
  id = fieldId(`params.${name}`),
}: {
  name: string;
  spec: ParameterSpec;
  value: unknown;
  error: string | undefined;
  onChange: (value: unknown) => void;
  /** The control's id when the job form's (`f-params-<name>`) would clash: Run now's dialog. */
  id?: string;
}) => {
  const label = `${spec.label ?? name}${spec.mandatory ? ' *' : ''}`;
  const help = spec.description;
  const aria = describedBy(id, help !== undefined && help !== '', error !== undefined);
  const invalid = error !== undefined ? true : undefined;
  const required = spec.mandatory === true;
  switch (spec.type) {
    case 'password': {
      const secret = secretNameOf(value) ?? '';
      const command = `npx triggerhub secrets set ${secret === '' ? '<name>' : secret}`;
      return (
        // The help goes right under the input (not after the command box, far from its label).
        <Field id={id} label={`${label} (secret name)`} error={error}>
          <p class="job-secret">
            {secret === '' ? (
              <span class="muted">No secret named yet: type its name below.</span>
            ) : (
              <>
                <span class="masked" aria-label="hidden value">
                  {DOTS}
                </span>{' '}
                <span class="muted">stored in the secret</span> <code>{secret}</code>
              </>
            )}
          </p>
          <input
            id={id}
            type="text"
            autoComplete="off"
            spellcheck={false}
            required={required}
            value={secret}
            aria-describedby={aria}
            aria-invalid={invalid}
            onInput={(e) => {
              const next = e.currentTarget.value;
              // The pins stay with the reference; the value itself never passes through the console.
              const base = typeof value === 'object' && value !== null ? value : {};
              onChange(next === '' ? undefined : { ...base, secret: next });
            }}
          />
          {help !== undefined && help !== '' ? (
            <p class="help" id={`${id}-help`}>
              {help}
            </p>
          ) : null}
          <p class="help">The job keeps the secret's name, never its value. Set the value with:</p>
          <Command text={command} />
        </Field>
      );
    }
    case 'number':
      return (
        <Field id={id} label={label} help={help} error={error}>
          <input
            id={id}
            type="number"
            step="any"
            required={required}
            value={typeof value === 'number' || typeof value === 'string' ? String(value) : ''}
            placeholder={spec.default === undefined ? '' : String(spec.default)}
            aria-describedby={aria}
            aria-invalid={invalid}
            onInput={(e) => onChange(e.currentTarget.value)}
          />
        </Field>
      );
    case 'boolean': {
      const checked = typeof value === 'boolean' ? value : (spec.default ?? false);
      return (
        <div class={`field${error ? ' field-invalid' : ''}`}>
          <label class="switch" for={id}>
            <input
              id={id}
              type="checkbox"
              checked={checked}
              aria-describedby={aria}
              aria-invalid={invalid}
              onChange={(e) => onChange(e.currentTarget.checked)}
            />
            {label}
          </label>
          {help ? (
            <p class="help" id={`${id}-help`}>
              {help}
            </p>
          ) : null}
          {error ? (
            <p class="field-error" id={`${id}-error`} role="alert">
              {error}
            </p>
          ) : null}
        </div>
      );
    }
    case 'choice':
      return (
        <Field id={id} label={label} help={help} error={error}>
          <select
            id={id}
            required={required}
            value={typeof value === 'string' ? value : ''}
            aria-describedby={aria}
            aria-invalid={invalid}
            onChange={(e) => onChange(e.currentTarget.value)}
          >
            {required && spec.default === undefined ? (
              <option value="">Choose…</option>
            ) : (
              <option value="">{spec.default === undefined ? 'Not set' : `Default (${spec.default})`}</option>
            )}
            {spec.choices.map((c) => (
              <option value={c}>{c}</option>
            ))}
          </select>
        </Field>
      );
    case 'multichoice': {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      return (
        <fieldset class={`field job-multi${error ? ' field-invalid' : ''}`} id={id} aria-describedby={aria}>
          <legend>{label}</legend>
          {spec.choices.map((c, i) => (
            <label class="switch" for={`${id}-${i}`}>
              <input
                id={`${id}-${i}`}
                type="checkbox"
                checked={chosen.includes(c)}
                onChange={(e) =>
                  onChange(e.currentTarget.checked ? [...chosen, c] : chosen.filter((x) => x !== c))
                }
              />
              {c}
            </label>
          ))}
          {help ? (
            <p class="help" id={`${id}-help`}>
              {help}
              {spec.default === undefined || spec.default.length === 0
                ? ''
                : ` Default: ${spec.default.join(', ')}.`}
            </p>
          ) : null}
          {error ? (
            <p class="field-error" id={`${id}-error`} role="alert">
              {error}
            </p>
          ) : null}
        </fieldset>
      );
    }
    case 'text': {
      const text = typeof value === 'string' ? value : '';
      // Multi-line values (headers, templates) get a text area; a URL or a name a line.
      const multiline = text.includes('\n') || /\bper line\b|template|JSON document/i.test(help ?? '');
      const common = {
        id,
        required,
        value: text,
        placeholder: spec.default ?? '',
        spellcheck: false,
        'aria-describedby': aria,
        'aria-invalid': invalid,
      };
      return (
        <Field id={id} label={label} help={help} error={error}>
          {multiline ? (
            <textarea {...common} rows={3} onInput={(e) => onChange(e.currentTarget.value)} />
          ) : (
            <input {...common} type="text" onInput={(e) => onChange(e.currentTarget.value)} />
          )}
        </Field>
      );
    }
  }
};
