// The console's one way to the admin API: same origin, JSON in and out, errors as ApiError.
import { authHeaders, unauthorized } from './auth.ts';
import type { ConsoleSettings, IntegrationManifest } from './types.ts';

let settings: Promise<ConsoleSettings> | undefined;

/** `/console/config.json`: where the admin API is and how to sign in (read once per page). */
export const consoleSettings = (): Promise<ConsoleSettings> =>
  (settings ??= fetch('/console/config.json', { credentials: 'same-origin' }).then(async (r) => {
    if (!r.ok) throw new Error(`the console's settings could not be read (HTTP ${r.status})`);
    return (await r.json()) as ConsoleSettings;
  }));

/** An admin API refusal: the HTTP status and the API's `{error, message, param?}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | undefined>;

const queryString = (query: Query | undefined): string => {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
};

/** Path segments go through this: an id or key never changes the route it is in. */
export const seg = (value: string): string => encodeURIComponent(value);

const request = async (
  method: string,
  path: string,
  init: { query?: Query; body?: BodyInit; type?: string } = {},
): Promise<Response> => {
  const { apiBase, auth } = await consoleSettings();
  const headers: Record<string, string> = { accept: 'application/json', ...(await authHeaders(auth)) };
  if (init.type !== undefined) headers['content-type'] = init.type;
  const res = await fetch(`${apiBase}${path}${queryString(init.query)}`, {
    method,
    headers,
    body: init.body,
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (res.ok) return res;
  // An expired or refused token: sign in again (the page leaves) rather than show the error.
  if (res.status === 401) await unauthorized(auth);
  let code = `http_${res.status}`;
  let message = `${res.status} ${res.statusText}`;
  let param: string | undefined;
  try {
    const body = (await res.json()) as { error?: unknown; message?: unknown; param?: unknown };
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.message === 'string') message = body.message;
    if (typeof body.param === 'string') param = body.param;
  } catch {
    // Not JSON: the status line says it.
  }
  throw new ApiError(res.status, code, message, param);
};

const json = async <T>(res: Response): Promise<T> =>
  res.status === 204 ? (undefined as T) : ((await res.json()) as T);

/** The admin API, by paths under `/admin` (e.g. `api.get('/jobs')`). */
export const api = {
  get: async <T>(path: string, query?: Query): Promise<T> => json<T>(await request('GET', path, { query })),
  /** POST / PUT / DELETE with an optional JSON body. */
  send: async <T>(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
    query?: Query,
  ): Promise<T> =>
    json<T>(
      await request(method, path, {
        query,
        ...(body === undefined ? {} : { body: JSON.stringify(body), type: 'application/json' }),
      }),
    ),
  /** A text body out (a script version's source). */
  getText: async (path: string): Promise<{ text: string; headers: Headers }> => {
    const res = await request('GET', path);
    return { text: await res.text(), headers: res.headers };
  },
  /** A text body in (a script upload). */
  putText: async <T>(path: string, text: string, type = 'application/javascript'): Promise<T> =>
    json<T>(await request('PUT', path, { body: text, type })),
};

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
