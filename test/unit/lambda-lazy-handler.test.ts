import { describe, expect, it } from 'vitest';
import { lazyHandler } from '../../functions/lazy-handler.ts';

/** A loader that counts its calls and answers with a handler echoing its argument, or fails. */
const countingLoader = (failures = 0) => {
  let calls = 0;
  const load = async (): Promise<(x: number) => Promise<string>> => {
    calls++;
    await Promise.resolve();
    if (calls <= failures) throw new Error(`load ${calls} failed`);
    return (x: number) => Promise.resolve(`handled ${x}`);
  };
  return { load, calls: () => calls };
};

describe('lazyHandler', () => {
  it('loads nothing until the first invocation', () => {
    const loader = countingLoader();
    lazyHandler(loader.load);
    expect(loader.calls()).toBe(0);
  });

  it('loads once, for concurrent first invocations and every later one', async () => {
    // Prepare
    const loader = countingLoader();
    const handler = lazyHandler(loader.load);
    // Act
    const first = await Promise.all([handler(1), handler(2), handler(3)]);
    const later = await handler(4);
    // Assess
    expect(first).toEqual(['handled 1', 'handled 2', 'handled 3']);
    expect(later).toBe('handled 4');
    expect(loader.calls()).toBe(1);
  });

  it('fails the invocation whose load failed, and loads again on the next', async () => {
    // Prepare
    const loader = countingLoader(1);
    const handler = lazyHandler(loader.load);
    // Act + Assess
    await expect(handler(1)).rejects.toThrow('load 1 failed');
    await expect(handler(2)).resolves.toBe('handled 2');
    expect(loader.calls()).toBe(2);
  });
});
