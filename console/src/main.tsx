// The operator console: a shell (navigation, theme) over hash-routed pages, all of which
// talk to the admin API only.
import './styles.css';
import type { FunctionComponent } from 'preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { consoleSettings } from './api.ts';
import { SignOut, startAuth } from './auth.ts';
import type { PageProps } from './page.ts';
import { DeadLettersPage } from './pages/dlq.tsx';
import { GlobalsPage } from './pages/globals.tsx';
import { HistoryPage } from './pages/history.tsx';
import { JobPage } from './pages/job.tsx';
import { JobsPage } from './pages/jobs.tsx';
import { NotificationsPage } from './pages/notifications.tsx';
import { RunPage } from './pages/run.tsx';
import { TasksPage } from './pages/tasks.tsx';
import { match, to, useLocation } from './router.ts';
import { ErrorNote } from './ui.tsx';

/** Routes, most specific first. */
const ROUTES: [string, FunctionComponent<PageProps>][] = [
  ['/jobs', JobsPage],
  ['/jobs/new', JobPage],
  ['/jobs/:id', JobPage],
  ['/jobs/:id/history', HistoryPage],
  ['/jobs/:id/tasks', TasksPage],
  ['/runs/:runId', RunPage],
  ['/notifications', NotificationsPage],
  ['/globals', GlobalsPage],
  ['/dlq', DeadLettersPage],
];

const NAV: [string, string][] = [
  ['/jobs', 'Jobs'],
  ['/notifications', 'Notifications'],
  ['/globals', 'Global parameters'],
  ['/dlq', 'Dead letters'],
];

type Theme = 'light' | 'dark';
const THEME_KEY = 'triggerhub.theme';

const initialTheme = (): Theme => {
  const saved = localStorage.getItem(THEME_KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
};

const ThemeToggle = () => {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      class="ghost"
      aria-label={`Switch to ${next} theme`}
      onClick={() => {
        localStorage.setItem(THEME_KEY, next);
        setTheme(next);
      }}
    >
      {theme === 'dark' ? '☀ Light' : '☾ Dark'}
    </button>
  );
};

const App = () => {
  const location = useLocation();
  const [ready, setReady] = useState<{ error?: unknown } | undefined>(undefined);
  useEffect(() => {
    consoleSettings()
      .then((s) => startAuth(s.auth))
      .then(
        () => setReady({}),
        (error: unknown) => setReady({ error }),
      );
  }, []);
  let page = null;
  for (const [pattern, Page] of ROUTES) {
    const params = match(pattern, location.path);
    if (params !== undefined) {
      page = <Page params={params} query={location.query} />;
      break;
    }
  }
  const section = `/${location.path.split('/')[1] ?? ''}`;
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}
      >
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={to('/jobs')}>
          triggerhub
        </a>
        <nav aria-label="Main">
          {NAV.map(([path, label]) => (
            <a href={to(path)} aria-current={section === path ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <ThemeToggle />
        <SignOut />
      </header>
      <main id="main" tabIndex={-1}>
        {ready === undefined ? (
          <p class="muted">Loading…</p>
        ) : ready.error !== undefined ? (
          <ErrorNote error={ready.error} />
        ) : (
          (page ?? (
            <section>
              <h1>Not found</h1>
              <p>
                No page here. <a href={to('/jobs')}>Back to the jobs</a>.
              </p>
            </section>
          ))
        )}
      </main>
    </>
  );
};

document.documentElement.dataset.theme = initialTheme();
const root = document.getElementById('app');
if (root !== null) render(<App />, root);
