import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRedactor,
  MIN_FORM_LENGTH,
  REDACTED,
  redact,
  secretForms,
} from '../../shared/sdk/redaction.ts';
import { leakForms, leaksIn } from '../helpers/leak-forms.ts';

const SECRET = 'c4n4ry "\\/+&=é…Zq9';

describe('secretForms / Redactor', () => {
  it.each(Object.entries(leakForms(SECRET)))('hides the %s form alone, inside other text', (_name, form) => {
    // Prepare
    const redactor = createRedactor([SECRET]);

    // Act
    const out = redactor.text(`before ${form} after`);

    // Assess
    expect(out).toBe(`before ${REDACTED} after`);
  });

  it.each([0, 1, 2])(
    'hides base64 of a secret %i bytes into a 3-byte group, leaving only edge characters',
    (prefixBytes) => {
      // Prepare: the secret between other bytes, as an encoder of a larger value sees it.
      const prefix = 'ab'.slice(0, prefixBytes) + 'xyz'; // 3 + prefixBytes bytes before the secret
      // The byte after the secret starts with 1 bits: unlike zero padding, so the tail form cannot match here.
      const encoded = Buffer.from(`${prefix}${SECRET}étail!`).toString('base64');
      const n = Buffer.byteLength(SECRET);
      const k = Buffer.byteLength(prefix);
      const first = Math.ceil((8 * k) / 6);
      const last = Math.floor((8 * (k + n)) / 6);

      // Act
      const out = createRedactor([SECRET]).text(`Authorization: X ${encoded}`);

      // Assess: exactly the characters the secret alone determines are gone.
      expect(out).toBe(`Authorization: X ${encoded.slice(0, first)}${REDACTED}${encoded.slice(last)}`);
    },
  );

  it('hides base64("user:" + secret) as Basic auth builds it, padding included', () => {
    // Prepare
    const header = `Basic ${Buffer.from(`jira-bot:${SECRET}`).toString('base64')}`;
    const first = Math.ceil((8 * Buffer.byteLength('jira-bot:')) / 6);

    // Act
    const out = createRedactor([SECRET]).text(header);

    // Assess: what stays is the user part and at most one straddling character.
    expect(out).toBe(`${header.slice(0, 'Basic '.length + first)}${REDACTED}`);
    expect(leaksIn(out, SECRET)).toEqual([]);
  });

  it('gives a 4-character secret its raw form and only the derived forms of 6 characters or more', () => {
    // Act
    const forms = secretForms('ab/c');

    // Assess
    expect(forms[forms.length - 1]).toBe('ab/c');
    expect(forms).toContain('ab%2Fc');
    for (const f of forms.filter((f) => f !== 'ab/c'))
      expect(f.length).toBeGreaterThanOrEqual(MIN_FORM_LENGTH);
    expect(forms).not.toContain('YWIvYw'.slice(0, 5));
    expect(secretForms('abc')).toEqual([]);
    expect(createRedactor(['abc']).text('abc abc')).toBe('abc abc');
  });

  it('returns the cached forms of a value it has seen', () => {
    expect(secretForms('cached-secret-1')).toBe(secretForms('cached-secret-1'));
  });

  it('hides every form the same with hundreds of forms to look for (the indexed pass)', () => {
    // Prepare: 20 other secrets give the redactor well over a hundred forms.
    const others = Array.from({ length: 20 }, (_, i) => `other-secret-${i}-value`);
    const many = createRedactor([...others, SECRET]);
    const text = Object.values(leakForms(SECRET)).join(' | ') + ` ${others[3] ?? ''}`;

    // Act
    const out = many.text(text);

    // Assess
    expect(out).toBe(createRedactor([SECRET, others[3] ?? '']).text(text));
    expect(leaksIn(out, SECRET)).toEqual([]);
    expect(out).not.toContain('other-secret-3');
  });

  it('hides overlapping secrets whole, as one stretch', () => {
    // Act
    const out = createRedactor(['abcdefgh', 'efghijkl']).text('xx abcdefghijkl yy abcdefgh');

    // Assess: replacing one first would have left "ijkl" or "abcd" readable.
    expect(out).toBe(`xx ${REDACTED} yy ${REDACTED}`);
  });

  it('redacts strings, keys and numbers of a value, and makes it JSON-safe', () => {
    // Prepare
    const cyclic: Record<string, unknown> = { n: 12345678 };
    cyclic.self = cyclic;
    const value = {
      [`key-${SECRET}`]: [`v ${encodeURIComponent(SECRET)}`, 12345678, 7],
      err: new Error(`failed with ${Buffer.from(SECRET).toString('hex')}`),
      big: 1234567890n,
      when: new Date('2026-11-29T00:00:00Z'),
      cyclic,
      fn: () => 1,
    };

    // Act
    const out = createRedactor([SECRET, '12345678', '4567890']).value(value);

    // Assess
    expect(out).toEqual({
      'key-***': ['v ***', REDACTED, 7],
      err: { name: 'Error', message: 'failed with ***' },
      big: REDACTED, // two overlapping secrets cover it whole
      when: '2026-11-29T00:00:00.000Z',
      cyclic: { n: REDACTED, self: '[Circular]' },
    });
  });

  it('hides secrets added after it was made, from then on', () => {
    // Prepare
    const redactor = createRedactor([]);
    const before = redactor.text('late-secret-1');

    // Act
    redactor.add(['late-secret-1', 'x']);

    // Assess
    expect(before).toBe('late-secret-1');
    expect(redactor.text('a late-secret-1 b')).toBe(`a ${REDACTED} b`);
    expect(redactor.size).toBe(1);
    expect(redactor.secrets).toEqual(['late-secret-1']);
  });

  it('keeps redact(text, secrets) working as before for raw values', () => {
    expect(redact('token=abcd1234 again abcd1234, inner abcd, key=xy', ['abcd', 'abcd1234', 'xy'])).toBe(
      'token=*** again ***, inner ***, key=xy',
    );
    expect(redact('nothing', [])).toBe('nothing');
  });

  it('leaves no form of any secret in any text (property)', () => {
    // A secret of 6+ characters, no `*` (a secret containing the marker could be rebuilt around it).
    const secret = fc.string({ unit: 'binary', minLength: 6, maxLength: 24 }).filter((s) => !s.includes('*'));
    fc.assert(
      fc.property(secret, fc.string(), fc.string(), fc.boolean(), (s, before, after, crowded) => {
        // Crowded: among enough other secrets for the indexed pass.
        const others = crowded ? Array.from({ length: 8 }, (_, i) => `crowd-${i}-secret`) : [];
        const redactor = createRedactor([...others, s]);
        for (const [name, form] of Object.entries(leakForms(s))) {
          if (form.length < MIN_FORM_LENGTH && name !== 'raw') continue;
          const out = redactor.text(`${before}${form}${after}`);
          expect(out.includes(form), `${name} of ${JSON.stringify(s)}`).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });
});
