import siftModule from 'sift';
import { errorMessage, PermanentError } from '../errors.ts';
import type { Alert } from '../model/index.ts';
import { MAX_RULE_BYTES } from '../model/index.ts';
import { compilePattern, patternProblem } from '../sdk/pattern.ts';
import { quote } from '../sdk/text.ts';
import { mainAttributesOf } from './alert.ts';

/**
 * A ticket job's business rule: a MongoDB-style query (sift) over the alert.
 * The rule is operator text the worker evaluates on every alert, so it is
 * bounded: its JSON at most MAX_RULE_BYTES, nested at most MAX_RULE_DEPTH
 * deep, and only the operators below. `$where` (JavaScript) is refused;
 * `$regex` is compiled with RE2 (shared/sdk/pattern.ts), linear in the
 * text, instead of a backtracking RegExp.
 */

export const MAX_RULE_DEPTH = 10;

/**
 * sift's query tester. Its default import is the function itself both under
 * Node (the CommonJS `module.exports`) and in a bundle (the ES build's default
 * export); TypeScript types the CommonJS form as the whole module.
 */
const sift = siftModule as unknown as typeof siftModule.default;

/** The operators a rule may use, with the shape of what each takes. */
const OPERATORS = {
  $eq: 'any',
  $ne: 'any',
  $gt: 'scalar',
  $gte: 'scalar',
  $lt: 'scalar',
  $lte: 'scalar',
  $in: 'array',
  $nin: 'array',
  $all: 'array',
  $and: 'queries',
  $or: 'queries',
  $nor: 'queries',
  $not: 'query',
  $elemMatch: 'query',
  $exists: 'boolean',
  $size: 'count',
  $mod: 'mod',
  $type: 'type',
  $regex: 'regex',
  $options: 'options',
} as const;
type Operator = keyof typeof OPERATORS;

/** sift's `$type` aliases (a constructor cannot come from JSON). */
const TYPE_ALIASES = ['number', 'string', 'bool', 'array', 'null', 'timestamp'];

const isOperator = (key: string): key is Operator => Object.hasOwn(OPERATORS, key);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): boolean =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Why an operator's argument has the wrong shape, or undefined. */
const argumentProblem = (op: Operator, arg: unknown): string | undefined => {
  switch (OPERATORS[op]) {
    case 'any':
      return undefined;
    case 'scalar':
      return isScalar(arg) ? undefined : `${op} takes a number, a text, true, false or null`;
    case 'array':
      return Array.isArray(arg) ? undefined : `${op} takes an array`;
    case 'queries':
      return Array.isArray(arg) && arg.length > 0 && arg.every(isRecord)
        ? undefined
        : `${op} takes a non-empty array of queries`;
    case 'query':
      return isRecord(arg) ? undefined : `${op} takes a query (an object)`;
    case 'boolean':
      return typeof arg === 'boolean' ? undefined : `${op} takes true or false`;
    case 'count':
      return Number.isInteger(arg) && (arg as number) >= 0 ? undefined : `${op} takes a whole number`;
    case 'mod':
      return Array.isArray(arg) &&
        arg.length === 2 &&
        arg.every((n) => typeof n === 'number' && Number.isFinite(n)) &&
        arg[0] !== 0
        ? undefined
        : `${op} takes [divisor, remainder], the divisor not 0`;
    case 'type':
      return typeof arg === 'string' && TYPE_ALIASES.includes(arg)
        ? undefined
        : `${op} takes one of ${TYPE_ALIASES.join(', ')}`;
    case 'regex': {
      if (typeof arg !== 'string') return `${op} takes a pattern (text)`;
      const problem = patternProblem(arg);
      return problem === undefined ? undefined : `${op} ${quote(arg, 64)}: ${problem}`;
    }
    case 'options':
      return typeof arg === 'string' && /^[ims]{0,3}$/.test(arg)
        ? undefined
        : `${op} takes flags among i, m and s`;
  }
};

