// Plain constants, no schema: shared/config.ts reads them at every cold start
// without loading zod (see the comment there).

/** Where job secret `<name>` lives in Secrets Manager by default: `triggerhub/<name>`. */
export const DEFAULT_SECRET_PREFIX = 'triggerhub/';
/** A deployment's stage (`cdk deploy -c stage=prod`): lower-case letters, digits and `-`, at most 20. */
export const STAGE_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?$/;
