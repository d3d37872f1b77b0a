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

  it('throws on a duplicate id', () => {
    // Act
    const create = () => createRegistry([logEvent, custom, logEvent]);

    // Assess
    expect(create).toThrow(ConflictError);
    expect(create).toThrow('integration id "log-event" is registered twice');
  });
});
