import type { APIGatewayProxyEventV2 } from 'aws-lambda';

// `npm start` has no sign-in: its admin API trusts whoever reaches 127.0.0.1. A web page the
// user visits can reach it too — by a cross-site form or fetch (CSRF), or by DNS rebinding (its
// own name re-resolved to 127.0.0.1, so that the browser treats our API as the page's origin).
// Both leave a trace a browser cannot forge: the Host a rebound request names is the attacker's,
// and a cross-site request carries an Origin (and Sec-Fetch-Site) that is not ours. The CLI sends
// no Origin and the console is same-origin: both pass.

/** A loopback Host: `127.0.0.1`, `localhost` or `[::1]`, with or without a port. */
const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

/** Why an admin request to the local server is refused, or undefined when it may go on. */
export interface LocalRefusal {
  status: 403;
  error: 'forbidden_host' | 'cross_origin';
  message: string;
}

/**
 * Under `npm start` (its server builds events with `apiId: 'local'`), an `/admin` request whose
 * `Host` is not a loopback name is refused `forbidden_host`, and one sent by another origin
 * (an `Origin` other than `http://<its Host>`, or `Sec-Fetch-Site: cross-site`/`same-site`)
 * `cross_origin`. Anything else — every request in AWS, where IAM or a JWT decides — passes.
 */
export const localAdminRefusal = (event: APIGatewayProxyEventV2 | undefined): LocalRefusal | undefined => {
  if (event === undefined || event.requestContext.apiId !== 'local') return undefined;
  const path = event.rawPath;
  if (path !== '/admin' && !path.startsWith('/admin/')) return undefined;
  const host = event.headers.host;
  if (host === undefined || !LOOPBACK_HOST.test(host)) {
    return {
      status: 403,
      error: 'forbidden_host',
      message: 'the local admin API answers only requests to 127.0.0.1, localhost or [::1]',
    };
  }
  const origin = event.headers.origin;
  const site = event.headers['sec-fetch-site']?.toLowerCase();
  if (
    (origin !== undefined && origin.toLowerCase() !== `http://${host.toLowerCase()}`) ||
    site === 'cross-site' ||
    site === 'same-site'
  ) {
    return {
      status: 403,
      error: 'cross_origin',
      message: 'the local admin API answers only its own console and the CLI, not another web site',
    };
  }
  return undefined;
};
