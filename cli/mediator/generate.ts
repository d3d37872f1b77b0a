import { bashMediatorScript } from './bash-template.ts';
import { resolveMediatorOptions } from './options.ts';
import type { MediatorOptions } from './options.ts';
import { pythonMediatorScript } from './python-template.ts';

export {
  DEFAULT_MAX_TIME_SECONDS,
  DEFAULT_SECRET_HEADER,
  MEDIATOR_KINDS,
  MEDIATOR_LANGS,
  defaultSecretFile,
  hookUrl,
} from './options.ts';
export type { MediatorKind, MediatorLang, MediatorOptions } from './options.ts';

/**
 * Generates a SecureChange mediator script that forwards the ticket XML on
 * stdin to `POST <url>/hooks/<jobId>` and turns triggerhub's answer into what
 * SecureChange expects from that kind of script (exit code or XML on stdout).
 * The job's secret is read from `secretFile` when the script runs.
 *
 * @throws ValidationError naming every invalid option.
 * @example
 * const script = generateMediatorScript({
 *   jobId: 'firewall-review', kind: 'validation', lang: 'bash',
 *   url: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
 *   secretHeader: 'X-Shared-Secret', secretFile: '/opt/tufin/triggerhub/firewall-review.secret',
 * });
 */
export const generateMediatorScript = (options: MediatorOptions): string => {
  const resolved = resolveMediatorOptions(options);
  return resolved.lang === 'bash' ? bashMediatorScript(resolved) : pythonMediatorScript(resolved);
};
