import ky, { HTTPError, TimeoutError } from 'ky';
import type { KyInstance, Options } from 'ky';
import { array, object, safeParse, string } from 'zod';
import type { core, infer as Infer } from 'zod';
import { errorMessage } from '../shared/errors.ts';
import { IntegrationManifestSchema, JobSchema, RunSchema } from '../shared/model/index.ts';
import { omit, unlazy } from '../shared/model/zod.ts';
import type { IntegrationManifest, Job, JobInput, Run, RunSummary } from '../shared/model/index.ts';
import type { Page, PageRequest } from '../shared/ports.ts';
import { isLoopbackEndpoint } from './sigv4.ts';

/** The endpoint used when neither `--endpoint`, `TRIGGERHUB_ENDPOINT` nor a running `npm start` gives one. */
export const DEFAULT_ENDPOINT = 'http://127.0.0.1:3000';

/**
 * Signs an outgoing admin request. In AWS the admin API is IAM-authorized and
 * every request needs SigV4 (`createSigV4Signer` in cli/sigv4.ts). It runs before every
 * attempt, retries included, so a timestamped signature is always fresh.
 */
export type RequestSigner = (request: Request) => Request | Promise<Request>;

export interface AdminClientOptions {
  /** Base URL of the admin API, e.g. `http://127.0.0.1:3000` or an API Gateway stage URL. */
  endpoint: string;
  /** Defaults to the global `fetch`; tests pass a fake. */
  fetch?: typeof fetch;
  /** Per-attempt time-out. @default 10000 */
  timeoutMs?: number;
  /** Retries of a GET after a network error, 429 or 5xx. @default 2 */
  retryLimit?: number;
  /** The longest `Retry-After` honoured, in ms; a longer one is cut to this. @default 10000 */
  maxRetryAfterMs?: number;
  /**
   * Signs each attempt, e.g. {@link https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv4.html SigV4}
   * from `createSigV4Signer` (cli/sigv4.ts); not needed locally. What it throws
   * reaches the caller as is, and is not retried.
   */
  sign?: RequestSigner;
}

/** The admin API answered with an error (`{ "error": code, "message": text }`). */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

/** The admin API could not be reached (refused, unresolvable, timed out). */
export class AdminConnectionError extends Error {
  constructor(
    readonly endpoint: string,
    /** Why, in a few words: `connection refused`, `timed out`, `host not found`… */
    readonly reason: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AdminConnectionError';
  }
}

/** The admin API answered, but not in the documented shape. */
export class AdminResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminResponseError';
  }
}

/** The list view of a run, as `GET /admin/jobs/{id}/runs` returns it. */
export const RunSummarySchema = omit(unlazy(RunSchema), { logs: true, event: true, output: true });

// The model's schemas are zod/mini ones (what the functions bundle): the CLI's own
// classic schemas wrap them, and parse through zod's functions rather than methods.
const pageOf = <T extends core.$ZodType>(item: T) =>
  object({ items: array(item), nextCursor: string().min(1).optional() });

const JobPageSchema = pageOf(JobSchema);
const RunPageSchema = pageOf(RunSummarySchema);
const IntegrationListSchema = object({ items: array(IntegrationManifestSchema) });

/**
 * `GET /admin/settings`: where the stack keeps job secrets. Loose on purpose:
 * a later stack may add fields, and `secretStore` may gain values.
 */
export const StackSettingsSchema = object({
  secretStore: string().optional(),
  secretPrefix: string().optional(),
  stage: string().optional(),
  version: string().optional(),
});
export type StackSettingsAnswer = Infer<typeof StackSettingsSchema>;

/** Error bodies: ours are `{ error, message }`; API Gateway's own are `{ message }` or `{ Message }`. */
const ErrorBodySchema = object({
  error: string().optional(),
  message: string().optional(),
  Message: string().optional(),
});

export interface PutJobResult {
  /** True when the job did not exist before (201), false when it was replaced (200). */
  created: boolean;
  job: Job;
}

