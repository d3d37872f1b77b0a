import { PermanentError } from '../errors.ts';
import type { MappingField } from '../model/index.ts';
import type { CreateTaskInput } from '../sdk/tickets.ts';
import { quote } from '../sdk/text.ts';
import { VALUE_UNAVAILABLE } from './placeholders.ts';

/** A mapped text with nothing in it: no placeholder filled it, or the template was empty. */
const isEmpty = (text: string): boolean => text.trim() === '' || text.trim() === VALUE_UNAVAILABLE;

/**
 * Shapes mapped texts (target field → resolved template) to the target
 * fields' types from `getAvailableFields`: `number` → a Number (a text that
 * is no number refuses the task: a PermanentError naming the field), `array`
 * → the text split on commas, each item trimmed, empty ones dropped;
 * every other type (and a field the target did not list) stays text, which
 * the integration renders (Jira: ADF for rich text). A number or array field
 * that mapped to nothing (`value_unavailable`, blank) is left out, unless the
 * target requires it — then the task is refused.
 *
 * @example
 * ```ts
 * shapeFields({ summary: 'DLP', customfield_1: '42', labels: 'a, b' }, fields);
 * // { summary: 'DLP', customfield_1: 42, labels: ['a', 'b'] }
 * ```
 */
export const shapeFields = (
  mapped: Record<string, string>,
  fields: readonly MappingField[],
): CreateTaskInput['fields'] => {
  const byKey = new Map(fields.map((f) => [f.value, f]));
  const out: CreateTaskInput['fields'] = {};
  for (const [key, text] of Object.entries(mapped)) {
    const field = byKey.get(key);
    const type = field?.type ?? 'any';
    if (type !== 'number' && type !== 'array') {
      out[key] = text;
      continue;
    }
    if (isEmpty(text)) {
      if (field?.required === true) {
        throw new PermanentError(
          `mapping ${quote(key)}: the target requires this ${type} field, and the alert gave it no value`,
        );
      }
      continue;
    }
    if (type === 'number') {
      const value = Number(text.trim());
      if (!Number.isFinite(value)) {
        throw new PermanentError(`mapping ${quote(key)}: ${quote(text, 64)} is not a number`);
      }
      out[key] = value;
      continue;
    }
    out[key] = text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  return out;
};
