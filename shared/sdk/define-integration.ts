import { boolean, lazy, maxLength, object, optional, string, superRefine, unknown } from '../model/zod.ts';
import type { core } from '../model/zod.ts';
import { PermanentError, ValidationError } from '../errors.ts';
import type { IntegrationManifest, ParameterSpec } from '../model/index.ts';
import { IntegrationManifestSchema } from '../model/index.ts';
import { patternProblem } from './pattern.ts';
import type { AnyIntegration, DecideResult, Integration, ParamsOf, RunContext, RunResult } from './types.ts';
import type { TicketPlugin } from './tickets.ts';

/**
 * Marks what defineIntegration made: the registry refuses an integration
 * folder whose default export is anything else. A registered symbol, so that
 * two copies of this module (a bundle and a test) still agree.
 */
const INTEGRATION_BRAND = Symbol.for('triggerhub.integration');

/** Whether `value` was made with {@link defineIntegration} (or copied from one with its own properties). */
export const isIntegration = (value: unknown): value is AnyIntegration =>
  typeof value === 'object' &&
  value !== null &&
  (value as Record<symbol, unknown>)[INTEGRATION_BRAND] === true;

/** Parameter names are read as `params.<name>` in code: identifiers (and `-`), never `__proto__`. */
const PARAMETER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * The manifest schema plus the rules zod cannot say per field: parameter
 * names, defaults among the choices, and at least one entry point.
 */
const manifestRules = (
  manifest: IntegrationManifest,
  ctx: core.$RefinementCtx<IntegrationManifest>,
): void => {
  for (const [name, spec] of Object.entries(manifest.parameters)) {
    if (!PARAMETER_NAME.test(name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['parameters', name],
        message: 'parameter name: a letter, then letters, digits, _ and -, at most 64',
      });
    }
    if (
      spec.type === 'text' &&
      spec.format === 'regex' &&
      spec.default !== undefined &&
      spec.default !== ''
    ) {
      const why = patternProblem(spec.default);
      if (why !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['parameters', name, 'default'], message: why });
      }
    }
    if (spec.type === 'choice' && spec.default !== undefined && !spec.choices.includes(spec.default)) {
      ctx.addIssue({
        code: 'custom',
        path: ['parameters', name, 'default'],
        message: `must be one of ${spec.choices.join(', ')}`,
      });
    }
    if (spec.type === 'multichoice' && spec.default !== undefined) {
      const stray = spec.default.filter((v) => !spec.choices.includes(v));
      if (stray.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['parameters', name, 'default'],
          message: `${stray.join(', ')} not among the choices ${spec.choices.join(', ')}`,
        });
      }
    }
  }
  // A secret pinned to the host of another parameter's URL: that parameter must be text of this manifest.
  for (const [name, spec] of Object.entries(manifest.parameters)) {
    if (spec.type !== 'password' || spec.hostFrom === undefined) continue;
    const target = Object.hasOwn(manifest.parameters, spec.hostFrom)
      ? manifest.parameters[spec.hostFrom]
      : undefined;
    if (target?.type !== 'text') {
      ctx.addIssue({
        code: 'custom',
        path: ['parameters', name, 'hostFrom'],
        message: `must name a text parameter of this manifest (the target's URL); "${spec.hostFrom}" is not one`,
      });
    }
  }
  if (manifest.entryPoints.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['entryPoints'],
      message: 'implement run, decide, tickets or a combination',
    });
  }
};
// Built on the first parse, like the model's lazy() schemas: not at module evaluation.
let checkedSchema: typeof IntegrationManifestSchema | undefined;
const checkedManifestSchema = (): typeof IntegrationManifestSchema =>
  (checkedSchema ??= IntegrationManifestSchema.check(superRefine(manifestRules)));

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
};

/**
 * Validates a manifest (one written by hand, or loaded from a file) and returns
 * it frozen. Throws a ValidationError (`invalid_manifest`) listing every problem.
 *
 * @example
 * ```ts
 * const manifest = parseManifest(JSON.parse(await readFile('manifest.json', 'utf8')));
 * ```
 */
