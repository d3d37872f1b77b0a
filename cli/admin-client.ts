import ky, { HTTPError, TimeoutError } from 'ky';
import type { KyInstance, Options } from 'ky';
import {
  array,
  boolean,
  int,
  looseObject,
  nullable,
  object,
  optional,
  safeParse,
  string,
  unknown,
  enum as zEnum,
} from 'zod';
import type { core, infer as Infer } from 'zod';
import { errorMessage } from '../shared/errors.ts';
import { IntegrationManifestSchema, JobSchema, RunSchema, RunStatusSchema } from '../shared/model/index.ts';
import { omit, unlazy } from '../shared/model/zod.ts';
import type {
  IntegrationManifest,
  Job,
  JobInput,
  Run,
  RunStatus,
  RunSummary,
} from '../shared/model/index.ts';
import type { Page, PageRequest, RunListQuery } from '../shared/ports.ts';
import { isLoopbackEndpoint } from './sigv4.ts';

/**
 * How long `putJob` waits for a job with `tickets` checked by its target
 * (`verify` not false): the stack calls the target before it answers, for
 * up to 25 s (`TICKET_ADMIN_DEADLINE_MS`, shared/tickets/ticket-context.ts;
 * API Gateway cuts at 30 s). Above both, so that the CLI prints the
 * stack's reason (`could not reach …`), not its own time-out.
 */
export const TICKET_PUT_TIMEOUT_MS = 35_000;

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

/**
 * The admin API did part of a bulk operation and then stopped at an error it
 * answered beside what it did (`error` in a bulk replay's or a redrive's 2xx
 * answer): the command prints what was done, then fails with this (exit 1).
 */
export class PartialFailureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PartialFailureError';
  }
}

/** The list view of a run, as `GET /admin/jobs/{id}/runs` returns it. */
export const RunSummarySchema = omit(unlazy(RunSchema), { logs: true, event: true, output: true });

// The model's schemas are zod/mini ones (what the functions bundle): the CLI's own
// classic schemas wrap them, and parse through zod's functions rather than methods.
const pageOf = <T extends core.$ZodType>(item: T) =>
  object({ items: array(item), nextCursor: string().min(1).optional() });

/** What `nextRun` says of a job in the grid. */
export const NEXT_RUN_STATES = ['scheduled', 'running', 'overdue', 'disabled', 'webhook'] as const;
export type NextRunState = (typeof NEXT_RUN_STATES)[number];

/**
 * One row of the jobs grid (`GET /admin/jobs`): the stored job definition, with
 * `schedule` as a sentence and the grid's own fields. Loose on purpose: the
 * definition's other fields are passed through (`--json` prints them as the API
 * gave them), and a stack older than the grid answers plain jobs, which still
 * list (their grid fields absent).
 */
export const JobGridItemSchema = looseObject({
  id: string(),
  name: string(),
  enabled: boolean(),
  integration: optional(string()),
  script: optional(looseObject({ id: string(), version: optional(int()) })),
  /** The schedule as a sentence (`every 2 hours from 1 Dec 2026 09:00 Europe/Berlin`), null when none. */
  schedule: optional(nullable(string())),
  scheduleDefinition: optional(unknown()),
  lastRun: optional(
    nullable(
      object({
        id: string(),
        status: RunStatusSchema,
        startedAt: optional(string()),
        endedAt: optional(string()),
      }),
    ),
  ),
  nextRunAt: optional(nullable(string())),
  nextRun: optional(zEnum(NEXT_RUN_STATES)),
});
export type JobGridItem = Infer<typeof JobGridItemSchema>;

const JobPageSchema = pageOf(JobGridItemSchema);

/** `POST /admin/jobs/{id}/runs`: the run that was queued. */
export const RunQueuedSchema = object({ runId: string().min(1), status: string() });
export type RunQueued = Infer<typeof RunQueuedSchema>;

