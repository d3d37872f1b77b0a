import {
  array,
  boolean,
  discriminatedUnion,
  lazy,
  literal,
  minLength,
  number,
  object,
  optional,
  record,
  regex,
  strictObject,
  string,
  enum as zEnum,
} from './zod.ts';
import type { infer as Infer } from './zod.ts';
import { hostPatterns } from './job.ts';

export const PARAMETER_TYPES = ['text', 'password', 'number', 'boolean', 'choice', 'multichoice'] as const;

const base = {
  label: optional(string()),
  description: optional(string()),
  mandatory: optional(boolean()),
};

export const ParameterSpecSchema = lazy(() =>
  discriminatedUnion('type', [
    strictObject({
      type: literal('text'),
      ...base,
      /**
       * `regex`: the value is a pattern, checked when a job is saved and run in
       * linear time (RE2 syntax: no backreferences or lookaround) through the
       * SDK's `compilePattern`.
       */
      format: optional(literal('regex')),
      default: optional(string()),
    }),
    strictObject({
      type: literal('password'),
      ...base,
      /**
       * The hosts `ctx.http` may send this secret to (patterns as in a job's
       * `egress.allowedHosts`): the author's default, which a job's
       * `{ "secret", "allowedHosts" }` replaces. Absent: any host.
       */
      allowedHosts: optional(hostPatterns()),
      /**
       * The name of a text parameter holding the target's URL: the secret may be
       * sent only to that URL's host (what a job configures, so an on-premises
       * or test server works — never a hard-coded vendor domain).
       */
      hostFrom: optional(string().check(regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/))),
    }),
    strictObject({ type: literal('number'), ...base, default: optional(number()) }),
    strictObject({ type: literal('boolean'), ...base, default: optional(boolean()) }),
    strictObject({
      type: literal('choice'),
      ...base,
      choices: array(string()).check(minLength(1)),
      default: optional(string()),
    }),
    strictObject({
      type: literal('multichoice'),
      ...base,
      choices: array(string()).check(minLength(1)),
      default: optional(array(string())),
    }),
  ]),
);
export type ParameterSpec = Infer<typeof ParameterSpecSchema>;

/** What an operator sees of an integration (`GET /admin/integrations`). */
export const IntegrationManifestSchema = lazy(() =>
  object({
    id: string().check(regex(/^[a-z0-9][a-z0-9-]{0,63}$/)),
    name: string().check(minLength(1)),
    version: string().check(regex(/^\d+\.\d+\.\d+(?:[-+].*)?$/, 'semantic version')),
    description: string(),
    parameters: record(string(), ParameterSpecSchema),
    /** Entry points the integration implements. */
    entryPoints: array(zEnum(['run', 'decide', 'tickets'])),
  }),
);
export type IntegrationManifest = Infer<typeof IntegrationManifestSchema>;
