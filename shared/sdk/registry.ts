import { ConflictError } from '../errors.ts';
import type { IntegrationManifest } from '../model/index.ts';
import type { AnyIntegration } from './types.ts';

/**
 * The integrations a deployment knows, by id.
 *
 * @example
 * ```ts
 * const integration = registry.get(job.integration);
 * if (!integration) throw new NotFoundError(`no integration "${job.integration}"`);
 * ```
 */
export interface IntegrationRegistry {
  get(id: string): AnyIntegration | undefined;
  /** Every manifest, in registration order (`GET /admin/integrations`). */
  list(): IntegrationManifest[];
}

/**
 * A registry over the given integrations. Two with the same id throw a
 * ConflictError (`duplicate_integration`) here, at startup, rather than one
 * silently shadowing the other.
 *
 * @example
 * ```ts
 * const registry = createRegistry([...builtinIntegrations, myIntegration]);
 * registry.list().map((m) => m.id); // ['log-event', 'checkpoint-publish-gate', 'my-integration']
 * ```
 */
export const createRegistry = (integrations: readonly AnyIntegration[]): IntegrationRegistry => {
  const byId = new Map<string, AnyIntegration>();
  for (const integration of integrations) {
    const { id } = integration.manifest;
    if (byId.has(id)) {
      throw new ConflictError(`integration id "${id}" is registered twice`, 'duplicate_integration');
    }
    byId.set(id, integration);
  }
  return {
    get: (id) => byId.get(id),
    list: () => [...byId.values()].map((i) => i.manifest),
  };
};
