import { z } from 'zod';

export const PARAMETER_TYPES = ['text', 'password', 'number', 'boolean', 'choice', 'multichoice'] as const;

const base = {
  label: z.string().optional(),
  description: z.string().optional(),
  mandatory: z.boolean().optional(),
};

export const ParameterSpecSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), ...base, default: z.string().optional() }).strict(),
  z.object({ type: z.literal('password'), ...base }).strict(),
  z.object({ type: z.literal('number'), ...base, default: z.number().optional() }).strict(),
  z.object({ type: z.literal('boolean'), ...base, default: z.boolean().optional() }).strict(),
  z
    .object({
      type: z.literal('choice'),
      ...base,
      choices: z.array(z.string()).min(1),
      default: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('multichoice'),
      ...base,
      choices: z.array(z.string()).min(1),
      default: z.array(z.string()).optional(),
    })
    .strict(),
]);
export type ParameterSpec = z.infer<typeof ParameterSpecSchema>;

/** What an operator sees of an integration (`GET /admin/integrations`). */
export const IntegrationManifestSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  name: z.string().min(1),
  version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+].*)?$/, 'semantic version'),
  description: z.string(),
  parameters: z.record(z.string(), ParameterSpecSchema),
  /** Entry points the integration implements. */
  entryPoints: z.array(z.enum(['run', 'decide'])),
});
export type IntegrationManifest = z.infer<typeof IntegrationManifestSchema>;
