import { describe, expect, it } from 'vitest';
import checkpointPublishGate from '../../integrations/checkpoint-publish-gate/index.ts';
import logEvent from '../../integrations/log-event/index.ts';
import { integrationFolders } from '../../integrations/registry.generated.ts';
import { ConflictError, ValidationError } from '../../shared/errors.ts';
import { createRegistry, defineIntegration, isIntegration } from '../../shared/sdk/index.ts';

const custom = defineIntegration({
  id: 'custom',
  name: 'Custom',
  version: '0.1.0',
  description: 'a user integration',
  parameters: { url: { type: 'text', mandatory: true } },
  run: ({ params }) => ({ message: params.url }),
});

describe('createRegistry', () => {
  it('holds the integrations of the folders, listed by id', () => {
    // Act
    const registry = createRegistry(integrationFolders);

    // Assess: the shipped ones (a folder another branch adds does not break this), sorted
    const ids = registry.list().map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'checkpoint-publish-gate',
        'log-event',
        'securechange-assign',
        'securechange-ticket-gate',
      ]),
    );
    expect(ids).toEqual([...ids].sort());
    expect(registry.get('log-event')).toBe(logEvent);
    expect(registry.get('checkpoint-publish-gate')).toBe(checkpointPublishGate);
  });

  it('finds integrations with different params types by id, and nothing for an unknown id', () => {
    // Act
    const registry = createRegistry([logEvent, custom, checkpointPublishGate]);

    // Assess: sorted by id, not in registration order
    expect(registry.get('custom')?.manifest).toEqual(custom.manifest);
    expect(registry.list()).toEqual([checkpointPublishGate.manifest, custom.manifest, logEvent.manifest]);
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.get('toString')).toBeUndefined();
  });

  it('throws on a duplicate id at its first get or list, and at every one after', () => {
    // Act
    const registry = createRegistry([logEvent, custom, logEvent]);

    // Assess
    expect(() => registry.list()).toThrow(ConflictError);
    expect(() => registry.get('custom')).toThrow('integration id "log-event" is registered twice');
    expect(() => registry.list()).toThrow('integration id "log-event" is registered twice');
  });

  it('reads no manifest until its first use, then validates every one, once', () => {
    // Prepare: an integration whose manifest is read through a counting getter
    let reads = 0;
    const counted = {
      ...custom,
      get manifest() {
        reads++;
        return custom.manifest;
      },
    };
    const bad = defineIntegration({
      id: 'bad-choice',
      name: 'Bad',
      version: '1.0.0',
      description: '',
      parameters: { project: { type: 'choice', choices: ['A', 'B'], default: 'C' } },
      run: () => ({}),
    });

    // Act
    const registry = createRegistry([logEvent, counted]);
    const withBad = createRegistry([logEvent, bad]);
    const readsAtCreation = reads;
    registry.get('log-event');
    registry.get('custom');
    const readsAfterGets = reads;

    // Assess: nothing at creation (module evaluation), the whole index at the first get
    expect(readsAtCreation).toBe(0);
    expect(readsAfterGets).toBe(1);
    // a bad manifest fails the first use, whichever integration it asks for
    expect(() => withBad.get('log-event')).toThrow(
      'integration "bad-choice": invalid manifest: parameters.project.default: must be one of A, B',
    );
  });

  it('refuses a folder whose manifest id is not the folder name, at its first use, not before', () => {
    // Act
    const registry = createRegistry([logEvent, { folder: 'other-name', default: custom }]);

    // Assess
    const first = (() => {
      try {
        registry.list();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(first).toBeInstanceOf(ValidationError);
    expect(first).toMatchObject({
      code: 'integration_folder_mismatch',
      message:
        'integrations/other-name/index.ts: default export has id "custom": the folder name must equal the manifest id',
    });
    expect(() => registry.get('log-event')).toThrow('the folder name must equal the manifest id');
  });

  it('refuses a folder whose default export is not made with defineIntegration', () => {
    // Prepare: the right shape, copied by hand without the brand
    const lookalike = { manifest: custom.manifest, run: custom.run };

    // Act
    const registry = createRegistry([{ folder: 'custom', default: lookalike }]);
    const missing = createRegistry([{ folder: 'empty', default: undefined }]);

    // Assess
    expect(isIntegration(lookalike)).toBe(false);
    expect(isIntegration(custom)).toBe(true);
    expect(() => registry.get('custom')).toThrow(
      'integrations/custom/index.ts: its default export is not made with defineIntegration',
    );
    expect(() => missing.list()).toThrow(ValidationError);
    expect(() => missing.list()).toThrow(expect.objectContaining({ code: 'invalid_integration' }));
  });

  it('accepts a folder named as its manifest id, and still refuses a folder that repeats an id', () => {
    // Act
    const registry = createRegistry([{ folder: 'custom', default: custom }]);
    const twice = createRegistry([{ folder: 'custom', default: custom }, custom]);

    // Assess
    expect(registry.get('custom')).toBe(custom);
    expect(() => twice.list()).toThrow(ConflictError);
  });
});
