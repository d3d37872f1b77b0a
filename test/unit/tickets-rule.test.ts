import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../shared/errors.ts';
import { MAX_RULE_BYTES } from '../../shared/model/index.ts';
import { alertOf } from '../../shared/tickets/alert.ts';
import { MAX_RULE_DEPTH, matchesRule, ruleProblem } from '../../shared/tickets/rule.ts';

const alert = alertOf(
  { attributes: { alertName: 'alert.name' } },
  {
    id: 'a1',
    alertName: 'top-level name',
    alert: { name: 'DLP upload' },
    severity: 'high',
    score: 7,
    tags: ['dlp', 'upload'],
    user: 'Bob@Acme.com',
    owner: { email: 'sec@acme.com' },
  },
  'D1',
);

/** A rule nested `levels` objects deep (the rule itself is level 1). */
const nested = (levels: number): Record<string, unknown> => {
  let rule: Record<string, unknown> = { leaf: 1 };
  for (let i = 1; i < levels; i++) rule = { [`l${i}`]: rule };
  return rule;
};

describe('matchesRule', () => {
  it('matches MongoDB-style queries over rawAlert merged with the main attributes', () => {
    expect(matchesRule({ severity: { $in: ['high', 'critical'] } }, alert)).toBe(true);
    expect(matchesRule({ severity: { $in: ['low'] } }, alert)).toBe(false);
    expect(matchesRule({ score: { $gte: 5 }, tags: 'dlp' }, alert)).toBe(true);
    expect(matchesRule({ 'owner.email': { $regex: '@acme\\.com$' } }, alert)).toBe(true);
    expect(matchesRule({ $or: [{ severity: 'low' }, { tags: { $all: ['dlp', 'upload'] } }] }, alert)).toBe(
      true,
    );
    expect(matchesRule({ missing: { $exists: false }, tags: { $size: 2 } }, alert)).toBe(true);
    expect(matchesRule(undefined, alert)).toBe(true);
  });

  it('lets the main attributes win over the same names in the body', () => {
    expect(matchesRule({ alertName: 'DLP upload' }, alert)).toBe(true);
    expect(matchesRule({ alertName: 'top-level name' }, alert)).toBe(false);
  });

  it('runs $regex with RE2: $options i, and a catastrophic pattern stays linear', () => {
    expect(matchesRule({ user: { $regex: '^bob@', $options: 'i' } }, alert)).toBe(true);
    expect(matchesRule({ user: { $regex: '^bob@' } }, alert)).toBe(false);
    const evil = alertOf({}, { text: `${'a'.repeat(50_000)}!` }, 'D');
    expect(matchesRule({ text: { $regex: '^(a+)+$' } }, evil)).toBe(false);
  });

  it('fails the run permanently on a rule that is no valid rule', () => {
    expect(() => matchesRule({ $where: 'true' }, alert)).toThrow(PermanentError);
    expect(() => matchesRule({ $where: 'true' }, alert)).toThrow('tickets.rule: $where');
  });
});

describe('ruleProblem', () => {
  it('accepts the issue’s example and the supported operators', () => {
    expect(ruleProblem({ severity: { $in: ['high', 'critical'] } })).toBeUndefined();
    expect(
      ruleProblem({
        $and: [{ a: { $ne: 1 } }, { b: { $not: { $gt: 3 } } }],
        $nor: [{ c: { $type: 'string' } }],
        d: { $elemMatch: { e: { $lte: 2 } } },
        f: { $mod: [2, 0] },
        g: { $nin: ['x'] },
        h: { $regex: 'x', $options: 'im' },
      }),
    ).toBeUndefined();
    expect(ruleProblem(undefined)).toBeUndefined();
  });

  it('refuses $where, unknown operators, bad arguments and non-RE2 patterns, saying where', () => {
    expect(ruleProblem({ $where: 'this.a > 1' })).toBe('$where: $where (JavaScript) is not allowed');
    expect(ruleProblem({ a: { $where: 'sleep(1e9)' } })).toBe('a.$where: $where (JavaScript) is not allowed');
    expect(ruleProblem({ a: { $function: {} } })).toBe(
      'a.$function: unknown or unsupported operator "$function"',
    );
    expect(ruleProblem({ a: { $in: 'x' } })).toBe('a.$in: $in takes an array');
    expect(ruleProblem({ $or: [] })).toBe('$or: $or takes a non-empty array of queries');
    expect(ruleProblem({ a: { $type: 'function' } })).toMatch(/^a\.\$type: \$type takes one of number/);
    expect(ruleProblem({ a: { $regex: '(a)\\1' } })).toMatch(
      /^a\.\$regex: \$regex "\(a\)\\\\1": not a valid RE2/,
    );
    expect(ruleProblem({ a: { $regex: 'x', $options: 'g' } })).toBe(
      'a.$options: $options takes flags among i, m and s',
    );
    expect(ruleProblem({ a: { $mod: [0, 1] } })).toBe(
      'a.$mod: $mod takes [divisor, remainder], the divisor not 0',
    );
    expect(ruleProblem(JSON.parse('{"__proto__":{"x":1}}'))).toBe(
      '"__proto__": "__proto__" cannot be a field name here',
    );
    expect(ruleProblem(['a'])).toMatch(/^a rule is a query object/);
  });

  it('bounds the rule’s size and depth', () => {
    expect(ruleProblem({ a: 'x'.repeat(MAX_RULE_BYTES) })).toMatch(/bytes of JSON; at most 16384$/);
    expect(ruleProblem(nested(MAX_RULE_DEPTH))).toBeUndefined();
    expect(ruleProblem(nested(MAX_RULE_DEPTH + 1))).toMatch(/^nested more than 10 levels deep/);
  });

  it('reports what sift itself refuses', () => {
    expect(ruleProblem({ a: { $eq: 1, b: 2 } })).toMatch(/^sift refused it: /);
  });
});