export const parseManifest = (value: unknown): IntegrationManifest => {
  const parsed = checkedManifestSchema().safeParse(value);
  if (!parsed.success) {
    const id = object({ id: string() }).safeParse(value);
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'manifest'}: ${i.message}`);
    throw new ValidationError(
      `integration ${id.success ? `"${id.data.id}"` : '(no id)'}: invalid manifest: ${problems.join('; ')}`,
      'invalid_manifest',
    );
  }
  return deepFreeze(parsed.data);
};

/**
 * What an integration author writes: the manifest fields, the parameter specs
 * (which give `ctx.params` its type) and one or both entry points.
 *
 * @example
 * ```ts
 * const def: IntegrationDefinition<{ url: { type: 'text'; mandatory: true } }> = {
 *   id: 'ping', name: 'Ping', version: '1.0.0', description: 'Calls a URL.',
 *   parameters: { url: { type: 'text', mandatory: true } },
 *   async run({ params }) { return { message: `pinged ${params.url}` }; },
 * };
 * ```
 */
export interface IntegrationDefinition<P extends Record<string, ParameterSpec>> {
  /** Lower-case letters, digits and `-`; what a job's `integration` names. */
  id: string;
  name: string;
  /** Semantic version, e.g. `1.0.0`. */
  version: string;
  description: string;
  parameters: P;
  /** One event → a result message and output. Throwing fails the run (and retries it unless PermanentError). */
  run?(ctx: RunContext<ParamsOf<P>>): Promise<RunResult | undefined | void> | RunResult | undefined | void;
  /** One event → an allow/deny verdict, for decision jobs. */
  decide?(ctx: RunContext<ParamsOf<P>>): Promise<DecideResult> | DecideResult;
  /** A ticket integration: the Ticket Orchestrator contract (shared/sdk/tickets.ts), for jobs with `tickets`. */
  tickets?: TicketPlugin<ParamsOf<P>>;
}

/** The longest `cursor` a run may return: it is kept in the checkpoint item and handed to every run. */
export const MAX_CURSOR_LENGTH = 8192;
// In both schemas: zod's `object` strips unknown keys, so a cursor left out here would be lost silently.
const cursorSchema = () => optional(string().check(maxLength(MAX_CURSOR_LENGTH)));
const RunResultSchema = lazy(() =>
  object({
    message: optional(string()),
    output: optional(unknown()),
    allow: optional(boolean()),
    cursor: cursorSchema(),
  }),
);
const DecideResultSchema = lazy(() =>
  object({
    allow: boolean(),
    message: string(),
    output: optional(unknown()),
    cursor: cursorSchema(),
  }),
);

/** An integration returning the wrong shape is a bug in it: retrying cannot help. */
const invalidResult = (id: string, entry: string, error: core.$ZodError): PermanentError =>
  new PermanentError(
    `integration "${id}" ${entry} returned an invalid result: ${error.issues
      .map((i) => `${i.path.join('.') || 'result'}: ${i.message}`)
      .join('; ')}`,
  );

/**
 * Defines an integration from one description: the parameter specs give the
 * type of `ctx.params`, the validation of job parameters, and the manifest
 * operators see (`GET /admin/integrations`). The manifest is checked when it
 * is first read, once: a bad one (a choice default not among the choices, no
 * entry point…) throws a ValidationError there, which the registry's first
 * `get`/`list` does (and `npm start` at startup). Not at definition: the
 * built-in integrations are defined when a function's bundle is evaluated,
 * and checking their manifests with zod was the largest piece of our own
 * work in every cold start. Results are checked when the entry points
 * return: a wrong shape throws a PermanentError.
 *
 * @example
 * ```ts
 * export const jiraTickets = defineIntegration({
 *   id: 'jira-tickets',
 *   name: 'Jira',
 *   version: '1.2.0',
 *   description: 'Create Jira issues from alerts.',
 *   parameters: {
 *     url: { type: 'text', label: 'Jira URL', mandatory: true },
 *     apiToken: { type: 'password', label: 'API token', mandatory: true },
 *     project: { type: 'choice', choices: ['OPS', 'SEC'], default: 'OPS' },
 *     labels: { type: 'multichoice', choices: ['fw', 'urgent'] },
 *   },
 *   async run({ params, logger }) {
 *     // params: { url: string; apiToken: string; project: string; labels?: string[] }
 *     logger.info(`creating an issue in ${params.project}`);
 *     return { message: 'created OPS-12', output: { key: 'OPS-12' } };
 *   },
 * });
 * ```
 */
export const defineIntegration = <const P extends Record<string, ParameterSpec>>(
  def: IntegrationDefinition<P>,
): Integration<ParamsOf<P>> => {
  const entryPoints: IntegrationManifest['entryPoints'] = [];
  if (def.run) entryPoints.push('run');
  if (def.decide) entryPoints.push('decide');
  if (def.tickets) entryPoints.push('tickets');
  let manifest: IntegrationManifest | undefined;
  const manifestOf = (): IntegrationManifest =>
    (manifest ??= parseManifest({
      id: def.id,
      name: def.name,
      version: def.version,
      description: def.description,
      parameters: def.parameters,
      entryPoints,
    }));

  // Wrapped so the runtime can call them unbound and always gets a promise of a checked result.
  const run = def.run
    ? async (ctx: RunContext<ParamsOf<P>>): Promise<RunResult> => {
        const result = (await def.run?.(ctx)) ?? {};
        const parsed = RunResultSchema.safeParse(result);
        if (!parsed.success) throw invalidResult(manifestOf().id, 'run', parsed.error);
        return parsed.data;
      }
    : undefined;
  const decide = def.decide
    ? async (ctx: RunContext<ParamsOf<P>>): Promise<DecideResult> => {
        const parsed = DecideResultSchema.safeParse(await def.decide?.(ctx));
        if (!parsed.success) throw invalidResult(manifestOf().id, 'decide', parsed.error);
        return parsed.data;
      }
    : undefined;

  return Object.freeze({
    [INTEGRATION_BRAND]: true,
    get manifest(): IntegrationManifest {
      return manifestOf();
    },
    ...(run && { run }),
    ...(decide && { decide }),
    ...(def.tickets && { tickets: Object.freeze({ ...def.tickets }) }),
  });
};