/** Walks the rule: operators allowed and well formed, depth bounded, no prototype keys. */
const shapeProblem = (node: unknown, depth: number, path: string): string | undefined => {
  if (typeof node !== 'object' || node === null) return undefined;
  if (depth > MAX_RULE_DEPTH) return `nested more than ${MAX_RULE_DEPTH} levels deep (at ${path})`;
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) {
      const problem = shapeProblem(item, depth + 1, `${path}.${i}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  for (const [key, value] of Object.entries(node)) {
    const at = path === '' ? key : `${path}.${key}`;
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      return `${quote(at, 64)}: ${quote(key)} cannot be a field name here`;
    }
    if (key.startsWith('$')) {
      if (key === '$where') return `${at}: $where (JavaScript) is not allowed`;
      if (!isOperator(key)) return `${at}: unknown or unsupported operator ${quote(key, 64)}`;
      const problem = argumentProblem(key, value);
      if (problem !== undefined) return `${at}: ${problem}`;
      if (key === '$options' && !Object.hasOwn(node, '$regex')) return `${at}: $options goes with $regex`;
    }
    const inner = shapeProblem(value, depth + 1, at);
    if (inner !== undefined) return inner;
  }
  return undefined;
};

type Tester = (item: unknown) => boolean;
type Key = string | number;

/** sift's EqualsOperation, for a test function of ours (sift's named exports differ between its builds). */
const testOperation = (test: (value: unknown) => boolean) => ({
  keep: false,
  done: false,
  propop: true,
  reset() {
    this.done = false;
    this.keep = false;
  },
  next(item: unknown, key: Key, parent: unknown) {
    if (!Array.isArray(parent) || Object.hasOwn(parent, key)) {
      if (test(item)) {
        this.done = true;
        this.keep = true;
      }
    }
  },
});

const operations = {
  // Refused by ruleProblem already; never compiled, whatever reaches here.
  $where: () => {
    throw new Error('$where is not allowed');
  },
  $regex: (pattern: string, owner: Record<string, unknown>) => {
    const flags = typeof owner.$options === 'string' ? owner.$options : '';
    const compiled = compilePattern(flags === '' ? pattern : `(?${flags})${pattern}`);
    return testOperation((value) => typeof value === 'string' && compiled.test(value));
  },
};

const compile = (rule: Record<string, unknown>): Tester => sift(rule, { operations });

/**
 * Why `rule` cannot be a ticket job's business rule, or undefined when it
 * can: an object whose JSON is at most MAX_RULE_BYTES, nested at most
 * MAX_RULE_DEPTH deep, using only the supported operators ($eq $ne $gt $gte
 * $lt $lte $in $nin $all $and $or $nor $not $elemMatch $exists $size $mod
 * $type $regex $options; `$regex` in RE2 syntax, `$options` among `i`, `m`,
 * `s`), which sift compiles. What `PUT /admin/jobs/{id}` answers as `invalid_rule`.
 *
 * @example
 * ```ts
 * ruleProblem({ severity: { $in: ['high', 'critical'] } }); // undefined
 * ruleProblem({ $where: 'this.a > 1' }); // '$where: $where (JavaScript) is not allowed'
 * ```
 */
export const ruleProblem = (rule: unknown): string | undefined => {
  if (rule === undefined) return undefined;
  if (!isRecord(rule)) return 'a rule is a query object, e.g. { "severity": { "$in": ["high"] } }';
  let json: string | undefined;
  try {
    json = JSON.stringify(rule);
  } catch (e) {
    return `not JSON: ${errorMessage(e)}`;
  }
  const bytes = Buffer.byteLength(json ?? '', 'utf8');
  if (bytes > MAX_RULE_BYTES) return `${bytes} bytes of JSON; at most ${MAX_RULE_BYTES}`;
  const problem = shapeProblem(rule, 1, '');
  if (problem !== undefined) return problem;
  try {
    // Compiled, then tried once: sift throws some of its refusals only when it tests a value.
    compile(rule)({});
  } catch (e) {
    return `sift refused it: ${errorMessage(e)}`;
  }
  return undefined;
};

/** Compiled rules, by the job's rule object (a hot job keeps its object across runs). */
const compiled = new WeakMap<object, Tester>();

/**
 * Whether the alert passes the job's rule (no rule: every alert). The rule
 * sees the alert's `rawAlert` merged with its main attributes, the main
 * attributes winning. A rule that is no valid rule (saved before a check
 * existed) fails the run permanently, naming why.
 *
 * @example
 * ```ts
 * matchesRule({ severity: { $in: ['high'] } }, alertOf(tickets, { severity: 'high' }, 'D1')); // true
 * ```
 */
export const matchesRule = (rule: Record<string, unknown> | undefined, alert: Alert): boolean => {
  if (rule === undefined) return true;
  let tester = compiled.get(rule);
  if (tester === undefined) {
    const problem = ruleProblem(rule);
    if (problem !== undefined) throw new PermanentError(`tickets.rule: ${problem}`);
    tester = compile(rule);
    compiled.set(rule, tester);
  }
  try {
    return tester({ ...alert.rawAlert, ...mainAttributesOf(alert) });
  } catch (e) {
    throw new PermanentError(`tickets.rule: ${errorMessage(e)}`);
  }
};
