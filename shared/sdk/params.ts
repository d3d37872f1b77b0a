import {
  _default,
  array,
  boolean,
  minLength,
  number,
  optional,
  strictObject,
  string,
  superRefine,
  enum as zEnum,
} from '../model/zod.ts';
import type { ZodMiniType as ZodType } from '../model/zod.ts';
import { ValidationError } from '../errors.ts';
import type { IntegrationManifest, ParameterSpec } from '../model/index.ts';
import { isReservedSecretName, RESERVED_SECRET_MESSAGE, SecretRefSchema } from '../model/index.ts';
import type { SecretStore } from '../ports.ts';
import { patternProblem } from './pattern.ts';
import { clip } from './text.ts';

/**
 * `job`: parameters as stored in a job (password parameters are `{ "secret": name }`
 * references, defaults not applied). `run`: parameters as the integration gets
 * them (passwords resolved to their value, defaults applied).
 *
 * @example
 * ```ts
 * const mode: ParamsMode = 'job';
 * paramsSchema(manifest, mode);
 * ```
 */
export type ParamsMode = 'job' | 'run';

const valueSchema = (spec: ParameterSpec, mode: ParamsMode): ZodType => {
  switch (spec.type) {
    case 'text': {
      const text = spec.mandatory ? string().check(minLength(1)) : string();
      if (spec.format !== 'regex') return text;
      // Checked when the job is saved, so a pattern RE2 refuses never reaches a run.
      return text.check(
        superRefine((value, ctx) => {
          const why = value === '' ? undefined : patternProblem(value);
          if (why !== undefined) ctx.addIssue({ code: 'custom', message: why });
        }),
      );
    }
    case 'password':
      if (mode === 'job') return SecretRefSchema;
      return spec.mandatory ? string().check(minLength(1)) : string();
    case 'number':
      return number();
    case 'boolean':
      return boolean();
    case 'choice':
      return zEnum(spec.choices);
    case 'multichoice':
      return spec.mandatory ? array(zEnum(spec.choices)).check(minLength(1)) : array(zEnum(spec.choices));
  }
};

/**
 * The zod schema of an integration's parameters, built from its manifest: one
 * field per parameter, unknown keys rejected. In `run` mode defaults are
 * applied; a parameter without a value and without a default is required when
 * `mandatory`, optional otherwise.
 *
 * @example
 * ```ts
 * const schema = paramsSchema(integration.manifest, 'job');
 * schema.safeParse({ project: 'OPS' }).success;
 * ```
 */
export const paramsSchema = (
  manifest: IntegrationManifest,
  mode: ParamsMode,
): ZodType<Record<string, unknown>> => {
  // An installed integration's manifest is frozen: its schema is built once, not on every run.
  if (!Object.isFrozen(manifest)) return buildParamsSchema(manifest, mode);
  const built = builtSchemas.get(manifest) ?? {};
  builtSchemas.set(manifest, built);
  return (built[mode] ??= buildParamsSchema(manifest, mode));
};

const builtSchemas = new WeakMap<
  IntegrationManifest,
  Partial<Record<ParamsMode, ZodType<Record<string, unknown>>>>
>();

const buildParamsSchema = (
  manifest: IntegrationManifest,
  mode: ParamsMode,
): ZodType<Record<string, unknown>> => {
  const shape: Record<string, ZodType> = {};
  for (const [name, spec] of Object.entries(manifest.parameters)) {
    const value = valueSchema(spec, mode);
    const fallback = spec.type === 'password' ? undefined : spec.default;
    if (mode === 'run' && fallback !== undefined) {
      // A fresh copy each time: a run must not be able to change another run's default array.
      shape[name] = _default(value, () => structuredClone(fallback));
    } else if (spec.mandatory && fallback === undefined) {
      shape[name] = value;
    } else {
      shape[name] = optional(value);
    }
  }
  return strictObject(shape);
};

const isEmpty = (value: unknown): boolean =>
  value === undefined || value === '' || (Array.isArray(value) && value.length === 0);

/** `{ secret: "global/…" }`: a masked global's secret, which a job may not name. */
const reservedSecretRef = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  'secret' in value &&
  typeof value.secret === 'string' &&
  isReservedSecretName(value.secret);

