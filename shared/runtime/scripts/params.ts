import { ValidationError } from '../../errors.ts';
import type { IntegrationManifest, ParameterSpec } from '../../model/index.ts';
import { isReservedSecretName, RESERVED_SECRET_MESSAGE, SecretRefSchema } from '../../model/index.ts';
import { clip } from '../../sdk/text.ts';

/** A script job's parameters are free-form, within these bounds (a job item stays small). */
export const MAX_SCRIPT_PARAMS = 100;
const MAX_PARAM_NAME = 128;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with one value, or undefined: text, a number, true/false, or `{ "secret": name }`. */
const valueProblem = (name: string, value: unknown): string | undefined => {
  if (typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : `parameter "${name}": must be a finite number`;
  }
  if (isRecord(value) && 'secret' in value) {
    if ('allowedHosts' in value) {
      // A pin is enforced by ctx.http, which a script does not use: accepting it would promise nothing.
      return `parameter "${name}": allowedHosts pins a secret to ctx.http's hosts; a script has no ctx.http`;
    }
    if (typeof value.secret === 'string' && isReservedSecretName(value.secret)) {
      return `parameter "${name}": ${RESERVED_SECRET_MESSAGE}`;
    }
    return SecretRefSchema.safeParse(value).success
      ? undefined
      : `parameter "${name}": must be { "secret": "<name>" } with a secret name of letters, digits and /_+=.@- only`;
  }
  return `parameter "${name}": must be text, a number, true or false, or { "secret": "<name>" }`;
};

/**
 * Checks an uploaded script job's parameters — free-form names, each value
 * text, a number, a boolean or `{ "secret": name }` (a masked one, under the
 * job secret-name rules) — and returns them cleaned for storing (`null`
 * dropped, as for an integration's). Throws one ValidationError
 * (`invalid_params`) naming every bad parameter. Also for a manual run's
 * overrides of a script job.
 */
export const checkScriptParams = (raw: Record<string, unknown>): Record<string, unknown> => {
  const params = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));
  const problems: string[] = [];
  // The first parameter at fault, as the job's field `params.<name>` (the error body's `param`).
  let first: string | undefined;
  const names = Object.keys(params);
  if (names.length > MAX_SCRIPT_PARAMS) problems.push(`at most ${MAX_SCRIPT_PARAMS} parameters`);
  for (const name of names.slice(0, MAX_SCRIPT_PARAMS)) {
    if (name.length === 0 || name.length > MAX_PARAM_NAME) {
      problems.push(`parameter "${clip(name, 64)}": a name of 1 to ${MAX_PARAM_NAME} characters`);
      first ??= clip(name, 64);
      continue;
    }
    const problem = valueProblem(clip(name, 64), params[name]);
    if (problem !== undefined) {
      problems.push(problem);
      first ??= clip(name, 64);
    }
  }
  if (problems.length > 0) {
    throw new ValidationError(
      problems.slice(0, 10).join('; '),
      'invalid_params',
      first === undefined ? 'params' : `params.${first}`,
    );
  }
  return params;
};

const specOf = (value: unknown): ParameterSpec => {
  if (typeof value === 'number') return { type: 'number' };
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (isRecord(value)) return { type: 'password' };
  return { type: 'text' };
};

/**
 * The manifest a script job runs under (`script:<id>`): one parameter per
 * value the run may see, typed by the value — a `{ "secret" }` one is a
 * password, so that the runtime resolves it and redacts its value from
 * everything the run leaves. None is mandatory: a script checks its own.
 */
export const scriptManifest = (
  scriptId: string,
  ...paramSets: readonly Record<string, unknown>[]
): IntegrationManifest => {
  const parameters: Record<string, ParameterSpec> = {};
  for (const params of paramSets) {
    for (const [name, value] of Object.entries(params)) parameters[name] = specOf(value);
  }
  return {
    id: `script:${scriptId}`,
    name: `Uploaded script ${scriptId}`,
    version: '1.0.0',
    description: 'An uploaded script (PUT /admin/scripts/{id})',
    parameters,
    entryPoints: ['run'],
  };
};
