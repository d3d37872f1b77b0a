// Global parameters (`/admin/globals`): what every run sees as `ctx.globals`. A masked one's
// value is never requested, never answered and never shown: the page knows only that it exists.
import './globals.css';
import { useState } from 'preact/hooks';
import { ApiError, api, seg } from '../api.ts';
import type { GlobalView } from '../types.ts';
import type { PageProps } from '../page.ts';
import {
  Command,
  ConfirmDialog,
  Dialog,
  EmptyState,
  ErrorNote,
  Field,
  Time,
  errorText,
  useLoad,
} from '../ui.tsx';

/** As the API allows (shared/model/global.ts); the API's own refusals are shown beside the fields too. */
const MAX_GLOBALS = 100;
const MASKED_HELP = 'A masked value is stored in the secret store and never shown again.';
const UNMASK_HELP =
  'A masked global cannot be unmasked: delete it and add it again to make its value visible.';

type Editing = { mode: 'add' } | { mode: 'edit'; global: GlobalView };

/** Which field an API refusal of a PUT is about: its `param`, else its code or message. */
const fieldOf = (error: ApiError): 'name' | 'value' | undefined => {
  if (error.param === 'name' || error.code === 'invalid_global_name' || error.code === 'too_many_globals') {
    return 'name';
  }
  if (error.param === 'value' || /^invalid global: value\b/.test(error.message)) return 'value';
  return undefined;
};

/** What the form says of a refusal: the API's message, a 409 global_masked explained. */
const refusalText = (error: unknown): string =>
  error instanceof ApiError && error.code === 'global_masked'
    ? `${error.message}. ${UNMASK_HELP}`
    : error instanceof ApiError
      ? error.message
      : errorText(error);

const GlobalDialog = ({
  editing,
  existing,
  onClose,
  onSaved,
}: {
  editing: Editing;
  existing: readonly GlobalView[];
  onClose: () => void;
  onSaved: (g: GlobalView, created: boolean) => void;
}) => {
  const current = editing.mode === 'edit' ? editing.global : undefined;
  const [name, setName] = useState(current?.name ?? '');
  const [masked, setMasked] = useState(current?.masked ?? false);
  // A plain global's value is the form's start; a masked one's is never known here.
  const [value, setValue] = useState(current !== undefined && !current.masked ? (current.value ?? '') : '');
  const [errors, setErrors] = useState<{ name?: string; value?: string; form?: string }>({});
  const [saving, setSaving] = useState(false);

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    const trimmed = name.trim();
    if (trimmed === '') return setErrors({ name: 'A name is needed.' });
    if (current === undefined && existing.some((g) => g.name === trimmed)) {
      return setErrors({
        name: `A global named ${trimmed} exists already: use its Edit button to change it.`,
      });
    }
    setSaving(true);
    try {
      const saved = await api.send<GlobalView>('PUT', `/globals/${seg(trimmed)}`, { value, masked });
      // The value leaves this page's memory with the dialog: nothing keeps it after a save.
      setValue('');
      onSaved(saved, current === undefined);
    } catch (error) {
      const field = error instanceof ApiError ? fieldOf(error) : undefined;
      setErrors(field === undefined ? { form: refusalText(error) } : { [field]: refusalText(error) });
    } finally {
      setSaving(false);
    }
  };

  const lockedMasked = current?.masked === true;
  return (
    <Dialog
      title={current === undefined ? 'Add a global parameter' : `Edit ${current.name}`}
      onClose={onClose}
    >
      <form onSubmit={(e) => void save(e)} noValidate>
        {current === undefined ? (
          <Field
            id="global-name"
            label="Name"
            help="A letter, then letters, digits, _ and -, at most 64. Runs read it as ctx.globals.<name>."
            error={errors.name}
          >
            <input
              id="global-name"
              value={name}
              autoComplete="off"
              spellcheck={false}
              aria-invalid={errors.name !== undefined}
              aria-describedby={
                errors.name === undefined ? 'global-name-help' : 'global-name-help global-name-error'
              }
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </Field>
        ) : null}
        <div class="field">
          <label class="switch" for="global-masked">
            <input
              id="global-masked"
              type="checkbox"
              checked={masked}
              disabled={lockedMasked}
              aria-describedby="global-masked-help"
              onChange={(e) => setMasked(e.currentTarget.checked)}
            />
            Masked
          </label>
          <p class="help" id="global-masked-help">
            {lockedMasked ? `${MASKED_HELP} ${UNMASK_HELP}` : MASKED_HELP}
          </p>
        </div>
        <Field
          id="global-value"
          label={lockedMasked ? 'New value' : 'Value'}
          help={
            lockedMasked
              ? 'Its current value is not shown: type a new one to replace it.'
              : masked
                ? 'At least 4 characters, at most 4096.'
                : 'At most 4096 characters.'
          }
          error={errors.value}
        >
          <input
            id="global-value"
            type={masked ? 'password' : 'text'}
            value={value}
            // Browsers do not offer to remember a secret they are not told is a login.
            autoComplete={masked ? 'new-password' : 'off'}
            spellcheck={false}
            aria-invalid={errors.value !== undefined}
            aria-describedby={
              errors.value === undefined ? 'global-value-help' : 'global-value-help global-value-error'
            }
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </Field>
        {errors.form === undefined ? null : (
          <p class="error" role="alert">
            {errors.form}
          </p>
        )}
        <footer>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save'}
          </button>
        </footer>
      </form>
    </Dialog>
  );
};

