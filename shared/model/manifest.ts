import {
  array,
  boolean,
  discriminatedUnion,
  lazy,
  literal,
  number,
  object,
  record,
  string,
  enum as zEnum,
} from 'zod';
import type { infer as Infer } from 'zod';

export const PARAMETER_TYPES = ['text', 'password', 'number', 'boolean', 'choice', 'multichoice'] as const;

const base = {
  label: string().optional(),
  description: string().optional(),
  mandatory: boolean().optional(),
};

export const ParameterSpecSchema = lazy(() =>
  discriminatedUnion('type', [
    object({
      type: literal('text'),
      ...base,
      /**
       * `regex`: the value is a pattern, checked when a job is saved and run in
       * linear time (RE2 syntax: no backreferences or lookaround) through the
       * SDK's `compilePattern`.
       */
      format: literal('regex').optional(),
      default: string().optional(),
    }).strict(),
    object({ type: literal('password'), ...base }).strict(),
    object({ type: literal('number'), ...base, default: number().optional() }).strict(),
    object({ type: literal('boolean'), ...base, default: boolean().optional() }).strict(),
    object({
      type: literal('choice'),
      ...base,
      choices: array(string()).min(1),
      default: string().optional(),
    }).strict(),
    object({
      type: literal('multichoice'),
      ...base,
      choices: array(string()).min(1),
      default: array(string()).optional(),
    }).strict(),
  ]),
);
export type ParameterSpec = Infer<typeof ParameterSpecSchema>;

/** What an operator sees of an integration (`GET /admin/integrations`). */
export const IntegrationManifestSchema = lazy(() =>
  object({
    id: string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
    name: string().min(1),
    version: string().regex(/^\d+\.\d+\.\d+(?:[-+].*)?$/, 'semantic version'),
    description: string(),
    parameters: record(string(), ParameterSpecSchema),
    /** Entry points the integration implements. */
    entryPoints: array(zEnum(['run', 'decide'])),
  }),
);
export type IntegrationManifest = Infer<typeof IntegrationManifestSchema>;
