import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDecodableBase64 } from '../../shared/http/edge-checks.ts';

/** What hono's Lambda adapter does with a body marked base64: `atob`, which throws on what it cannot decode. */
const atobDecodes = (body: string): boolean => {
  try {
    atob(body);
    return true;
  } catch {
    return false;
  }
};

describe('isDecodableBase64', () => {
  it('agrees with atob on strings of base64 characters, padding, whitespace and strays', () => {
    const char = fc.constantFrom(...'AZaz09+/==== \t\n\r\f\u000b*-_é\u00a0');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 24 }), (chars) => {
        const body = chars.join('');
        expect(isDecodableBase64(body)).toBe(atobDecodes(body));
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts any encoded body, also broken into lines', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 80 }), (bytes, every) => {
        const encoded = Buffer.from(bytes).toString('base64');
        const wrapped =
          every === 0 ? encoded : (encoded.match(new RegExp(`.{1,${every}}`, 'g')) ?? []).join('\r\n');
        expect(isDecodableBase64(encoded)).toBe(true);
        expect(isDecodableBase64(wrapped)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
