import { ConflictError, ValidationError } from '../errors.ts';
import type { IntegrationManifest } from '../model/index.ts';
import { isIntegration } from './define-integration.ts';
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
  /** Every manifest, sorted by id (`GET /admin/integrations`). */
  list(): IntegrationManifest[];
}

/**
 * One folder of `integrations/` as the generated registry module lists it:
 * the folder name and its `index.ts`'s default export, not yet checked.
 */
export interface IntegrationFolder {
  readonly folder: string;
  readonly default: unknown;
}

const isFolder = (entry: AnyIntegration | IntegrationFolder): entry is IntegrationFolder =>
  'folder' in entry && typeof entry.folder === 'string';

/**
 * The integration a folder holds: its default export must be made with
 * defineIntegration, and its manifest id must be the folder's name (what a
 * job's `integration` names is then where its code is).
 */
const integrationOfFolder = ({ folder, default: value }: IntegrationFolder): AnyIntegration => {
  const where = `integrations/${folder}/index.ts`;
  if (!isIntegration(value)) {
    throw new ValidationError(
      `${where}: its default export is not made with defineIntegration`,
      'invalid_integration',
    );
  }
  const { id } = value.manifest;
  if (id !== folder) {
    throw new ValidationError(
      `${where}: default export has id "${id}": the folder name must equal the manifest id`,
      'integration_folder_mismatch',
    );
  }
  return value;
};

// Code-point order: the same listing on every machine, whatever its locale.
const byId = (a: IntegrationManifest, b: IntegrationManifest): number =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/**
 * A registry over the given integrations, and the integration folders the
 * generated `integrations/registry.generated.ts` lists. Built on its first
 * `get` or `list`, once: that checks each folder (a default export made with
 * defineIntegration, whose id is the folder name: else a ValidationError,
 * `invalid_integration` or `integration_folder_mismatch`), reads (and so
 * validates, see defineIntegration) every manifest, and two integrations with
 * the same id throw a ConflictError (`duplicate_integration`) rather than one
 * silently shadowing the other. Until it succeeds, every call throws the same
 * error. Deferred so that a Lambda's module evaluation does no zod work;
 * `npm start`, the synth and the tests call `list()` first, where a bad
 * integration must fail loudly.
 *
 * @example
 * ```ts
 * const registry = createRegistry([...integrationFolders, myIntegration]);
 * registry.list().map((m) => m.id); // sorted: ['checkpoint-publish-gate', 'log-event', 'my-integration', …]
 * ```
 */
export const createRegistry = (
  entries: readonly (AnyIntegration | IntegrationFolder)[],
): IntegrationRegistry => {
  const given = [...entries];
  let built: Map<string, AnyIntegration> | undefined;
  const index = (): Map<string, AnyIntegration> => {
    if (built !== undefined) return built;
    const found = new Map<string, AnyIntegration>();
    for (const entry of given) {
      const integration = isFolder(entry) ? integrationOfFolder(entry) : entry;
      const { id } = integration.manifest;
      if (found.has(id)) {
        throw new ConflictError(`integration id "${id}" is registered twice`, 'duplicate_integration');
      }
      found.set(id, integration);
    }
    built = found;
    return found;
  };
  return {
    get: (id) => index().get(id),
    list: () => [...index().values()].map((i) => i.manifest).sort(byId),
  };
};
