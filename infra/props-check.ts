import { ValidationError } from '../shared/errors.ts';

/**
 * Throws one {@link ValidationError} naming every problem found in a
 * construct's props, so `cdk synth` reports them all at once instead of one
 * per run. Does nothing when `problems` is empty.
 */
export const throwIfProblems = (owner: string, problems: readonly string[]): void => {
  if (problems.length === 0) return;
  throw new ValidationError(`${owner}: invalid props: ${problems.join('; ')}`, 'invalid_construct_props');
};

/** A problem when `value` is not an integer within [min, max]; `undefined` passes (the default applies). */
export const checkIntegerInRange = (
  name: string,
  value: number | undefined,
  min: number,
  max: number,
): string[] =>
  value === undefined || (Number.isInteger(value) && value >= min && value <= max)
    ? []
    : [`${name} must be an integer from ${min} to ${max} (got ${value})`];