/** Typed access to the triggerhub admin API; every answer is checked against its schema. */
export interface AdminClient {
  readonly endpoint: string;
  listJobs(page?: PageRequest): Promise<Page<Job>>;
  /** @throws AdminApiError with status 404 when there is no such job. */
  getJob(id: string): Promise<Job>;
  /** Creates or replaces the job `id`; `job.id`, when set, must equal `id`. */
  putJob(id: string, job: JobInput | Record<string, unknown>): Promise<PutJobResult>;
  /** @throws AdminApiError with status 404 when there is no such job. */
  deleteJob(id: string): Promise<void>;
  /** Newest first. */
  listRuns(jobId: string, page?: PageRequest): Promise<Page<RunSummary>>;
  getRun(runId: string): Promise<Run>;
  listIntegrations(): Promise<IntegrationManifest[]>;
  /** The stack's secret prefix, stage and version; a stack older than this route answers 404. */
  getSettings(): Promise<StackSettingsAnswer>;
  /**
   * Any admin route, its answer checked against `schema`: what the commands
   * of the run toolbox (state, checkpoint, effects, globals, notifications)
   * use. `path` is under the endpoint (`admin/globals`); search parameters
   * that are undefined are left out; a 204 answer is checked as `undefined`.
   * Only GETs are retried.
   */
  call<T extends core.$ZodType>(
    method: AdminMethod,
    path: string,
    schema: T,
    options?: AdminCallOptions,
  ): Promise<core.output<T>>;
}

export type AdminMethod = 'get' | 'put' | 'post' | 'delete';

export interface AdminCallOptions {
  /** Sent as the JSON body. */
  json?: unknown;
  searchParams?: Record<string, string | number | boolean | undefined>;
}

/**
 * Carries an error of the sign hook through ky: not a connection problem, not
 * worth a retry (missing credentials stay missing), and the user needs its own
 * message. Never leaves this module.
 */
class SignHookFailure extends Error {
  constructor(readonly error: unknown) {
    super('the request could not be signed', { cause: error });
    this.name = 'SignHookFailure';
  }
}

/** Walks `cause` (and AggregateError members, as undici reports dual-stack failures) for a system error code. */
const systemErrorCode = (error: unknown, depth = 0): string | undefined => {
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  if ('code' in error && typeof error.code === 'string' && /^E[A-Z_]+$/.test(error.code)) return error.code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const code = systemErrorCode(inner, depth + 1);
      if (code !== undefined) return code;
    }
  }
  return 'cause' in error ? systemErrorCode(error.cause, depth + 1) : undefined;
};

/** The innermost `cause` message: undici says only "fetch failed" on top. */
const rootMessage = (error: unknown): string => {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause instanceof Error; depth++) {
    current = current.cause;
  }
  return errorMessage(current);
};

/**
 * What to do about an endpoint that does not answer: only this machine's can be
 * fixed with `npm start`; a deployed one is a URL, network or deployment matter.
 */
export const unreachableHint = (endpoint: string): string =>
  isLoopbackEndpoint(endpoint)
    ? 'Start the local stack with `npm start`, or pass --endpoint <url> (or set TRIGGERHUB_ENDPOINT).'
    : "Check the URL (--endpoint or TRIGGERHUB_ENDPOINT: the stack's API URL output), your network or proxy, and that the stack is deployed.";

const connectionError = (endpoint: string, error: unknown): AdminConnectionError => {
  const hint = unreachableHint(endpoint);
  if (error instanceof TimeoutError) {
    return new AdminConnectionError(
      endpoint,
      'timed out',
      `the admin API at ${endpoint} did not answer in time${isLoopbackEndpoint(endpoint) ? '' : `. ${hint}`}`,
      { cause: error },
    );
  }
  const code = systemErrorCode(error);
  const reason =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host not found'
        : (code ?? rootMessage(error));
  return new AdminConnectionError(
    endpoint,
    reason,
    `cannot reach the triggerhub admin API at ${endpoint} (${reason}). ${hint}`,
    { cause: error },
  );
};

