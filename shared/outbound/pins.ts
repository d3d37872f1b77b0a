import type { IntegrationManifest } from '../model/index.ts';
import type { SecretPin } from './egress.ts';

const hostList = (value: unknown): readonly string[] | undefined =>
  Array.isArray(value) && value.every((h): h is string => typeof h === 'string') ? value : undefined;

/**
 * One pin per password parameter the run resolved: its value and where it may
 * go — the job's `{ "secret", "allowedHosts" }` when given (the operator knows
 * their host), else the manifest's `allowedHosts` (the author's default),
 * else anywhere (an empty list: only dropped on cross-origin redirects).
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
    return [{ param, value, allowedHosts: fromJob ?? spec.allowedHosts ?? [] }];
  });
