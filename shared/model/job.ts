import {
  _default,
  array,
  boolean,
  int,
  iso,
  lazy,
  literal,
  maximum,
  maxLength,
  minimum,
  minLength,
  object,
  optional,
  record,
  refine,
  regex,
  strictObject,
  string,
  superRefine,
  union,
  unknown,
  enum as zEnum,
} from './zod.ts';
import type { infer as Infer, input } from './zod.ts';
import { ScheduleSchema } from './schedule.ts';
import type { Schedule } from './schedule.ts';
import { TicketsConfigSchema } from './tickets.ts';

export const JOB_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Script ids: like job ids. */
export const SCRIPT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const SCRIPT_ID_MESSAGE = 'script id: lower-case letters, digits, - and _, at most 64';
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,256}$/;
export { DEFAULT_SECRET_PREFIX, STAGE_PATTERN } from './names.ts';
/**
 * Secret names under `global/` hold masked globals (`<prefix>global/<name>`):
 * a job may not name them, or it could authenticate callers with a global
 * or hand one to an integration as a password parameter.
 */
export const GLOBAL_SECRET_PREFIX = 'global/';
export const RESERVED_SECRET_MESSAGE = 'secret name global/… is reserved for masked globals';
/** Whether a job names this secret in vain: it is a masked global's. */
export const isReservedSecretName = (name: string): boolean => name.startsWith(GLOBAL_SECRET_PREFIX);
/** A job's secret name: the allowed characters, and not under {@link GLOBAL_SECRET_PREFIX}. */
const jobSecretName = () =>
  string().check(
    regex(SECRET_NAME_PATTERN, 'secret name: letters, digits and /_+=.@- only'),
    refine((name) => !isReservedSecretName(name), RESERVED_SECRET_MESSAGE),
  );

/**
 * One `egress.allowedHosts` entry: a lower-case host name, `*.` and a name
 * (its subdomains, not the name itself), an IPv4 address or a bracketed IPv6
 * address.
 */
