import { ConflictError } from '../shared/errors.ts';
import type { IntegrationManifest } from '../shared/model/index.ts';
import type { AnyIntegration } from '../shared/sdk/index.ts';
import { checkpointPublishGate } from './checkpoint-publish-gate/index.ts';
import { logEvent } from './log-event/index.ts';
import { secureChangeTicketGate } from './securechange-ticket-gate/index.ts';

export type { AnyIntegration } from '../shared/sdk/index.ts';
export { checkpointPublishGate } from './checkpoint-publish-gate/index.ts';
export { logEvent } from './log-event/index.ts';
export { secureChangeTicketGate } from './securechange-ticket-gate/index.ts';

/** The integrations that ship with triggerhub. */
export const builtinIntegrations: readonly AnyIntegration[] = [
  logEvent,
  checkpointPublishGate,
  secureChangeTicketGate,
];

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
