import { describe, expect, it } from 'vitest';
import logEvent from '../../integrations/log-event/index.ts';
import { paramsSchema } from '../../shared/sdk/index.ts';

describe('paramsSchema', () => {
  it('builds an installed (frozen) manifest’s schema once per mode, not on every run', () => {
    expect(paramsSchema(logEvent.manifest, 'run')).toBe(paramsSchema(logEvent.manifest, 'run'));
    expect(paramsSchema(logEvent.manifest, 'job')).toBe(paramsSchema(logEvent.manifest, 'job'));
    expect(paramsSchema(logEvent.manifest, 'run')).not.toBe(paramsSchema(logEvent.manifest, 'job'));
  });

  it('builds a manifest that may still change afresh each time', () => {
    const manifest = structuredClone(logEvent.manifest);
    expect(paramsSchema(manifest, 'run')).not.toBe(paramsSchema(manifest, 'run'));
  });

  it('still applies the defaults from the schema built once', () => {
    const schema = paramsSchema(logEvent.manifest, 'run');
    expect(schema.parse({})).toEqual({ prefix: '', waitSeconds: 0 });
    expect(schema.parse({ prefix: '[lab] ' })).toEqual({ prefix: '[lab] ', waitSeconds: 0 });
    expect(schema.parse({})).toEqual({ prefix: '', waitSeconds: 0 });
  });
});
