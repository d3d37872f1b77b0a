import type { IntegrationManifest } from '../model/index.ts';
import type { SecretPin } from './egress.ts';

const hostList = (value: unknown): readonly string[] | undefined =>
  Array.isArray(value) && value.every((h): h is string => typeof h === 'string') ? value : undefined;

/**
 * The host of the URL a `hostFrom` parameter holds, as a pin pattern. A value
 * that is not an http(s) URL with a host pins the secret to a name under
 * `.invalid` (RFC 6761: never resolves), so the secret goes nowhere rather
 * than anywhere: the pin fails closed.
 */
const hostOf = (param: string, value: unknown): string => {
  if (typeof value === 'string') {
    try {
      const url = new URL(value.trim());
      if ((url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '') return url.hostname;
    } catch {
      // Not a URL: below.
    }
  }
  return `${param.toLowerCase()}-is-not-a-url.invalid`;
};

/**
 * One pin per password parameter the run resolved: its value and where it may
 * go — the job's `{ "secret", "allowedHosts" }` when given (the operator knows
 * their host), else the host of the URL in the parameter the manifest's
 * `hostFrom` names (the target the job configures: an on-premises or test
 * server works, no vendor domain is hard-coded), else the manifest's
 * `allowedHosts` (the author's default), else anywhere (an empty list: only
 * dropped on cross-origin redirects).
 */
export const secretPins = (
  manifest: IntegrationManifest,
  jobParams: Readonly<Record<string, unknown>>,
  runParams: Readonly<Record<string, unknown>>,
): SecretPin[] =>
  Object.entries(manifest.parameters).flatMap(([param, spec]): SecretPin[] => {
    if (spec.type !== 'password') return [];
    const value = runParams[param];
    if (typeof value !== 'string' || value === '') return [];
    const ref: unknown = jobParams[param];
    const fromJob =
      typeof ref === 'object' && ref !== null
        ? hostList((ref as { allowedHosts?: unknown }).allowedHosts)
        : undefined;
    const fromUrl =
      spec.hostFrom === undefined ? undefined : [hostOf(spec.hostFrom, runParams[spec.hostFrom])];
    return [{ param, value, allowedHosts: fromJob ?? fromUrl ?? spec.allowedHosts ?? [] }];
  });
