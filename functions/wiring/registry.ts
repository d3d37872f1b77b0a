import { builtinIntegrations } from '../../integrations/index.ts';
import type { AnyIntegration, IntegrationRegistry } from '../../shared/sdk/index.ts';
import { createRegistry } from '../../shared/sdk/index.ts';

/** The integrations that ship with triggerhub, plus any the caller adds (`npm start` options, tests). */
export const integrationRegistry = (extra: readonly AnyIntegration[] = []): IntegrationRegistry =>
  createRegistry([...builtinIntegrations, ...extra]);
