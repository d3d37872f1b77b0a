import { afterEach, describe, expect, it, vi } from 'vitest';
import { boundLogAttributes, MAX_LOG_EVENT_BYTES } from '../../shared/runtime/platform-logger.ts';

afterEach(() => vi.restoreAllMocks());

describe('boundLogAttributes on an ordinary line', () => {
  it('serializes nothing to measure a line of scalars surely within bounds (Powertools serializes it once)', () => {
    const stringify = vi.spyOn(JSON, 'stringify');
    const attributes = {
      level: 'INFO',
      message: 'run finished',
      timestamp: '2026-11-22T10:00:00.000Z',
      service: 'triggerhub',
      sampling_rate: 0,
      runId: '01KABCDEFGHJKMNPQRSTVWXYZ0',
      jobId: 'demo',
      status: 'succeeded',
      gone: undefined,
      ok: true,
      none: null,
    };
    const bounded = boundLogAttributes(attributes);
    expect(stringify).not.toHaveBeenCalled();
    const { gone: _, ...expected } = attributes;
    expect(bounded).toEqual(expected);
    expect(Object.keys(bounded)).toEqual(Object.keys(expected));
  });

  it('still measures and cuts a line that could be over its bounds', () => {
    const stringify = vi.spyOn(JSON, 'stringify');
    const bounded = boundLogAttributes({ message: 'm', big: 'x'.repeat(MAX_LOG_EVENT_BYTES) });
    expect(stringify).toHaveBeenCalled();
    expect(String(bounded.big).length).toBeLessThan(MAX_LOG_EVENT_BYTES);
  });

  it('measures an object field rather than guessing its size', () => {
    const stringify = vi.spyOn(JSON, 'stringify');
    const bounded = boundLogAttributes({ message: 'm', extra: { deep: 'x'.repeat(10_000) } });
    expect(stringify).toHaveBeenCalled();
    expect(typeof bounded.extra).toBe('string');
  });
});