const DeleteDialog = ({
  global,
  onClose,
  onDeleted,
}: {
  global: GlobalView;
  onClose: () => void;
  onDeleted: () => void;
}) => (
  <ConfirmDialog
    title={`Delete ${global.name}?`}
    confirmLabel={`Delete ${global.name}`}
    busyLabel="Deleting…"
    action={async () => {
      await api.send('DELETE', `/globals/${seg(global.name)}`);
      onDeleted();
    }}
    onClose={onClose}
  >
    <p>
      Runs no longer see <code>ctx.globals.{global.name}</code> once their function reads the globals again
      (within about 10 seconds).
      {global.masked ? ' Its secret is deleted at once, without a recovery window.' : ''}
    </p>
  </ConfirmDialog>
);

export const GlobalsPage = (_props: PageProps) => {
  const list = useLoad(() => api.get<{ items: GlobalView[] }>('/globals'), []);
  const [editing, setEditing] = useState<Editing | undefined>(undefined);
  const [deleting, setDeleting] = useState<GlobalView | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const items = list.data?.items ?? [];
  const full = items.length >= MAX_GLOBALS;

  return (
    <section>
      <h1>Global parameters</h1>
      <p class="muted">
        Every run sees these as <code>ctx.globals</code>. A masked one is a secret: it lives in the secret
        store, is redacted from everything a run leaves, and is never shown here.
      </p>
      <div class="toolbar">
        <button
          type="button"
          class="primary"
          disabled={full}
          onClick={() => {
            setDone(undefined);
            setEditing({ mode: 'add' });
          }}
        >
          Add global
        </button>
        {full ? <span class="muted">At most {MAX_GLOBALS} globals: delete one first.</span> : null}
        <span class="spacer" />
        <button type="button" onClick={list.reload} disabled={list.loading}>
          Refresh
        </button>
      </div>
      {done === undefined ? null : (
        <p class="notice" role="status">
          {done}
        </p>
      )}
      <ErrorNote error={list.error} />
      {list.data === undefined ? (
        list.loading ? (
          <p class="muted">Loading…</p>
        ) : null
      ) : items.length === 0 ? (
        <EmptyState title="No global parameters yet">
          <p>Add one with the button above, or from a terminal:</p>
          <Command text="npx triggerhub globals set jiraBaseUrl --value https://acme.atlassian.net" />
          <Command text={'printf %s "$JIRA_TOKEN" | npx triggerhub globals set jiraToken --masked'} />
        </EmptyState>
      ) : (
        <table class="globals">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Value</th>
              <th scope="col">Updated</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((g) => (
              <tr key={g.name}>
                <td>
                  <code>{g.name}</code>
                </td>
                <td class="globals-value">
                  {g.masked ? (
                    <>
                      <span class="masked" aria-hidden="true">
                        ••••••••
                      </span>{' '}
                      <span class="chip">masked</span>
                    </>
                  ) : (
                    <code>{g.value}</code>
                  )}
                </td>
                <td>
                  <Time iso={g.updatedAt} />
                </td>
                <td class="actions">
                  <button
                    type="button"
                    aria-label={`Edit ${g.name}`}
                    onClick={() => {
                      setDone(undefined);
                      setEditing({ mode: 'edit', global: g });
                    }}
                  >
                    Edit
                  </button>{' '}
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Delete ${g.name}`}
                    onClick={() => {
                      setDone(undefined);
                      setDeleting(g);
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing === undefined ? null : (
        <GlobalDialog
          editing={editing}
          existing={items}
          onClose={() => setEditing(undefined)}
          onSaved={(g, created) => {
            setEditing(undefined);
            setDone(`${created ? 'Added' : 'Saved'} ${g.name}${g.masked ? ' (masked)' : ''}.`);
            list.reload();
          }}
        />
      )}
      {deleting === undefined ? null : (
        <DeleteDialog
          global={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={() => {
            setDeleting(undefined);
            setDone(`Deleted ${deleting.name}.`);
            list.reload();
          }}
        />
      )}
    </section>
  );
};
