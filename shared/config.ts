import { ValidationError } from './errors.ts';
import { DEFAULT_SECRET_PREFIX, STAGE_PATTERN } from './model/names.ts';

// No zod here, on purpose: every Lambda function reads its configuration
// before anything else, in the few lines its cold start evaluates before the
// first request (functions/<name>/index.ts). The environment is a flat map of
// text; the handful of rules below are all it needs, and a validation library
// would be evaluated at every cold start for them (~2 ms with zod/mini).

/** One environment variable's rule: its value from the text, or the problem with it. */
type Rule<T> = (text: string | undefined) => { value: T } | { problem: string };

const textOr =
  (fallback: string): Rule<string> =>
  (value) => ({ value: value ?? fallback });

const nonEmpty: Rule<string> = (value) =>
  value === undefined
    ? { problem: 'Invalid input: expected string, received undefined' }
    : value.length === 0
      ? { problem: 'Too small: expected string to have >=1 characters' }
      : { value };

const optionalMatching =
  (pattern: RegExp, what: string): Rule<string | undefined> =>
  (value) =>
    value === undefined || pattern.test(value) ? { value } : { problem: what };

/** A URL, kept without surrounding spaces (as zod's `url()` kept it before). */
const optionalUrl: Rule<string | undefined> = (value) => {
  if (value === undefined) return { value };
  const url = value.trim();
  try {
    new URL(url);
    return { value: url };
  } catch {
    return { problem: 'Invalid URL' };
  }
};

/**
 * A whole number from `min` to `max` given as text, `fallback` when unset.
 * Read as `Number()` reads text, as zod's `coerce.number()` did before:
 * an empty or blank value is 0.
 */
const intBetween =
  (min: number, max: number, fallback: number): Rule<number> =>
  (value) => {
    if (value === undefined) return { value: fallback };
    const n = Number(value);
    if (Number.isNaN(n)) return { problem: 'Invalid input: expected number, received NaN' };
    if (!Number.isInteger(n)) return { problem: 'Invalid input: expected int, received number' };
    if (n < min) return { problem: `Too small: expected number to be >=${min}` };
    if (n > max) return { problem: `Too big: expected number to be <=${max}` };
    return { value: n };
  };

/**
 * Every environment variable triggerhub reads, checked once at cold start.
 * CDK sets the AWS ones; `npm start` sets the local ones (endpoints).
 */
const RULES = {
  TRIGGERHUB_TABLE: nonEmpty,
  TRIGGERHUB_QUEUE_URL: nonEmpty,
  TRIGGERHUB_PAYLOAD_BUCKET: nonEmpty,
  /** Prefix of the Secrets Manager names jobs refer to (job secret `demo` → `triggerhub/demo`). */
  TRIGGERHUB_SECRET_PREFIX: textOr(DEFAULT_SECRET_PREFIX),
  /** The stack's stage (`cdk deploy -c stage=prod`); unset for the default stage. Reported by `GET /admin/settings`. */
  TRIGGERHUB_STAGE: optionalMatching(STAGE_PATTERN, 'a stage name (lower-case letters, digits, "-")'),
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
  /**
   * The SNS topic error notifications are published to (the stack's AlarmTopic); unset: none is
   * published (`npm start` writes one ERROR line instead).
   */
  TRIGGERHUB_NOTIFICATION_TOPIC_ARN: optionalMatching(
    /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
    'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
  ),
  /**
   * The customer-managed KMS key masked globals are created under (the stack's `secretsKmsKeyArn`,
   * given to admin only); unset: the AWS-managed key.
   */
  TRIGGERHUB_SECRETS_KMS_KEY_ARN: optionalMatching(
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/,
    'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
  ),
  /**
   * The script-runner Lambda the worker invokes for jobs that run an uploaded script (name or
   * ARN, optionally `:alias`); unset under `npm start`, where each script runs in a child process.
   */
  TRIGGERHUB_SCRIPT_RUNNER_FUNCTION: optionalMatching(
    /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(?::[A-Za-z0-9$_-]{1,128})?$/,
    'a Lambda function name or ARN',
  ),
  /**
   * The run queue's dead-letter queue (admin: `GET /admin/dlq`, `POST /admin/dlq/redrive`); unset:
   * those routes answer 503.
   */
  TRIGGERHUB_DLQ_URL: optionalUrl,
  /** Local emulator endpoints (unset in AWS). */
  TRIGGERHUB_DYNAMODB_ENDPOINT: optionalUrl,
  TRIGGERHUB_SQS_ENDPOINT: optionalUrl,
  TRIGGERHUB_S3_ENDPOINT: optionalUrl,
  AWS_REGION: textOr('us-east-1'),
} satisfies Record<string, Rule<unknown>>;

type Rules = typeof RULES;
type ValueOf<R> = R extends Rule<infer T> ? T : never;
type RequiredKeys = { [K in keyof Rules]: undefined extends ValueOf<Rules[K]> ? never : K }[keyof Rules];
type OptionalKeys = Exclude<keyof Rules, RequiredKeys>;

/** The checked configuration: unset optional variables are absent, as the environment has them. */
export type Config = { [K in RequiredKeys]: ValueOf<Rules[K]> } & {
  [K in OptionalKeys]?: ValueOf<Rules[K]>;
};

/** Parses the environment; throws one ValidationError naming every problem. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(RULES) as [string, Rule<unknown>][]) {
    const result = rule(env[name]);
    if ('problem' in result) problems.push(`${name}: ${result.problem}`);
    else if (result.value !== undefined) config[name] = result.value;
  }
  if (problems.length > 0) {
    throw new ValidationError(`triggerhub configuration: ${problems.join('; ')}`, 'invalid_configuration');
  }
  return config as Config;
};
