import { ValidationError } from '../../errors.ts';
import { clip } from '../../sdk/text.ts';

/** A request body as JSON, or a 400 that says why it is not (JSON.parse's message, clipped). */
export const readJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ValidationError(`malformed JSON: ${clip(e instanceof Error ? e.message : 'unreadable')}`);
  }
};