/** One message for one bad parameter, written from its spec rather than from zod's wording. */
const problem = (name: string, spec: ParameterSpec, value: unknown, mode: ParamsMode): string => {
  if (spec.mandatory && isEmpty(value)) return `parameter "${name}" is mandatory`;
  switch (spec.type) {
    case 'text': {
      const why = spec.format === 'regex' && typeof value === 'string' ? patternProblem(value) : undefined;
      return `parameter "${name}": ${why ?? 'must be text'}`;
    }
    case 'password':
      if (mode === 'run') return `parameter "${name}": must be text`;
      if (typeof value === 'string') {
        return `parameter "${name}" is a password: give { "secret": "<name>" }, not the value`;
      }
      return reservedSecretRef(value)
        ? `parameter "${name}": ${RESERVED_SECRET_MESSAGE}`
        : `parameter "${name}": must be { "secret": "<name>" } with a secret name of letters, digits and /_+=.@- only`;
    case 'number':
      return `parameter "${name}": must be a number`;
    case 'boolean':
      return `parameter "${name}": must be true or false`;
    case 'choice':
      return `parameter "${name}": must be one of ${spec.choices.join(', ')}`;
    case 'multichoice':
      return `parameter "${name}": must be a list of values among ${spec.choices.join(', ')}`;
  }
};

/** Null means "not given" (a cleared form field), the same as a missing key. */
const withoutNulls = (raw: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null));

const parseParams = (
  manifest: IntegrationManifest,
  values: Record<string, unknown>,
  mode: ParamsMode,
): Record<string, unknown> => {
  const parsed = paramsSchema(manifest, mode).safeParse(values);
  if (parsed.success) return parsed.data;
  const problems = new Set<string>();
  // The first parameter at fault, as the job's field `params.<name>` (the error body's `param`).
  let first: string | undefined;
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        first ??= key;
        problems.add(`parameter "${clip(key, 64)}" is unknown to integration "${manifest.id}"`);
      }
      continue;
    }
    const name = String(issue.path[0]);
    first ??= name;
    const spec = Object.hasOwn(manifest.parameters, name) ? manifest.parameters[name] : undefined;
    problems.add(
      spec
        ? problem(name, spec, values[name], mode)
        : `parameter "${clip(name, 64)}": ${clip(issue.message)}`,
    );
  }
  throw new ValidationError(
    [...problems].join('; '),
    'invalid_params',
    first === undefined ? undefined : `params.${clip(first, 64)}`,
  );
};

/**
 * Checks a job's parameters against the integration's manifest and returns them
 * cleaned for storing: unknown keys rejected, password parameters only as
 * `{ "secret": "<name>" }` references, defaults not applied (so a later default
 * change reaches the job), `null` dropped. Throws a ValidationError
 * (`invalid_params`) whose message names every bad parameter, e.g.
 * `parameter "project": must be one of A, B; parameter "apiToken" is mandatory`.
 *
 * @example
 * ```ts
 * const params = checkJobParams(integration.manifest, {
 *   url: 'https://acme.atlassian.net',
 *   apiToken: { secret: 'jira/api-token' },
 * });
 * ```
 */
export const checkJobParams = (
  manifest: IntegrationManifest,
  raw: Record<string, unknown>,
): Record<string, unknown> => parseParams(manifest, withoutNulls(raw), 'job');

/**
 * The parameters a run gets, and the secret values its log must hide.
 *
 * @example
 * ```ts
 * const { params, secretValues }: ResolvedParams = await resolveParams(manifest, job.params, secrets);
 * ```
 */
export interface ResolvedParams {
  params: Record<string, unknown>;
  /** Every version of every secret used (current and, during a rotation, previous). */
  secretValues: string[];
}

/**
 * Resolves a job's stored parameters for one run: checks them as
 * {@link checkJobParams} does, replaces each password reference by its secret's
 * current value, and applies defaults. A secret that does not exist throws a
 * ValidationError naming the parameter and the secret (never a value).
 *
 * @example
 * ```ts
 * const { params, secretValues } = await resolveParams(integration.manifest, job.params, secrets);
 * const logger = new RunLogger({ runId, jobId: job.id, clock, redact: secretValues });
 * ```
 */
export const resolveParams = async (
  manifest: IntegrationManifest,
  raw: Record<string, unknown>,
  secrets: SecretStore,
): Promise<ResolvedParams> => {
  const stored = checkJobParams(manifest, raw);
  const values: Record<string, unknown> = { ...stored };
  const secretValues = new Set<string>();
  const lookups = Object.entries(manifest.parameters).map(async ([name, spec]) => {
    if (spec.type !== 'password') return undefined;
    const ref = SecretRefSchema.safeParse(stored[name]);
    if (!ref.success) return undefined; // absent (optional): nothing to resolve
    const [current, ...previous] = await secrets.getVersions(ref.data.secret);
    if (current === undefined)
      return { name, problem: `parameter "${name}": secret "${ref.data.secret}" not found` };
    values[name] = current;
    for (const v of [current, ...previous]) secretValues.add(v);
    return undefined;
  });
  const missing = (await Promise.all(lookups)).filter((p) => p !== undefined);
  if (missing.length > 0) {
    throw new ValidationError(
      missing.map((m) => m.problem).join('; '),
      'invalid_params',
      `params.${missing[0]?.name ?? ''}`,
    );
  }
  return { params: parseParams(manifest, values, 'run'), secretValues: [...secretValues] };
};
