import type * as Re2js from 're2js';
import { ValidationError } from '../errors.ts';
import { lazyModule } from '../lazy-require.ts';

/** re2js (147 KiB) loads with the first pattern: most jobs have none (see LAZY_PACKAGES). */
const re2js = lazyModule<typeof Re2js>('re2js');

/** Longer patterns are refused: an operator's pattern is a line, not a program. */
export const MAX_PATTERN_LENGTH = 1000;

/**
 * An operator-supplied pattern, compiled for linear-time matching.
 *
 * @example
 * ```ts
 * const pattern = compilePattern('^CHG\\d+');
 * pattern.test('CHG1234 web farm'); // true
 * ```
 */
export interface Pattern {
  readonly source: string;
  /** Whether the pattern matches anywhere in `text` (as `RegExp.prototype.test`). */
  test(text: string): boolean;
}

/**
 * Why a pattern cannot be used, or undefined when it can: RE2 syntax
 * (no backreferences, lookahead or lookbehind), at most
 * {@link MAX_PATTERN_LENGTH} characters.
 *
 * @example
 * ```ts
 * patternProblem('(a)\\1'); // 'not a valid RE2 regular expression: invalid escape sequence: `\1`'
 * ```
 */
export const patternProblem = (source: string): string | undefined => {
  if (source.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  const { RE2JS, RE2JSSyntaxException } = re2js();
  try {
    RE2JS.compile(source);
    return undefined;
  } catch (e) {
    if (e instanceof RE2JSSyntaxException) {
      return `not a valid RE2 regular expression: ${e.message.replace(/^error parsing regexp: /, '')}`;
    }
    throw e;
  }
};

/**
 * Compiles an operator-supplied pattern (a `text` parameter with
 * `format: 'regex'`) with RE2: matching takes time linear in the text, so a
 * pattern like `^(a+)+$` cannot freeze the process the way a backtracking
 * `RegExp` would. Throws a ValidationError saying why a pattern is refused.
 *
 * @example
 * ```ts
 * if (!compilePattern(params.subjectPattern).test(ticket.subject)) violations.push('…');
 * ```
 */
export const compilePattern = (source: string): Pattern => {
  const problem = patternProblem(source);
  if (problem !== undefined)
    throw new ValidationError(`pattern ${JSON.stringify(source.slice(0, 200))}: ${problem}`);
  const compiled = re2js().RE2JS.compile(source);
  return Object.freeze({ source, test: (text: string) => compiled.matcher(text).find() });
};
