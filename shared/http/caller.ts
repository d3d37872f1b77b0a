import type { EdgeContext, EdgeEnv } from './hono-helpers.ts';

/** Who made an admin request under `npm start`: the local API has no callers but the machine's user. */
export const LOCAL_CALLER = 'local';
/** An API Gateway request that carries no IAM identity (the admin routes are never served so in AWS). */
export const UNKNOWN_CALLER = 'unknown';

/**
 * What names a console user, the first one present: `email` (an ID token's, or an access token's
 * when the pool adds it), `username` (an access token's), `cognito:username` (an ID token's).
 */
const JWT_NAME_CLAIMS = ['email', 'username', 'cognito:username'] as const;

/** The API Gateway request context as far as its IAM and JWT authorizers go; nothing else is read. */
interface AuthorizedRequestContext {
  apiId?: unknown;
  authorizer?: {
    iam?: { userArn?: unknown };
    jwt?: { claims?: Record<string, unknown> };
  };
}

/**
 * Who made an admin request, for what the request records (a checkpoint
 * rewind's `rewoundBy`, a stop's `stopped by`): the IAM principal API
 * Gateway's IAM authorizer verified (`requestContext.authorizer.iam.userArn`,
 * e.g. `arn:aws:sts::123456789012:assumed-role/ops/alice`); for the console
 * in AWS, the user its JWT authorizer verified, `cognito:<name>` (the token's
 * `email`, `username` or `cognito:username` claim; `sub` if it has none) —
 * a claim's value, never the token; or `local` under `npm start` (its server
 * builds events with `apiId: 'local'`; `app.request()` in tests passes none).
 * No header is trusted: a caller could send any.
 */
export const callerOf = (c: EdgeContext): string => {
  const event = (c.env as EdgeEnv['Bindings'] | undefined)?.event;
  if (event === undefined) return LOCAL_CALLER;
  const context = event.requestContext as AuthorizedRequestContext;
  const arn = context.authorizer?.iam?.userArn;
  if (typeof arn === 'string' && arn !== '') return arn;
  const claims = context.authorizer?.jwt?.claims;
  if (claims !== undefined) {
    for (const name of [...JWT_NAME_CLAIMS, 'sub']) {
      const value = claims[name];
      if (typeof value === 'string' && value !== '') return `cognito:${value}`;
    }
    return `cognito:${UNKNOWN_CALLER}`;
  }
  return context.apiId === 'local' ? LOCAL_CALLER : UNKNOWN_CALLER;
};
