import { ZodMiniLazy as ZodLazy } from 'zod/mini';
import { describe, expect, it, vi } from 'vitest';

/** The model's schemas, from a fresh evaluation of the module: nothing else has parsed with them yet. */
const freshModel = async (): Promise<Record<string, unknown>> => {
  vi.resetModules();
  return await import('../../shared/model/index.ts');
};

const schemasOf = (model: Record<string, unknown>): [string, ZodLazy][] =>
  Object.entries(model)
    .filter(([name]) => name.endsWith('Schema'))
    .map(([name, value]) => {
      if (!(value instanceof ZodLazy)) throw new Error(`${name} is built eagerly, not a lazy() schema`);
      return [name, value];
    });

/** Whether zod has called the lazy schema's getter (it caches the result on the definition). */
const isBuilt = (schema: ZodLazy): boolean =>
  (schema._zod.def as { _cachedInner?: unknown })._cachedInner !== undefined;

// Every function imports the model at cold start; building its schemas there took most of the
// model's evaluation time (even on zod/mini: ~7 ms of ~10). Each is built on its first parse instead, once.
describe('model schemas are built on first use, not at import', () => {
  it('exports every schema as a lazy() schema that nothing has built yet', async () => {
    // Act
    const schemas = schemasOf(await freshModel());
    // Assess
    expect(schemas.map(([name]) => name)).toEqual(
      expect.arrayContaining(['JobSchema', 'RunSchema', 'TriggerEventSchema', 'IntegrationManifestSchema']),
    );
    expect(schemas.filter(([, schema]) => isBuilt(schema)).map(([name]) => name)).toEqual([]);
  });

  it('builds a schema on its first parse and keeps it', async () => {
    // Prepare
    const model = await freshModel();
    const job = model['JobSchema'] as ZodLazy;
    const input = { id: 'demo', name: 'Demo', integration: 'log-event', auth: { secret: 'demo' } };
    // Act
    const first = job.safeParse(input);
    const inner = job._zod.innerType;
    job.safeParse(input);
    // Assess
    expect(first.success).toBe(true);
    expect(isBuilt(job)).toBe(true);
    expect(job._zod.innerType).toBe(inner);
    // the delivery schema was not needed, so it was not built
    expect(isBuilt(model['DeliverySchema'] as ZodLazy)).toBe(false);
  });
});
