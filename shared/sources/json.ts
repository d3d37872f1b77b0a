import { ValidationError } from '../errors.ts';

/** As deep as the XML parser allows: real payloads stay far below, and deeper ones overflow stacks later. */
export const MAX_JSON_DEPTH = 64;

/** Nesting depth of a parsed JSON value, walked without recursion. */
const depthOf = (value: unknown): number => {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const top = stack.pop();
    if (!top) break;
    const [node, depth] = top;
    if (typeof node !== 'object' || node === null) continue;
    const level = depth + 1;
    if (level > max) max = level;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, level]);
  }
  return max;
};

/**
 * Parses untrusted JSON; a syntax error becomes a 400 carrying the parser's
 * reason, and so does nesting deeper than {@link MAX_JSON_DEPTH}.
 */
export const parseJson = (text: string, what = 'body'): unknown => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const reason = e instanceof Error ? e.message : 'unreadable';
    throw new ValidationError(
      `${what} is not valid JSON: ${reason.length > 200 ? `${reason.slice(0, 200)}…` : reason}`,
    );
  }
  if (depthOf(value) > MAX_JSON_DEPTH) {
    throw new ValidationError(`${what} is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return value;
};
