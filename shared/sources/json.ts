import { ValidationError } from '../errors.ts';
import { clip } from '../sdk/text.ts';

/** As deep as the XML parser allows: real payloads stay far below, and deeper ones overflow stacks later. */
export const MAX_JSON_DEPTH = 64;
/**
 * Most values and keys in one document (a Check Point publish of 50 changes
 * holds a few thousand). It bounds the cost of parsing and of every later
 * walk: an object of a million keys takes seconds to build.
 */
export const MAX_JSON_VALUES = 200_000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * One linear pass over the raw text before `JSON.parse`: nesting depth and
 * the number of values and keys (each `,` `:` and opening bracket starts
 * one), outside strings. Syntax is left to `JSON.parse`.
 */
const preScan = (text: string, what: string): void => {
  let depth = 0;
  let values = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string: up to the next quote not escaped.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new ValidationError(`${what} is nested deeper than ${MAX_JSON_DEPTH} levels`);
      }
      values++;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    } else if (c === COMMA || c === COLON) {
      values++;
    }
    if (values > MAX_JSON_VALUES) {
      throw new ValidationError(`${what} has more than ${MAX_JSON_VALUES} values and keys`);
    }
  }
};

/**
 * Parses untrusted JSON; a syntax error becomes a 400 carrying the parser's
 * reason (cut), and so do nesting deeper than {@link MAX_JSON_DEPTH} and more
 * than {@link MAX_JSON_VALUES} values, both refused before parsing.
 */
export const parseJson = (text: string, what = 'body'): unknown => {
  preScan(text, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const reason = e instanceof Error ? e.message : 'unreadable';
    throw new ValidationError(`${what} is not valid JSON: ${clip(reason)}`);
  }
};
