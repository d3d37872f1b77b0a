import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../shared/model/log-format.ts';
import { formatLogLine as modelFormatLogLine } from '../../shared/model/index.ts';

describe('shared/model/log-format.ts', () => {
  it('is the formatter the model (so the CLI and the run logger) exports', () => {
    // Assess
    expect(modelFormatLogLine).toBe(formatLogLine);
    expect(
      formatLogLine({ ts: '2026-11-22T10:00:00.000Z', level: 'WARN', message: 'stopped by local' }),
    ).toBe('[2026-11-22T10:00:00.000Z] [WARN] \u2013 stopped by local');
  });

  it('imports nothing: the console bundles it, and an import could bring zod into the bundle', () => {
    // Arrange
    const source = readFileSync(new URL('../../shared/model/log-format.ts', import.meta.url), 'utf8');

    // Assess
    expect(source).not.toMatch(/^\s*(import|export\s.*\sfrom)\s/m);
  });
});
