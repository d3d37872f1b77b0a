import { describe, expect, it } from 'vitest';
import {
  builtinIntegrations,
  checkpointPublishGate,
  logEvent,
  secureChangeAssign,
  secureChangeTicketGate,
} from '../../integrations/index.ts';
import { ConflictError } from '../../shared/errors.ts';
import { createRegistry, defineIntegration } from '../../shared/sdk/index.ts';

const custom = defineIntegration({
  id: 'custom',
  name: 'Custom',
  version: '0.1.0',
  description: 'a user integration',
  parameters: { url: { type: 'text', mandatory: true } },
  run: ({ params }) => ({ message: params.url }),
});

describe('createRegistry', () => {
  it('holds the built-in integrations', () => {
    // Act
    const registry = createRegistry(builtinIntegrations);

    // Assess
    // The shipped ones, in order; an integration a user registers after them does not break this.
    expect(
      registry
        .list()
        .map((m) => m.id)
        .slice(0, 4),
    ).toEqual(['log-event', 'checkpoint-publish-gate', 'securechange-ticket-gate', 'securechange-assign']);
    expect(registry.get('log-event')).toBe(logEvent);
    expect(registry.get('checkpoint-publish-gate')).toBe(checkpointPublishGate);
  });

  it('finds integrations with different params types by id, and nothing for an unknown id', () => {
    // Act
    const registry = createRegistry([...builtinIntegrations, custom]);

    // Assess
    expect(registry.get('custom')?.manifest).toEqual(custom.manifest);
    expect(registry.list()).toEqual([...builtinIntegrations.map((i) => i.manifest), custom.manifest]);
    expect(registry.list().slice(0, 4)).toEqual([
      logEvent.manifest,
      checkpointPublishGate.manifest,
      secureChangeTicketGate.manifest,
      secureChangeAssign.manifest,
    ]);
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
});
