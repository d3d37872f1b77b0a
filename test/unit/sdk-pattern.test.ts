import { describe, expect, expectTypeOf, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { admin } from '../../shared/runtime/admin.ts';
import type { ParamsOf } from '../../shared/sdk/index.ts';
import {
  checkJobParams,
  compilePattern,
  defineIntegration,
  MAX_PATTERN_LENGTH,
  patternProblem,
} from '../../shared/sdk/index.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

/** Backtracking RegExp needs about 2^40 steps for this; RE2 is linear. */
const EVIL = '^(a+)+$';
const EVIL_INPUT = `${'a'.repeat(40)}!`;

describe('compilePattern', () => {
  it('matches like RegExp.test (anywhere in the text) for ordinary patterns', () => {
    const pattern = compilePattern('^CHG\\d+');
    expect(pattern.source).toBe('^CHG\\d+');
    expect([pattern.test('CHG1234 web farm'), pattern.test('see CHG1'), pattern.test('chg1')]).toEqual([
      true,
      false,
      false,
    ]);
    expect(compilePattern('farm').test('web farm 2')).toBe(true);
  });

  it('answers a catastrophic-backtracking pattern correctly, in linear time', () => {
    // A backtracking engine would hold the process far beyond the test's time-out here.
    const pattern = compilePattern(EVIL);
    expect(pattern.test(EVIL_INPUT)).toBe(false);
    expect(pattern.test('a'.repeat(40))).toBe(true);
  });

  it.each([
    ['a backreference', '(a)\\1', 'invalid escape sequence'],
    ['a lookahead', '(?=a)b', 'invalid or unsupported Perl syntax'],
    ['an unclosed class', '[a-', 'missing closing ]'],
    ['a huge repeat', 'a{1001}', 'invalid repeat count'],
  ])('refuses %s with a ValidationError saying why', (_label, source, why) => {
    const error = (() => {
      try {
        compilePattern(source);
      } catch (e) {
        return e;
      }
      throw new Error('expected a throw');
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('not a valid RE2 regular expression');
    expect((error as Error).message).toContain(why);
    expect(patternProblem(source)).toContain(why);
  });

  it('refuses a pattern longer than the limit', () => {
    expect(patternProblem('a'.repeat(MAX_PATTERN_LENGTH + 1))).toBe(
      `longer than ${MAX_PATTERN_LENGTH} characters`,
    );
    expect(patternProblem('a'.repeat(MAX_PATTERN_LENGTH))).toBeUndefined();
  });
});

describe("text parameters with format: 'regex'", () => {
  const parameters = {
    pattern: { type: 'text', format: 'regex', description: 'a pattern' },
    plain: { type: 'text' },
  } as const;
  const withPattern = defineIntegration({
    id: 'with-pattern',
    name: 'With pattern',
    version: '1.0.0',
    description: 'Has a regex parameter.',
    parameters,
    run: ({ params }) => ({ message: params.pattern ?? '' }),
  });

  it('keeps the params type a string', () => {
    expectTypeOf<ParamsOf<typeof parameters>>().toEqualTypeOf<{ pattern?: string; plain?: string }>();
  });

  it('checks the pattern when job params are checked, naming the parameter', () => {
    expect(checkJobParams(withPattern.manifest, { pattern: '^CHG\\d+', plain: '(a)\\1' })).toEqual({
      pattern: '^CHG\\d+',
      plain: '(a)\\1',
    });
    expect(checkJobParams(withPattern.manifest, { pattern: '' })).toEqual({ pattern: '' });
    expect(() => checkJobParams(withPattern.manifest, { pattern: '(a)\\1' })).toThrow(
      /^parameter "pattern": not a valid RE2 regular expression: invalid escape sequence/,
    );
    expect(() => checkJobParams(withPattern.manifest, { pattern: 3 })).toThrow(
      /^parameter "pattern": must be text$/,
    );
  });

  it('refuses a manifest whose default pattern RE2 refuses (when the manifest is read)', () => {
    expect(
      () =>
        defineIntegration({
          id: 'bad-default',
          name: 'Bad default',
          version: '1.0.0',
          description: 'x',
          parameters: { p: { type: 'text', format: 'regex', default: '(?<=a)b' } },
          run: () => undefined,
        }).manifest,
    ).toThrow(/parameters\.p\.default: not a valid RE2 regular expression/);
  });

  it.each([
    ['a backreference', '(a)\\1'],
    ['an unclosed group', '(CHG'],
  ])(
    'refuses a job with %s as subjectPattern at apply (PUT /admin/jobs/{id}), storing nothing',
    async (_l, p) => {
      const deps = memoryDeps();
      const error = await admin
        .putJob(deps, 'validate', {
          name: 'Validate',
          integration: 'securechange-ticket-gate',
          source: 'securechange',
          mode: 'decision',
          auth: { secret: 'sc' },
          params: { subjectPattern: p },
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).status).toBe(400);
      expect((error as Error).message).toMatch(
        /^parameter "subjectPattern": not a valid RE2 regular expression/,
      );
      expect(deps.jobs.items.size).toBe(0);
    },
  );

  it('accepts the example job’s pattern and a catastrophic one (RE2 runs it in linear time)', async () => {
    const deps = memoryDeps();
    for (const subjectPattern of ['^CHG\\d+', EVIL]) {
      const { job } = await admin.putJob(deps, 'validate', {
        name: 'Validate',
        integration: 'securechange-ticket-gate',
        source: 'securechange',
        mode: 'decision',
        auth: { secret: 'sc' },
        params: { subjectPattern },
      });
      expect(job.params).toEqual({ subjectPattern });
    }
  });
});