/** `POST /admin/jobs/{id}/stop`: queued runs stopped at once, running ones asked to stop. */
export const JobStopSchema = object({ stopped: array(string()), stopping: array(string()) });
export type JobStop = Infer<typeof JobStopSchema>;

/** `POST /admin/runs/{runId}/stop`. */
export const RunStopSchema = object({ runId: string(), status: zEnum(['stopped', 'stopping']) });
export type RunStop = Infer<typeof RunStopSchema>;

/** `POST /admin/runs/{runId}/replay`: the new run. */
export const ReplaySchema = object({ runId: string().min(1), replayOf: string() });
export type Replay = Infer<typeof ReplaySchema>;

/** What `POST /admin/replays` selects: final runs, of one job or every job. */
export interface ReplayFilter {
  jobId?: string;
  status?: RunStatus;
  /** ISO: runs created at or after. */
  from?: string;
  /** ISO: runs created at or before. */
  to?: string;
  errorContains?: string;
  dryRun?: boolean;
}

/** `POST /admin/replays`: with `dryRun` the original runs, else the new ones; at most 1,000. */
export const BulkReplaySchema = object({
  count: int().min(0),
  runIds: array(string()),
  truncated: optional(boolean()),
  /** The replay stopped at this error after making `runIds` (a partial replay): run it again for the rest. */
  error: optional(string()),
});
export type BulkReplay = Infer<typeof BulkReplaySchema>;

/** One dead-lettered message (`GET /admin/dlq`); a message that is not a run's has no run or job. */
export const DeadLetterItemSchema = object({
  messageId: string(),
  runId: optional(string()),
  jobId: optional(string()),
  status: optional(string()),
  error: optional(string()),
  sentAt: optional(string()),
  receiveCount: int().min(0),
});
export const DeadLetterListSchema = object({ items: array(DeadLetterItemSchema), count: int().min(0) });
export type DeadLetterList = Infer<typeof DeadLetterListSchema>;

/** `POST /admin/dlq/redrive`: the new runs; `dropped` counts messages deleted without a run. */
export const RedriveSchema = object({
  count: int().min(0),
  runIds: array(string()),
  dropped: optional(int().min(0)),
  /** Dead-lettered runs left in the queue for a later redrive (still open, job disabled). */
  left: optional(array(looseObject({ runId: string(), jobId: string(), reason: string() }))),
  /** More messages than one redrive takes: call again for the rest. */
  truncated: optional(boolean()),
  /** The redrive stopped at this error after what it did (a partial redrive): call again for the rest. */
  error: optional(string()),
});
export type Redrive = Infer<typeof RedriveSchema>;

export const ScriptVersionSchema = object({
  id: string(),
  version: int().min(1),
  sha256: string(),
  bytes: int().min(0),
  uploadedBy: string(),
  uploadedAt: string(),
});
export type ScriptVersionAnswer = Infer<typeof ScriptVersionSchema>;
/** A script as listed: its latest version (the other fields as the stack gives them). */
export const ScriptSummarySchema = looseObject({
  id: string(),
  latestVersion: int().min(1),
  sha256: optional(string()),
  updatedAt: optional(string()),
  updatedBy: optional(string()),
});
export type ScriptSummaryAnswer = Infer<typeof ScriptSummarySchema>;
const ScriptPageSchema = pageOf(ScriptSummarySchema);
export const ScriptDetailSchema = object({
  id: string(),
  latestVersion: int().min(1),
  versions: array(ScriptVersionSchema),
});
export type ScriptDetail = Infer<typeof ScriptDetailSchema>;

/** One script version's source, as downloaded. */
export interface ScriptSource {
  source: string;
  /** The `x-script-sha256` header: what the stack recorded for this version. */
  sha256: string | undefined;
}

/** The content type `scripts push` sends. */
export const SCRIPT_CONTENT_TYPE = 'application/javascript';
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
  /** The parameter a ticket job's target refused (`ticket_validation_failed`). */
  param: string().optional(),
});

