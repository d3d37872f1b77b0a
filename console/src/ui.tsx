// Small pieces every page uses: loading data, status chips, times, empty states, dialogs.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { SignInExpiredError, TokenRefusedError, signInAgain } from './auth.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again (keeps the current data on screen meanwhile). */
  reload: () => void;
}

/**
 * Runs `load` now and whenever `deps` change (and every `everyMs` when given, while the
 * tab is visible); a late answer of an earlier load is dropped.
 */
export const useLoad = <T,>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  everyMs?: number,
): Loaded<T> => {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const generation = useRef(0);
  // A load still waiting for its answer: a polling tick does not supersede it (an answer slower
  // than the interval would otherwise be dropped every time, and the page never shown).
  const inFlight = useRef(false);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    inFlight.current = true;
    setState((s) => ({ ...s, loading: true }));
    const settled = (): boolean => {
      if (mine !== generation.current) return false;
      inFlight.current = false;
      return true;
    };
    load().then(
      (data) => settled() && setState({ data, error: undefined, loading: false }),
      (error: unknown) => settled() && setState((s) => ({ ...s, error, loading: false })),
    );
  }, deps);
  useEffect(() => {
    reload();
    if (everyMs === undefined) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && !inFlight.current) reload();
    }, everyMs);
    return () => clearInterval(timer);
  }, [reload, everyMs]);
  return { ...state, reload };
};

/** A run status (or nextRun state) as a coloured chip; the text is the status itself. */
export const StatusChip = ({ status }: { status: string }) => (
  <span class={`chip chip-${status}`} data-status={status}>
    {status.replace(/_/g, ' ')}
  </span>
);

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** `in 3 minutes`, `5 seconds ago`: the largest unit that fits. */
export const fromNow = (iso: string, now = Date.now()): string => {
  const diff = Date.parse(iso) - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === 'second') return relative.format(Math.round(diff / ms), unit);
  }
  return iso;
};

/** `2.4 s`, `3 min 5 s`, `1 h 2 min`. */
export const formatDuration = (ms: number): string => {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
};

/** A re-render every `ms` (for counting-down times). */
export const useTick = (ms: number): number => {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
};

/** A time as `3 minutes ago`, the exact time in its tooltip and `datetime`. */
export const Time = ({ iso, now }: { iso: string | undefined | null; now?: number }) =>
  iso ? (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {fromNow(iso, now)}
    </time>
  ) : (
    <span class="muted">—</span>
  );

/** What a newcomer should do next, where a list is empty. */
export const EmptyState = ({ title, children }: { title: string; children?: ComponentChildren }) => (
  <div class="empty" role="status">
    <p class="empty-title">{title}</p>
    {children}
  </div>
);

/** A command a user can copy. */
export const Command = ({ text }: { text: string }) => (
  <pre class="command">
    <code>{text}</code>
  </pre>
);

/** The message of anything thrown, an API refusal with its code. */
export const errorText = (error: unknown): string => {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  // fetch's own refusal (no answer at all: the stack stopped, the network is down) is a bare
  // TypeError whose text ("Failed to fetch", "Load failed"…) tells an operator nothing.
  if (error instanceof TypeError && /fetch|network|load failed/i.test(error.message)) {
    return `triggerhub did not answer (${error.message}): check that it is running — locally, npm start — and try again.`;
  }
  return error instanceof Error ? error.message : String(error);
};

/** An error in a page, announced to screen readers. */
export const ErrorNote = ({ error }: { error: unknown }) =>
  error === undefined ? null : (
    <p class="error" role="alert">
      {errorText(error)}
      {/* The console no longer signs in again by itself here: a person may, when it is fixed. */}
      {error instanceof TokenRefusedError || error instanceof SignInExpiredError ? (
        <>
          {' '}
          <button type="button" onClick={() => void signInAgain()}>
            Sign in again
          </button>
        </>
      ) : null}
    </p>
  );

/**
 * A modal dialog (the browser's own `<dialog>`: focus stays inside, Escape closes it).
 * Rendered only while open.
 */
export const Dialog = ({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}) => {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-label={title} onClose={onClose}>
      <header class="dialog-head">
        <h2>{title}</h2>
        <button type="button" class="icon" aria-label="Close" onClick={() => ref.current?.close()}>
          ×
        </button>
      </header>
      {children}
    </dialog>
  );
};

/** A labelled form field with its help text and its error (from the API's `param`). */
export const Field = ({
  id,
  label,
  help,
  error,
  children,
}: {
  id: string;
  label: string;
  help?: string | undefined;
  error?: string | undefined;
  children: ComponentChildren;
}) => (
  <div class={`field${error ? ' field-invalid' : ''}`}>
    <label for={id}>{label}</label>
    {children}
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

/**
 * A dialog that asks before an action (delete, redrive…): its explanation, Cancel, and the
 * action's button, which shows `busyLabel` while `action` runs and the API's refusal when it
 * fails (the dialog stays open for another try).
 */
export const ConfirmDialog = ({
  title,
  confirmLabel,
  busyLabel,
  tone = 'danger',
  action,
  onClose,
  children,
}: {
  title: string;
  confirmLabel: string;
  busyLabel: string;
  tone?: 'danger' | 'primary';
  action: () => Promise<void>;
  onClose: () => void;
  children: ComponentChildren;
}) => {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const run = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };
  return (
    <Dialog title={title} onClose={onClose}>
      {children}
      <ErrorNote error={error} />
      <footer>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" class={tone} disabled={busy} onClick={() => void run()}>
          {busy ? busyLabel : confirmLabel}
        </button>
      </footer>
    </Dialog>
  );
};

/** How long a page follows (refreshes faster) after an action of its own, even when nothing shows open yet. */
export const FOLLOW_AFTER_ACTION_MS = 30_000;

/**
 * `[following, follow]`: `follow()` after an action (Run now, Stop, Replay…) makes `following`
 * true for {@link FOLLOW_AFTER_ACTION_MS} from the latest call — a new run may not show yet (a
 * filtered list shows it only once it has ended), so the page keeps looking for a while.
 */
export const useFollowAfterAction = (): [boolean, () => void] => {
  const [actions, setActions] = useState(0);
  useEffect(() => {
    if (actions === 0) return undefined;
    const timer = setTimeout(() => setActions(0), FOLLOW_AFTER_ACTION_MS);
    return () => clearTimeout(timer);
  }, [actions]);
  return [actions > 0, () => setActions((n) => n + 1)];
};
