import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  anySecretKnown,
  forgetKnownSecrets,
  redactKnown,
  redactKnownValue,
  rememberNewSecrets,
  rememberSecrets,
} from '../../shared/runtime/known-secrets.ts';
import { platformLogger, resetLogFormat, useLocalLogFormat } from '../../shared/runtime/platform-logger.ts';
import { leaksIn } from '../helpers/leak-forms.ts';

const SECRET = 'pl4tf0rm "s3cr3t"/+&=é';
const basic = (s: string): string => `Basic ${Buffer.from(`svc:${s}`).toString('base64')}`;

/** Captures what the platform logger writes, as the local start prints it. */
const capture = (format: 'text' | 'json'): string[] => {
  const lines: string[] = [];
  useLocalLogFormat(format, (line) => lines.push(line));
  return lines;
};

afterEach(() => {
  forgetKnownSecrets();
  resetLogFormat();
  vi.restoreAllMocks();
});

describe('known secrets (the process-wide registry)', () => {
  it('hides nothing until a secret is remembered, then every form of it', () => {
    // Prepare
    const text = `raw ${SECRET} url ${encodeURIComponent(SECRET)} auth ${basic(SECRET)}`;
    const before = redactKnown(text);

    // Act
    rememberSecrets([SECRET, 'ab']);

    // Assess
    expect(before).toBe(text);
    expect(anySecretKnown()).toBe(true);
    expect(leaksIn(redactKnown(text), SECRET)).toEqual([]);
    expect(redactKnown('ab stays')).toBe('ab stays');
  });

  it('returns a clean value itself, and a copy with strings, keys and errors redacted otherwise', () => {
    // Prepare
    rememberSecrets([SECRET]);
    const clean = { a: ['x', 1, { b: true }] };
    const error = new Error(`denied for ${SECRET}`);

    // Act
    const same = redactKnownValue(clean);
    const dirty = redactKnownValue({ [SECRET]: [`h ${basic(SECRET)}`], error });

    // Assess
    expect(same).toBe(clean);
    const [[key, [header]], [, copy]] = Object.entries(dirty) as [[string, [string]], [string, Error]];
    expect(key).toBe('***');
    expect(leaksIn(header, SECRET)).toEqual([]);
    expect(copy).toBeInstanceOf(Error);
    expect(copy.message).toBe('denied for ***');
    expect(leaksIn(copy.stack ?? '', SECRET)).toEqual([]);
    expect(error.message).toContain(SECRET); // the caller's error is left alone
  });

  it('keeps the last 512 secrets: the least recently remembered is forgotten first', () => {
    // Prepare
    rememberSecrets(['oldest-secret-0']);
    rememberSecrets(['refreshed-secret']);
    rememberSecrets(Array.from({ length: 510 }, (_, i) => `filler-secret-${i}`));

    // Act: 'refreshed-secret' is used again, then one more pushes the oldest out.
    rememberSecrets(['refreshed-secret']);
    rememberSecrets(['newest-secret-x']);

    // Assess
    expect(redactKnown('oldest-secret-0')).toBe('oldest-secret-0');
    expect(redactKnown('refreshed-secret newest-secret-x filler-secret-0')).toBe('*** *** ***');
  });

  it('rememberNewSecrets: remembers what is new, and touches nothing when all is known already', () => {
    // Prepare
    rememberNewSecrets([SECRET, 'ab']);
    const hidden = redactKnown(`x ${SECRET}`);
    const add = vi.spyOn(Set.prototype, 'add');
    const remove = vi.spyOn(Set.prototype, 'delete');

    // Act: known (and too short to keep) values, as ingest hands them over on every request (other
    // code may use Sets meanwhile: only calls with these values count)
    for (let i = 0; i < 100; i++) rememberNewSecrets([SECRET, 'ab']);
    const touches = [...add.mock.calls, ...remove.mock.calls].filter(([v]) => v === SECRET || v === 'ab');
    rememberNewSecrets([SECRET, 'second-secret']);

    // Assess
    expect(hidden).toBe('x ***');
    expect(touches).toEqual([]);
    expect(redactKnown(`${SECRET} second-secret ab`)).toBe('*** *** ab');
  });

  it('rememberNewSecrets: a value evicted since is remembered again', () => {
    // Prepare
    rememberNewSecrets(['auth-secret-1']);
    rememberSecrets(Array.from({ length: 512 }, (_, i) => `filler-secret-${i}`));
    const evicted = redactKnown('auth-secret-1');

    // Act
    rememberNewSecrets(['auth-secret-1']);

    // Assess
    expect(evicted).toBe('auth-secret-1');
    expect(redactKnown('auth-secret-1')).toBe('***');
  });

  it.each(['json', 'text'] as const)(
    'redacts every %s line the platform logger writes: message, fields, nested, errors',
    (format) => {
      // Prepare
      const lines = capture(format);
      rememberSecrets([SECRET]);

      // Act
      platformLogger.info(`call with ${basic(SECRET)}`, {
        runId: 'R1',
        header: JSON.stringify({ token: SECRET }),
        nested: { deep: [`q=${encodeURIComponent(SECRET)}`] },
        error: new Error(`hex ${Buffer.from(SECRET).toString('hex')}`),
      });

      // Assess
      expect(lines).toHaveLength(1);
      expect(leaksIn(lines.join('\n'), SECRET)).toEqual([]);
      expect(lines[0]).toContain('***');
    },
  );

  it('redacts the Lambda (Powertools JSON) output too', () => {
    // Prepare
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => written.push(String(chunk)) > 0);
    rememberSecrets([SECRET]);

    // Act
    platformLogger.info(`leaky ${SECRET}`, { extra: { v: SECRET } });

    // Assess
    const out = written.join('');
    expect(out).toContain('leaky ***');
    expect(leaksIn(out, SECRET)).toEqual([]);
  });
});
