/**
 * The security headers every answer carries (console pages, admin API, webhooks): nothing of
 * ours may be framed, sniffed, or leak its URL in a Referer. The console's page adds its
 * Content-Security-Policy (see {@link consoleCsp}); API answers get a CSP that allows nothing,
 * so that a JSON body opened in a browser runs nothing either.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  // HTTPS only, for a year, once a browser has seen it over HTTPS (API Gateway); ignored over http (npm start).
  'strict-transport-security': 'max-age=31536000',
});

/** The CSP of an answer that is not a console page: it loads nothing and is framed by nobody. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * The console page's CSP: its own script and style sheet only (no inline script or style
 * element, no eval), calls to its own origin and `connectTo` (the sign-in service's token
 * endpoint in AWS), never framed.
 */
export const consoleCsp = (connectTo: readonly string[] = []): string =>
  [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self'${connectTo.map((o) => ` ${o}`).join('')}`,
    "manifest-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');

/**
 * What every answer that is not a console page carries: {@link SECURITY_HEADERS}, the CSP that
 * allows nothing, and `cache-control: no-store` (an admin answer holds jobs and runs, a webhook's
 * a run id: neither belongs in a shared or browser cache). Frozen: one object spread per answer
 * is all the webhook path pays.
 */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...SECURITY_HEADERS,
  'content-security-policy': API_CSP,
  'cache-control': 'no-store',
});

/**
 * `headers` with {@link API_HEADERS} under them: a header the answer sets itself (the console
 * page's CSP, a hashed file's long cache) wins.
 */
export const withApiHeaders = (
  headers: Readonly<Record<string, string | number | boolean>> | undefined,
): Record<string, string | number | boolean> =>
  headers === undefined ? { ...API_HEADERS } : { ...API_HEADERS, ...headers };
