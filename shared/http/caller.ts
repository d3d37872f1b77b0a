import type { EdgeContext, EdgeEnv } from './hono-helpers.ts';

/** Who made an admin request under `npm start`: the local API has no callers but the machine's user. */
export const LOCAL_CALLER = 'local';
/** An API Gateway request that carries no IAM identity (the admin routes are never served so in AWS). */
export const UNKNOWN_CALLER = 'unknown';

/** The API Gateway request context as far as its IAM authorizer goes; nothing else is read. */
interface IamRequestContext {
  apiId?: unknown;
  authorizer?: { iam?: { userArn?: unknown } };
}

/**
 * Who made an admin request, for what the request records (a checkpoint
 * rewind's `rewoundBy`): the IAM principal API Gateway's IAM authorizer
 * verified (`requestContext.authorizer.iam.userArn`, e.g.
 * `arn:aws:sts::123456789012:assumed-role/ops/alice`), or `local` under
 * `npm start` (its server builds events with `apiId: 'local'`; `app.request()`
 * in tests passes none). No header is trusted: a caller could send any.
 */
export const callerOf = (c: EdgeContext): string => {
  const event = (c.env as EdgeEnv['Bindings'] | undefined)?.event;
  if (event === undefined) return LOCAL_CALLER;
  const context = event.requestContext as IamRequestContext;
  const arn = context.authorizer?.iam?.userArn;
  if (typeof arn === 'string' && arn !== '') return arn;
  return context.apiId === 'local' ? LOCAL_CALLER : UNKNOWN_CALLER;
};