export interface PutJobResult {
  /** True when the job did not exist before (201), false when it was replaced (200). */
  created: boolean;
  job: Job;
}

/** Typed access to the triggerhub admin API; every answer is checked against its schema. */
export interface AdminClient {
  readonly endpoint: string;
  /** The jobs grid: each job with its schedule sentence, last run and next run. */
  listJobs(page?: PageRequest): Promise<Page<JobGridItem>>;
  /** @throws AdminApiError with status 404 when there is no such job. */
  getJob(id: string): Promise<Job>;
  /**
   * Creates or replaces the job `id`; `job.id`, when set, must equal `id`.
   * `verify: false` (`?verify=false`): a ticket job is stored without asking its target.
   */
  putJob(
    id: string,
    job: JobInput | Record<string, unknown>,
    options?: { verify?: boolean },
  ): Promise<PutJobResult>;
  /** @throws AdminApiError with status 404 when there is no such job. */
  deleteJob(id: string): Promise<void>;
  /** Newest first; the filters are the route's (`status`, `firedBy`, `from`, `to`). */
  listRuns(jobId: string, query?: RunListQuery): Promise<Page<RunSummary>>;
  getRun(runId: string): Promise<Run>;
  /**
   * Run now (`POST /admin/jobs/{id}/runs`), with parameter overrides when given.
   * @throws AdminApiError 404 unknown job, 409 `job_disabled`, 400 bad params.
   */
  startRun(jobId: string, params?: Record<string, unknown>): Promise<RunQueued>;
  /** Stops every open run of the job. */
  stopJob(jobId: string): Promise<JobStop>;
  /** @throws AdminApiError 404 unknown run, 409 `run_finished`. */
  stopRun(runId: string): Promise<RunStop>;
  /** @throws AdminApiError 404 unknown run, 409 `run_open` (still queued or running) or a skipped run. */
  replayRun(runId: string): Promise<Replay>;
  /** Bulk replay (`POST /admin/replays`). */
  replayRuns(filter: ReplayFilter): Promise<BulkReplay>;
  listDeadLetters(query?: { jobId?: string; limit?: number }): Promise<DeadLetterList>;
  redriveDeadLetters(query?: { jobId?: string }): Promise<Redrive>;
  /** Uploads `source` as the script's next version. */
  pushScript(id: string, source: string): Promise<ScriptVersionAnswer>;
  listScripts(page?: PageRequest): Promise<Page<ScriptSummaryAnswer>>;
  /** @throws AdminApiError 404 when there is no such script. */
  getScript(id: string): Promise<ScriptDetail>;
  /** @throws AdminApiError 404 when there is no such script or version. */
  getScriptSource(id: string, version: number): Promise<ScriptSource>;
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
    (body.message ??
      body.Message ??
      `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`) +
    (body.param === undefined ? '' : ` (parameter ${body.param})`);
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

  const timeoutMs = options.timeoutMs ?? 10_000;
  const http: KyInstance = ky.create({
    prefixUrl: endpoint,
    timeout: timeoutMs,
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

  /** The query string: every value that is set, as text. */
  /**
   * As {@link parse}, but answers the JSON as it came (its key order kept, for
   * `--json`): only for a schema that adds nothing (no defaults, no transforms).
   */
  const check = async <T extends core.$ZodType>(
    schema: T,
    response: Response,
    what: string,
  ): Promise<core.output<T>> => {
    const text = await response.clone().text();
    await parse(schema, response, what);
    return JSON.parse(text) as core.output<T>;
  };

  const searchParams = (
    query: Record<string, string | number | undefined> | undefined,
  ): Record<string, string> => {
    const params: Record<string, string> = {};
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) params[name] = String(value);
    }
    return params;
  };

  const seg = encodeURIComponent;

