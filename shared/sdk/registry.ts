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
 * A registry over the given integrations. Built on its first `get` or
 * `list`, once: that reads (and so validates, see defineIntegration) every
 * manifest, and two integrations with the same id throw a ConflictError
 * (`duplicate_integration`) rather than one silently shadowing the other.
 * Until it succeeds, every call throws the same error. Deferred so that a
 * Lambda's module evaluation does no zod work; `npm start` and the tests
 * call `list()` at startup, where a bad integration must fail loudly.
 *
 * @example
 * ```ts
 * const registry = createRegistry([...builtinIntegrations, myIntegration]);
 * registry.list().map((m) => m.id); // ['log-event', 'checkpoint-publish-gate', 'my-integration']
 * ```
 */
export const createRegistry = (integrations: readonly AnyIntegration[]): IntegrationRegistry => {
  const given = [...integrations];
  let built: Map<string, AnyIntegration> | undefined;
  const byId = (): Map<string, AnyIntegration> => {
    if (built !== undefined) return built;
    const index = new Map<string, AnyIntegration>();
    for (const integration of given) {
      const { id } = integration.manifest;
      if (index.has(id)) {
        throw new ConflictError(`integration id "${id}" is registered twice`, 'duplicate_integration');
      }
      index.set(id, integration);
    }
    built = index;
    return index;
  };
  return {
    get: (id) => byId().get(id),
    list: () => [...byId().values()].map((i) => i.manifest),
  };
};
