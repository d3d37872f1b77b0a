// Hash routes: every page has its own URL (a run's log opens in a tab of its own) and the
// server serves one page. `#/jobs/demo/history?status=failed` → route, params, query.
import { useEffect, useState } from 'preact/hooks';

export interface Location {
  path: string;
  query: URLSearchParams;
}

const read = (): Location => {
  const hash = window.location.hash.replace(/^#/, '') || '/jobs';
  const [path = '/jobs', query = ''] = hash.split('?', 2);
  return { path, query: new URLSearchParams(query) };
};

/** The current hash route, re-read on every change. */
export const useLocation = (): Location => {
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const onChange = (): void => setLocation(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return location;
};

/** A link target for a route (`href={to('/runs/' + id)}`). */
export const to = (path: string, query?: Record<string, string | undefined>): string => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') params.set(k, v);
  const text = params.toString();
  return `#${path}${text === '' ? '' : `?${text}`}`;
};

/** Moves to a route. */
export const navigate = (path: string, query?: Record<string, string | undefined>): void => {
  window.location.hash = to(path, query);
};

/** `pattern` like `/jobs/:id/history` against a path: the decoded params, or undefined. */
export const match = (pattern: string, path: string): Record<string, string> | undefined => {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith(':')) {
      if (g === '') return undefined;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined;
      }
    } else if (w !== g) return undefined;
  }
  return params;
};