  return {
    endpoint,
    async listJobs(page) {
      const res = await send('get', 'admin/jobs', { searchParams: searchParams({ ...page }) });
      return check(JobPageSchema, res, 'GET /admin/jobs');
    },
    async getJob(id) {
      const res = await send('get', `admin/jobs/${seg(id)}`);
      return parse(JobSchema, res, `GET /admin/jobs/${id}`);
    },
    async putJob(id, job, options = {}) {
      const checked = options.verify !== false && (job as { tickets?: unknown }).tickets !== undefined;
      const res = await send('put', `admin/jobs/${seg(id)}`, {
        json: job,
        ...(options.verify === false ? { searchParams: { verify: 'false' } } : {}),
        ...(checked ? { timeout: Math.max(TICKET_PUT_TIMEOUT_MS, timeoutMs) } : {}),
      });
      return { created: res.status === 201, job: await parse(JobSchema, res, `PUT /admin/jobs/${id}`) };
    },
    async deleteJob(id) {
      await send('delete', `admin/jobs/${seg(id)}`);
    },
    async listRuns(jobId, query) {
      const res = await send('get', `admin/jobs/${seg(jobId)}/runs`, {
        searchParams: searchParams({ ...query }),
      });
      return parse(RunPageSchema, res, `GET /admin/jobs/${jobId}/runs`);
    },
    async getRun(runId) {
      const res = await send('get', `admin/runs/${seg(runId)}`);
      return parse(RunSchema, res, `GET /admin/runs/${runId}`);
    },
    async startRun(jobId, params) {
      // No body without overrides: the route takes the job's own parameters.
      const res = await send('post', `admin/jobs/${seg(jobId)}/runs`, params ? { json: { params } } : {});
      return parse(RunQueuedSchema, res, `POST /admin/jobs/${jobId}/runs`);
    },
    async stopJob(jobId) {
      const res = await send('post', `admin/jobs/${seg(jobId)}/stop`);
      return parse(JobStopSchema, res, `POST /admin/jobs/${jobId}/stop`);
    },
    async stopRun(runId) {
      const res = await send('post', `admin/runs/${seg(runId)}/stop`);
      return parse(RunStopSchema, res, `POST /admin/runs/${runId}/stop`);
    },
    async replayRun(runId) {
      const res = await send('post', `admin/runs/${seg(runId)}/replay`);
      return parse(ReplaySchema, res, `POST /admin/runs/${runId}/replay`);
    },
    async replayRuns(filter) {
      const res = await send('post', 'admin/replays', { json: filter });
      return parse(BulkReplaySchema, res, 'POST /admin/replays');
    },
    async listDeadLetters(query) {
      const res = await send('get', 'admin/dlq', { searchParams: searchParams(query) });
      return parse(DeadLetterListSchema, res, 'GET /admin/dlq');
    },
    async redriveDeadLetters(query) {
      const res = await send('post', 'admin/dlq/redrive', {
        json: query?.jobId === undefined ? {} : { jobId: query.jobId },
      });
      return parse(RedriveSchema, res, 'POST /admin/dlq/redrive');
    },
    async pushScript(id, source) {
      const res = await send('put', `admin/scripts/${seg(id)}`, {
        body: source,
        headers: { 'content-type': SCRIPT_CONTENT_TYPE },
      });
      return parse(ScriptVersionSchema, res, `PUT /admin/scripts/${id}`);
    },
    async listScripts(page) {
      const res = await send('get', 'admin/scripts', { searchParams: searchParams({ ...page }) });
      return parse(ScriptPageSchema, res, 'GET /admin/scripts');
    },
    async getScript(id) {
      const res = await send('get', `admin/scripts/${seg(id)}`);
      return parse(ScriptDetailSchema, res, `GET /admin/scripts/${id}`);
    },
    async getScriptSource(id, version) {
      const res = await send('get', `admin/scripts/${seg(id)}/versions/${version}`);
      // Byte for byte: Response.text() would drop a leading BOM, which the recorded sha256 covers.
      const source = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
      return { source, sha256: res.headers.get('x-script-sha256') ?? undefined };
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
