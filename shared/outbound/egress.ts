import { domainToASCII } from 'node:url';
import { secretForms } from '../sdk/redaction.ts';

/**
 * Where `ctx.http` may send a request: a job's `egress.allowedHosts`, and a
 * password parameter's own `allowedHosts` (a pin: the secret may only go
 * there). Checked before any connection, for every redirect hop too.
 */

/** A password parameter's value and the hosts it may be sent to. */
export interface SecretPin {
  /** The parameter's name, for the refusal message (never the value). */
  param: string;
  value: string;
  allowedHosts: readonly string[];
}

export type HostPattern = { kind: 'exact'; host: string } | { kind: 'subdomains'; suffix: string };

/** A host as compared: lower-case ASCII (IDN in punycode), without a trailing dot. */
export const normalizeHost = (host: string): string => {
  const lower = host.trim().toLowerCase().replace(/\.$/, '');
  if (lower.startsWith('[') || /^[\x21-\x7e]*$/.test(lower)) return lower;
  return domainToASCII(lower) || lower;
};

/**
 * `example.com` (that host), `*.example.com` (any host below it, not the
 * name itself), an IPv4 address or a bracketed IPv6 address (exactly).
 * Ports are not part of a pattern. The job schema checks the syntax; this
 * only normalizes.
 */
export const parseHostPattern = (pattern: string): HostPattern => {
  const p = normalizeHost(pattern);
  if (p.startsWith('*.')) return { kind: 'subdomains', suffix: `.${normalizeHost(p.slice(2))}` };
  if (p.startsWith('[')) {
    // The URL parser writes IPv6 in its shortest form: compare in that form.
    try {
      return { kind: 'exact', host: new URL(`http://${p}/`).hostname };
    } catch {
      return { kind: 'exact', host: p };
    }
  }
  return { kind: 'exact', host: p };
};

/** Whether `host` (a URL's `hostname`) matches one of the patterns. */
export const hostAllowed = (host: string, patterns: readonly string[]): boolean => {
  const h = normalizeHost(host);
  return patterns.some((raw) => {
    const p = parseHostPattern(raw);
    return p.kind === 'exact' ? h === p.host : h.endsWith(p.suffix) && h.length > p.suffix.length;
  });
};

/** What of a request the pins are looked for in. */
export interface OutgoingRequest {
  url: URL;
  headers: Headers;
  /** The body as text (bodies are buffered: requests to APIs are small). */
  bodyText?: string;
}

/**
 * Whether any form of `value` shows in the URL, a header value or the body:
 * the forms the run's redaction hides ({@link secretForms}), so that what is
 * pinned and what is redacted are one list.
 */
export const carries = (request: OutgoingRequest, value: string): boolean => {
  const forms = secretForms(value);
  if (forms.length === 0) return false;
  const places = [request.url.href, decodeURIComponentSafe(request.url.href), request.bodyText ?? ''];
  for (const [, v] of request.headers) places.push(v);
  return places.some((place) => forms.some((f) => place.includes(f)));
};

const decodeURIComponentSafe = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

export interface EgressRefusal {
  host: string;
  reason: string;
}

/**
 * Undefined when the request may go; else why not. The job's list applies to
 * every request; a pin only to a request that carries its secret.
 */
export const checkEgress = (
  request: OutgoingRequest,
  pins: readonly SecretPin[],
  jobAllowedHosts: readonly string[] | undefined,
): EgressRefusal | undefined => {
  const host = request.url.hostname;
  if (jobAllowedHosts !== undefined && !hostAllowed(host, jobAllowedHosts)) {
    return {
      host,
      reason: `${host} is not in the job's egress.allowedHosts (${jobAllowedHosts.join(', ')})`,
    };
  }
  for (const pin of pins) {
    if (pin.allowedHosts.length === 0 || hostAllowed(host, pin.allowedHosts)) continue;
    if (carries(request, pin.value)) {
      return {
        host,
        reason: `the request carries password parameter "${pin.param}", which may only be sent to ${pin.allowedHosts.join(', ')}`,
      };
    }
  }
  return undefined;
};

/** Whether a header carries any pinned secret (dropped on a cross-origin redirect). */
export const headerCarriesPin = (value: string, pins: readonly SecretPin[]): boolean =>
  pins.some((pin) => secretForms(pin.value).some((f) => value.includes(f)));
