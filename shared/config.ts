import { coerce, object, string, url } from 'zod';
import type { infer as Infer } from 'zod';
import { ValidationError } from './errors.ts';
import { DEFAULT_SECRET_PREFIX, STAGE_PATTERN } from './model/job.ts';

/**
 * Every environment variable triggerhub reads, checked once at cold start.
 * CDK sets the AWS ones; `npm start` sets the local ones (endpoints).
 */
const EnvSchema = object({
  TRIGGERHUB_TABLE: string().min(1),
  TRIGGERHUB_QUEUE_URL: string().min(1),
  TRIGGERHUB_PAYLOAD_BUCKET: string().min(1),
  /** Prefix of the Secrets Manager names jobs refer to (job secret `demo` → `triggerhub/demo`). */
  TRIGGERHUB_SECRET_PREFIX: string().default(DEFAULT_SECRET_PREFIX),
  /** The stack's stage (`cdk deploy -c stage=prod`); unset for the default stage. Reported by `GET /admin/settings`. */
  TRIGGERHUB_STAGE: string()
    .regex(STAGE_PATTERN, 'a stage name (lower-case letters, digits, "-")')
    .optional(),
  /** The queue's redrive `maxReceiveCount`: the worker's last attempt records the run as failed. */
  TRIGGERHUB_MAX_RECEIVE_COUNT: coerce.number().int().min(1).max(1000).default(3),
  /** First retry back-off of a failed run, doubled on every attempt. */
  TRIGGERHUB_RETRY_BASE_SECONDS: coerce.number().int().min(0).max(900).default(10),
  /** The run queue's visibility timeout and the worker's time-out: the sweeper's thresholds derive from them. */
  TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS: coerce.number().int().min(1).max(43_200).default(1800),
  TRIGGERHUB_WORKER_TIMEOUT_SECONDS: coerce.number().int().min(1).max(900).default(300),
  /** How long run history is kept (DynamoDB TTL). */
  TRIGGERHUB_RETENTION_DAYS: coerce.number().int().min(1).max(3650).default(30),
  /** Seconds a secret value is cached by the worker and ingest. */
  TRIGGERHUB_SECRET_CACHE_SECONDS: coerce.number().int().min(0).max(3600).default(60),
  /** Local emulator endpoints (unset in AWS). */
  TRIGGERHUB_DYNAMODB_ENDPOINT: url().optional(),
  TRIGGERHUB_SQS_ENDPOINT: url().optional(),
  TRIGGERHUB_S3_ENDPOINT: url().optional(),
  AWS_REGION: string().default('us-east-1'),
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
