import {
  _default,
  coerce,
  int,
  maximum,
  minimum,
  minLength,
  object,
  optional,
  pipe,
  regex,
  string,
  url,
} from './model/zod.ts';
import type { infer as Infer } from './model/zod.ts';
import { ValidationError } from './errors.ts';
import { DEFAULT_SECRET_PREFIX, STAGE_PATTERN } from './model/job.ts';

// zod/mini, not zod, like every schema a function builds (./model/zod.ts, which
// also installs the English messages): this schema is built at every cold start.

/** A whole number from `min` to `max` given as text, `fallback` when unset. */
const intBetween = (min: number, max: number, fallback: number) =>
  _default(pipe(coerce.number(), int().check(minimum(min), maximum(max))), fallback);

/**
 * Every environment variable triggerhub reads, checked once at cold start.
 * CDK sets the AWS ones; `npm start` sets the local ones (endpoints).
 */
const EnvSchema = object({
  TRIGGERHUB_TABLE: string().check(minLength(1)),
  TRIGGERHUB_QUEUE_URL: string().check(minLength(1)),
  TRIGGERHUB_PAYLOAD_BUCKET: string().check(minLength(1)),
  /** Prefix of the Secrets Manager names jobs refer to (job secret `demo` → `triggerhub/demo`). */
  TRIGGERHUB_SECRET_PREFIX: _default(string(), DEFAULT_SECRET_PREFIX),
  /** The stack's stage (`cdk deploy -c stage=prod`); unset for the default stage. Reported by `GET /admin/settings`. */
  TRIGGERHUB_STAGE: optional(
    string().check(regex(STAGE_PATTERN, 'a stage name (lower-case letters, digits, "-")')),
  ),
  /** The queue's redrive `maxReceiveCount`: the worker's last attempt records the run as failed. */
  TRIGGERHUB_MAX_RECEIVE_COUNT: intBetween(1, 1000, 3),
  /** First retry back-off of a failed run, doubled on every attempt. */
  TRIGGERHUB_RETRY_BASE_SECONDS: intBetween(0, 900, 10),
  /** The run queue's visibility timeout and the worker's time-out: the sweeper's thresholds derive from them. */
  TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS: intBetween(1, 43_200, 1800),
  TRIGGERHUB_WORKER_TIMEOUT_SECONDS: intBetween(1, 900, 300),
  /** How long run history is kept (DynamoDB TTL). */
  TRIGGERHUB_RETENTION_DAYS: intBetween(1, 3650, 30),
  /** Seconds a secret value is cached by the worker and ingest. */
  TRIGGERHUB_SECRET_CACHE_SECONDS: intBetween(0, 3600, 60),
  /** Local emulator endpoints (unset in AWS). */
  TRIGGERHUB_DYNAMODB_ENDPOINT: optional(url()),
  TRIGGERHUB_SQS_ENDPOINT: optional(url()),
  TRIGGERHUB_S3_ENDPOINT: optional(url()),
  AWS_REGION: _default(string(), 'us-east-1'),
});

export type Config = Infer<typeof EnvSchema>;

/** Parses the environment; throws one ValidationError naming every problem. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ValidationError(`triggerhub configuration: ${problems}`, 'invalid_configuration');
  }
  return parsed.data;
};