const apiError = async (response: Response): Promise<AdminApiError> => {
  const text = await response.text().catch(() => '');
  let body: Infer<typeof ErrorBodySchema> = {};
  try {
    const parsed = ErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) body = parsed.data;
  } catch {
    // Not JSON (a proxy's HTML page): fall back to the status line.
  }
  const code = body.error ?? `http_${response.status}`;
  const message =
    body.message ??
    body.Message ??
    `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  return new AdminApiError(response.status, code, message);
};

const describeIssues = (error: core.$ZodError): string =>
  error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');

/**
 * Creates the admin API client used by the `triggerhub` CLI.
 *
 * Only GETs are retried (network errors, 429, 5xx; `Retry-After` honoured up to
 * `maxRetryAfterMs`): a PUT or DELETE whose answer was lost may have happened.
 * A refused connection is not retried — nothing listens there, and the user
 * wants the hint at once.
 *
 * @example
 * const admin = createAdminClient({ endpoint: 'http://127.0.0.1:3000' });
 * const { items } = await admin.listJobs({ limit: 20 });
 */
export const createAdminClient = (options: AdminClientOptions): AdminClient => {
  let base: URL;
  try {
    base = new URL(options.endpoint);
  } catch {
    throw new AdminConnectionError(
      options.endpoint,
      'invalid URL',
      `not a valid endpoint URL: ${options.endpoint}`,
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new AdminConnectionError(
      options.endpoint,
      'not http(s)',
      `the endpoint must be an http(s) URL: ${options.endpoint}`,
    );
  }
  // An API Gateway stage URL has a path (`/prod`): keep it, without a trailing slash.
  const endpoint = base.href.replace(/\/+$/, '');
  const sign = options.sign;

  const http: KyInstance = ky.create({
    prefixUrl: endpoint,
    timeout: options.timeoutMs ?? 10_000,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    retry: {
      limit: options.retryLimit ?? 2,
      methods: ['get'],
      statusCodes: [429, 500, 502, 503, 504],
      afterStatusCodes: [429, 503],
      maxRetryAfter: options.maxRetryAfterMs ?? 10_000,
      shouldRetry: ({ error }) =>
        error instanceof SignHookFailure || systemErrorCode(error) === 'ECONNREFUSED' ? false : undefined,
    },
    hooks: sign
      ? {
          beforeRequest: [
            async (request) => {
              try {
                return await sign(request);
              } catch (error) {
                throw new SignHookFailure(error);
              }
            },
          ],
        }
      : {},
  });

  const send = async (method: AdminMethod, path: string, init: Options = {}) => {
    try {
      return await http(path, { method, ...init });
    } catch (error) {
      if (error instanceof HTTPError) throw await apiError(error.response);
      if (error instanceof SignHookFailure) throw error.error;
      throw connectionError(endpoint, error);
    }
  };

  const parse = async <T extends core.$ZodType>(
    schema: T,
    response: Response,
    what: string,
  ): Promise<core.output<T>> => {
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AdminResponseError(`${what}: the admin API at ${endpoint} did not answer with JSON`);
    }
    const parsed = safeParse(schema, json);
    if (!parsed.success) {
      throw new AdminResponseError(
        `${what}: unexpected answer from ${endpoint}: ${describeIssues(parsed.error)}`,
      );
    }
    return parsed.data;
  };

  const searchParams = (page: PageRequest | undefined): Record<string, string> => {
    const params: Record<string, string> = {};
    if (page?.limit !== undefined) params.limit = String(page.limit);
    if (page?.cursor !== undefined) params.cursor = page.cursor;
    return params;
  };

  const seg = encodeURIComponent;

  return {
    endpoint,
    async listJobs(page) {
      const res = await send('get', 'admin/jobs', { searchParams: searchParams(page) });
      return parse(JobPageSchema, res, 'GET /admin/jobs');
    },
    async getJob(id) {
      const res = await send('get', `admin/jobs/${seg(id)}`);
      return parse(JobSchema, res, `GET /admin/jobs/${id}`);
    },
    async putJob(id, job) {
      const res = await send('put', `admin/jobs/${seg(id)}`, { json: job });
      return { created: res.status === 201, job: await parse(JobSchema, res, `PUT /admin/jobs/${id}`) };
    },
    async deleteJob(id) {
      await send('delete', `admin/jobs/${seg(id)}`);
    },
    async listRuns(jobId, page) {
      const res = await send('get', `admin/jobs/${seg(jobId)}/runs`, { searchParams: searchParams(page) });
      return parse(RunPageSchema, res, `GET /admin/jobs/${jobId}/runs`);
    },
    async getRun(runId) {
      const res = await send('get', `admin/runs/${seg(runId)}`);
      return parse(RunSchema, res, `GET /admin/runs/${runId}`);
    },
    async listIntegrations() {
      const res = await send('get', 'admin/integrations');
      return (await parse(IntegrationListSchema, res, 'GET /admin/integrations')).items;
    },
    async getSettings() {
      const res = await send('get', 'admin/settings');
      return parse(StackSettingsSchema, res, 'GET /admin/settings');
    },
    async call(method, path, schema, options = {}) {
      const relative = path.replace(/^\/+/, '');
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(options.searchParams ?? {})) {
        if (value !== undefined) params[name] = String(value);
      }
      const res = await send(method, relative, {
        searchParams: params,
        ...(options.json === undefined ? {} : { json: options.json }),
      });
      const what = `${method.toUpperCase()} /${relative}`;
      if (res.status === 204) {
        const parsed = safeParse(schema, undefined);
        if (!parsed.success)
          throw new AdminResponseError(`${what}: unexpected empty answer from ${endpoint}`);
        return parsed.data;
      }
      return parse(schema, res, what);
    },
  };
};
