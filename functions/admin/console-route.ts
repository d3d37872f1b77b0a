import type { APIGatewayProxyEventV2, APIGatewayProxyResult, Context } from 'aws-lambda';

/** Where the console's calls arrive in AWS: `/console/admin/<route>`, behind the JWT authorizer. */
export const CONSOLE_ADMIN_PREFIX = '/console/admin';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * The admin function serves two routes of the HTTP API: `ANY /admin/{proxy+}` (IAM: the CLI)
 * and `ANY /console/admin/{proxy+}` (the user pool's JWT: the console). The second is the
 * first's path under `/console` — the console is served there, and its calls stay on its
 * origin — so its event is given to the admin app as `/admin/<route>`, but only when API
 * Gateway's JWT authorizer verified a token (`requestContext.authorizer.jwt`). An event
 * without one did not come through that route: it goes on as it is, and the admin app, which
 * has no `/console` route, answers 404 (with its refusal line).
 */
export const withConsoleRoute =
  (handler: Handler): Handler =>
  (event, context) => {
    const path = event.rawPath;
    if (path !== CONSOLE_ADMIN_PREFIX && !path.startsWith(`${CONSOLE_ADMIN_PREFIX}/`))
      return handler(event, context);
    // The plain v2 event type has no authorizer; the JWT route's events do.
    const { authorizer } = event.requestContext as { authorizer?: { jwt?: unknown } };
    if (typeof authorizer?.jwt !== 'object' || authorizer.jwt === null) return handler(event, context);
    const adminPath = `/admin${path.slice(CONSOLE_ADMIN_PREFIX.length)}`;
    return handler(
      {
        ...event,
        rawPath: adminPath,
        requestContext: { ...event.requestContext, http: { ...event.requestContext.http, path: adminPath } },
      },
      context,
    );
  };