export const HOST_PATTERN =
  /^(?:(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/;
/**
 * A list of host patterns ({@link HOST_PATTERN}), 1 to 100: a job's
 * `egress.allowedHosts`, a secret reference's and a password parameter's
 * `allowedHosts`. A function: each schema is built when its lazy() parent is.
 */
export const hostPatterns = () =>
  array(
    string().check(
      maxLength(253),
      regex(HOST_PATTERN, 'host pattern: a lower-case host name, *.example.com, an IPv4 address or [IPv6]'),
    ),
  ).check(minLength(1), maxLength(100));

/** HTTP header names (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

export const MIB = 1024 * 1024;
export const DEFAULT_MAX_BODY_BYTES = MIB;
export const MAX_BODY_BYTES_LIMIT = 10 * MIB;

export const SOURCES = ['generic', 'securechange', 'checkpoint'] as const;
export const SourceSchema = lazy(() => zEnum(SOURCES));
export type Source = Infer<typeof SourceSchema>;

const isProxyUrl = (text: string): boolean => {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};
const hasUserinfo = (text: string): boolean => {
  const url = new URL(text);
  return url.username !== '' || url.password !== '';
};

/** A whole number from `min` to `max`. */
const intBetween = (min: number, max: number) => int().check(minimum(min), maximum(max));

/** Caller authentication: a shared secret sent in a header, compared in constant time. */
export const SharedSecretAuthSchema = lazy(() =>
  object({
    type: _default(literal('shared-secret'), 'shared-secret'),
    /** Name of the secret in the secret store (Secrets Manager in AWS). */
    secret: jobSecretName(),
    header: _default(string().check(regex(HEADER_NAME, 'not a valid header name')), 'X-Shared-Secret'),
  }),
);

/** Caller authentication: HMAC-SHA256 over `<timestamp>.<raw body>`, with a replay window. */
export const HmacAuthSchema = lazy(() =>
  object({
    type: literal('hmac'),
    secret: jobSecretName(),
    signatureHeader: _default(string().check(regex(HEADER_NAME)), 'X-Signature'),
    timestampHeader: _default(string().check(regex(HEADER_NAME)), 'X-Timestamp'),
    toleranceSeconds: _default(intBetween(30, 900), 300),
  }),
);

export const JobAuthSchema = lazy(() => union([SharedSecretAuthSchema, HmacAuthSchema]));
export type JobAuth = Infer<typeof JobAuthSchema>;

/**
 * A secret reference in a job's parameters: `{ "secret": "<name>" }`. Password
 * parameters must be given this way so that no secret value is ever stored in a
 * job definition or shown by the admin API.
 */
export const SecretRefSchema = lazy(() =>
  strictObject({
    secret: jobSecretName(),
    /**
     * The hosts this secret may be sent to by `ctx.http` (patterns as in
     * `egress.allowedHosts`): a request carrying it anywhere else is refused.
     */
    allowedHosts: optional(hostPatterns()),
  }),
);
export type SecretRef = Infer<typeof SecretRefSchema>;

export const JobSchema = lazy(() =>
  strictObject({
    id: string().check(regex(JOB_ID_PATTERN, 'job id: lower-case letters, digits, - and _, at most 64')),
    name: string().check(minLength(1), maxLength(200)),
    description: _default(string().check(maxLength(2000)), ''),
    enabled: _default(boolean(), true),
    /** Id of the integration the job runs (exactly one of `integration` and `script`). */
    integration: optional(string().check(minLength(1), maxLength(100))),
    /** An uploaded script the job runs instead of an integration; no `version`: the latest at run time. */
    script: optional(
      strictObject({
        id: string().check(regex(SCRIPT_ID_PATTERN, SCRIPT_ID_MESSAGE)),
        version: optional(int().check(minimum(1))),
      }),
    ),
    /**
     * Parameter values: checked against the integration's manifest when the job
     * is saved; a script's are free-form (`{ "secret": name }` for masked ones).
     */
    params: _default(record(string(), unknown()), {}),
    /** Runs the job on a schedule (see shared/model/schedule.ts); it still accepts webhooks unless `webhook` is false. */
    schedule: optional(ScheduleSchema),
    /**
     * Ticket orchestration (a ticket integration such as `jira` or `servicenow`):
     * alerts posted to the job become tasks in the target, kept in sync every
     * `tickets.sync.every` minutes. See shared/model/tickets.ts.
     */
    tickets: optional(TicketsConfigSchema),
    /** `false`: the job accepts no webhook (a scheduled or manual-only job, which then needs no `auth`). */
    webhook: optional(boolean()),
    /** At most this many webhook (and manual, replayed) runs of the job at once; absent: no limit. */
    concurrency: optional(intBetween(1, 1000)),
    /** Raise `job_failing` after this many consecutive failed runs. Absent: {@link DEFAULT_ALERT_AFTER_FAILURES}. */
    alertAfterFailures: optional(intBetween(1, 1000)),
    /** Days a run of this job is kept. Absent: the stack's run retention (`TRIGGERHUB_RETENTION_DAYS`, 30). */
    retentionDays: optional(intBetween(1, 3650)),
    /** Which source adapter parses the job's webhook. */
    source: _default(SourceSchema, 'generic'),
    /** Fixed trigger for the job (e.g. a SecureChange event) when the request does not carry one. */
    event: optional(string().check(maxLength(100))),
    /** How callers of the job's webhook authenticate; required unless `webhook` is false. */
    auth: optional(JobAuthSchema),
    /** `async`: accepted with 202 and run by the worker. `decision`: run inline, the answer is the verdict. */
    mode: _default(zEnum(['async', 'decision']), 'async'),
    /** Deadline for one run, in seconds: the integration's AbortSignal fires then. */
    timeoutSeconds: optional(intBetween(1, 280)),
    /** Decision jobs: the verdict when the integration fails or runs out of time. */
    onError: _default(zEnum(['allow', 'deny']), 'deny'),
    /**
     * Check Point decision jobs: the verdict when a publish arrives without its
     * change set (Check Point leaves it out when its management API server is
     * unavailable). `deny` answers at once; `allow` runs the integration, which
     * sees `event.session.changes` absent and checks what it can. Absent means
     * `deny` (not filled in as a default, so that every other job reads as before).
     */
    onMissingChanges: optional(zEnum(['allow', 'deny'])),
    maxBodyBytes: _default(intBetween(1, MAX_BODY_BYTES_LIMIT), DEFAULT_MAX_BODY_BYTES),
    /** Window in which a repeated delivery is answered as a duplicate. */
    dedupeWindowSeconds: _default(intBetween(0, 86_400), 600),

    // ctx.http: where a run may send requests, through what, and how strictly TLS is checked.
    /** Hosts `ctx.http` may reach; absent: any host. */
    egress: optional(strictObject({ allowedHosts: hostPatterns() })),
    /** An http(s) proxy URL for `ctx.http`, without credentials (those go in a masked global `proxy`). */
    proxy: optional(
      string().check(
        maxLength(2048),
        refine(isProxyUrl, 'an http(s) URL'),
        refine(
          (url) => !isProxyUrl(url) || !hasUserinfo(url),
          'put proxy credentials in a masked global `proxy`',
        ),
      ),
    ),
    /** `false` accepts any TLS certificate (logged as a warning on every run). Absent: verified. */
    tlsVerify: optional(boolean()),

    // ctx.effect: how long a recorded effect is kept (after it, the same key runs `fn` again).
    /** Days an effect key is kept. Absent: {@link DEFAULT_EFFECT_TTL_DAYS}. */
    effectTtlDays: optional(intBetween(1, 365)),

    createdAt: optional(iso.datetime()),
    updatedAt: optional(iso.datetime()),
  }).check(
    superRefine((job, ctx) => {
      if ((job.integration === undefined) === (job.script === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [job.integration === undefined ? 'integration' : 'script'],
          message:
            'a job runs exactly one of `integration` (an installed integration) and `script` (an uploaded script)',
        });
      }
      if (job.auth === undefined && job.webhook !== false) {
        ctx.addIssue({
          code: 'custom',
          path: ['auth'],
          message: 'a job that accepts webhooks needs `auth` (or set "webhook": false)',
        });
      }
      if (job.webhook === false && job.schedule === undefined && job.mode === 'decision') {
        ctx.addIssue({
          code: 'custom',
          path: ['webhook'],
          message: 'a decision job answers its webhook: it cannot set "webhook": false',
        });
      }
      if (job.schedule !== undefined && job.mode === 'decision') {
        ctx.addIssue({
          code: 'custom',
          path: ['schedule'],
          message: 'a decision job answers a caller inline: it cannot run on a schedule',
        });
      }
      if (job.script !== undefined && job.mode === 'decision') {
        ctx.addIssue({
          code: 'custom',
          path: ['script'],
          message: 'an uploaded script cannot give a verdict: use an integration for a decision job',
        });
      }
      if (job.mode === 'decision' && job.timeoutSeconds !== undefined && job.timeoutSeconds > 25) {
        ctx.addIssue({
          code: 'custom',
          path: ['timeoutSeconds'],
          message: 'a decision job answers within API Gateway’s limit: at most 25 seconds',
        });
      }
      if (job.tickets !== undefined && (job.integration === undefined || job.mode !== 'async')) {
        // The platform runs a ticket integration's contract around the alert: an async integration job.
        ctx.addIssue({
          code: 'custom',
          path: ['tickets'],
          message: 'ticket orchestration runs a ticket integration (`integration`) in an async job',
        });
      }
      if (job.onMissingChanges !== undefined && job.source !== 'checkpoint') {
        // Only a Check Point publish has a change set to miss: set elsewhere, it would promise a check that never runs.
        ctx.addIssue({
          code: 'custom',
          path: ['onMissingChanges'],
          message: 'only Check Point jobs (source "checkpoint") have a change set',
        });
      } else if (job.onMissingChanges !== undefined && job.mode !== 'decision') {
        // An async job gives no verdict: its integration sees `event.session.changes` absent and decides itself.
        ctx.addIssue({
          code: 'custom',
          path: ['onMissingChanges'],
          message: 'only decision jobs (mode "decision") give a verdict on a publish',
        });
      }
    }),
  ),
);

/** A job as stored and returned (defaults applied). */
export type Job = Infer<typeof JobSchema>;
/** A job as written by an operator (defaults optional). */
export type JobInput = input<typeof JobSchema>;

export const DEFAULT_EFFECT_TTL_DAYS = 30;
export const DEFAULT_ALERT_AFTER_FAILURES = 3;

/** A job whose webhook is open: it has `auth`. */
export type WebhookJob = Job & { auth: JobAuth };
/** Whether the job's webhook is open (`POST /hooks/{id}`): unless `webhook: false` (then it may have no `auth`). */
export const acceptsWebhooks = (job: Job): job is WebhookJob =>
  job.webhook !== false && job.auth !== undefined;
/** What the job runs, for messages: `integration jira` or `script nightly-sync v3`. */
export const runnableOf = (job: Pick<Job, 'integration' | 'script'>): string =>
  job.script !== undefined
    ? `script ${job.script.id}${job.script.version === undefined ? '' : ` v${job.script.version}`}`
    : `integration ${job.integration ?? '?'}`;

/**
 * The schedule the scheduler fires for a job: its own `schedule`, or — a
 * ticket job with `tickets.sync` and no schedule — every `sync.every` minutes
 * (a scheduled run of a ticket job syncs its open tasks when a sync is due,
 * and pulls alerts when its integration can). Every reader of a job's
 * schedule (scheduler, apply, grid, overlap lease) goes through this.
 */
export const jobSchedule = (job: Pick<Job, 'schedule' | 'tickets'>): Schedule | undefined =>
  job.schedule ??
  (job.tickets?.sync === undefined
    ? undefined
    : {
        frequency: 'minute',
        every: job.tickets.sync.every,
        timezone: 'UTC',
        catchUp: 'latest',
        maxCatchUp: 100,
        overlap: 'skip',
      });

export const DEFAULT_ASYNC_TIMEOUT_SECONDS = 60;
export const DEFAULT_DECISION_TIMEOUT_SECONDS = 10;

export const jobTimeoutMs = (job: Pick<Job, 'mode' | 'timeoutSeconds'>): number =>
  1000 *
  (job.timeoutSeconds ??
    (job.mode === 'decision' ? DEFAULT_DECISION_TIMEOUT_SECONDS : DEFAULT_ASYNC_TIMEOUT_SECONDS));
