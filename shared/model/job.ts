import {
  boolean,
  iso,
  lazy,
  literal,
  number,
  object,
  record,
  string,
  union,
  unknown,
  enum as zEnum,
} from 'zod';
import type { infer as Infer, input } from 'zod';

export const JOB_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,256}$/;
/** Where job secret `<name>` lives in Secrets Manager by default: `triggerhub/<name>`. */
export const DEFAULT_SECRET_PREFIX = 'triggerhub/';
/** A deployment's stage (`cdk deploy -c stage=prod`): lower-case letters, digits and `-`, at most 20. */
export const STAGE_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$/;
/** HTTP header names (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

export const MIB = 1024 * 1024;
export const DEFAULT_MAX_BODY_BYTES = MIB;
export const MAX_BODY_BYTES_LIMIT = 10 * MIB;

export const SOURCES = ['generic', 'securechange', 'checkpoint'] as const;
export const SourceSchema = lazy(() => zEnum(SOURCES));
export type Source = Infer<typeof SourceSchema>;

/** Caller authentication: a shared secret sent in a header, compared in constant time. */
export const SharedSecretAuthSchema = lazy(() =>
  object({
    type: literal('shared-secret').default('shared-secret'),
    /** Name of the secret in the secret store (Secrets Manager in AWS). */
    secret: string().regex(SECRET_NAME_PATTERN, 'secret name: letters, digits and /_+=.@- only'),
    header: string().regex(HEADER_NAME, 'not a valid header name').default('X-Shared-Secret'),
  }),
);

/** Caller authentication: HMAC-SHA256 over `<timestamp>.<raw body>`, with a replay window. */
export const HmacAuthSchema = lazy(() =>
  object({
    type: literal('hmac'),
    secret: string().regex(SECRET_NAME_PATTERN, 'secret name: letters, digits and /_+=.@- only'),
    signatureHeader: string().regex(HEADER_NAME).default('X-Signature'),
    timestampHeader: string().regex(HEADER_NAME).default('X-Timestamp'),
    toleranceSeconds: number().int().min(30).max(900).default(300),
  }),
);

export const JobAuthSchema = lazy(() => union([SharedSecretAuthSchema, HmacAuthSchema]));
export type JobAuth = Infer<typeof JobAuthSchema>;

/**
 * A secret reference in a job's parameters: `{ "secret": "<name>" }`. Password
 * parameters must be given this way so that no secret value is ever stored in a
 * job definition or shown by the admin API.
 */
export const SecretRefSchema = lazy(() => object({ secret: string().regex(SECRET_NAME_PATTERN) }).strict());
export type SecretRef = Infer<typeof SecretRefSchema>;

export const JobSchema = lazy(() =>
  object({
    id: string().regex(JOB_ID_PATTERN, 'job id: lower-case letters, digits, - and _, at most 64'),
    name: string().min(1).max(200),
    description: string().max(2000).default(''),
    enabled: boolean().default(true),
    /** Id of the integration the job runs. */
    integration: string().min(1).max(100),
    /** Parameter values, checked against the integration's manifest when the job is saved. */
    params: record(string(), unknown()).default({}),
    /** Which source adapter parses the job's webhook. */
    source: SourceSchema.default('generic'),
    /** Fixed trigger for the job (e.g. a SecureChange event) when the request does not carry one. */
    event: string().max(100).optional(),
    auth: JobAuthSchema,
    /** `async`: accepted with 202 and run by the worker. `decision`: run inline, the answer is the verdict. */
    mode: zEnum(['async', 'decision']).default('async'),
    /** Deadline for one run, in seconds: the integration's AbortSignal fires then. */
    timeoutSeconds: number().int().min(1).max(280).optional(),
    /** Decision jobs: the verdict when the integration fails or runs out of time. */
    onError: zEnum(['allow', 'deny']).default('deny'),
    /**
     * Check Point decision jobs: the verdict when a publish arrives without its
     * change set (Check Point leaves it out when its management API server is
     * unavailable). `deny` answers at once; `allow` runs the integration, which
     * sees `event.session.changes` absent and checks what it can. Absent means
     * `deny` (not filled in as a default, so that every other job reads as before).
     */
    onMissingChanges: zEnum(['allow', 'deny']).optional(),
    maxBodyBytes: number().int().min(1).max(MAX_BODY_BYTES_LIMIT).default(DEFAULT_MAX_BODY_BYTES),
    /** Window in which a repeated delivery is answered as a duplicate. */
    dedupeWindowSeconds: number().int().min(0).max(86_400).default(600),
    createdAt: iso.datetime().optional(),
    updatedAt: iso.datetime().optional(),
  })
    .strict()
    .superRefine((job, ctx) => {
      if (job.mode === 'decision' && job.timeoutSeconds !== undefined && job.timeoutSeconds > 25) {
        ctx.addIssue({
          code: 'custom',
          path: ['timeoutSeconds'],
          message: 'a decision job answers within API Gateway’s limit: at most 25 seconds',
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
);

/** A job as stored and returned (defaults applied). */
export type Job = Infer<typeof JobSchema>;
/** A job as written by an operator (defaults optional). */
export type JobInput = input<typeof JobSchema>;

export const DEFAULT_ASYNC_TIMEOUT_SECONDS = 60;
export const DEFAULT_DECISION_TIMEOUT_SECONDS = 10;

export const jobTimeoutMs = (job: Pick<Job, 'mode' | 'timeoutSeconds'>): number =>
  1000 *
  (job.timeoutSeconds ??
    (job.mode === 'decision' ? DEFAULT_DECISION_TIMEOUT_SECONDS : DEFAULT_ASYNC_TIMEOUT_SECONDS));
