import { integrationFolders } from '../../integrations/registry.generated.ts';
import type { AnyIntegration, IntegrationRegistry } from '../../shared/sdk/index.ts';
import { createRegistry } from '../../shared/sdk/index.ts';

/**
 * The integrations of the `integrations/` folders (the generated module lists
 * them: `npm run generate`), plus any the caller adds (`npm start` options, tests).
 */
export const integrationRegistry = (extra: readonly AnyIntegration[] = []): IntegrationRegistry =>
  createRegistry([...integrationFolders, ...extra]);
