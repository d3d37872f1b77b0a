import { ValidationError } from '../errors.ts';

/** Parses untrusted JSON; a syntax error becomes a 400 carrying the parser's reason. */
export const parseJson = (text: string, what = 'body'): unknown => {
  try {
    return JSON.parse(text);
  } catch (e) {
    const reason = e instanceof Error ? e.message : 'unreadable';
    throw new ValidationError(
      `${what} is not valid JSON: ${reason.length > 200 ? `${reason.slice(0, 200)}…` : reason}`,
    );
  }
};
