/**
 * A Jira issue key as Jira makes them (`OPS-12`: the project key, upper-case
 * letters, digits and `_` starting with a letter, then the number). Only such
 * keys go into a URL path or a JQL query: a stored id that is anything else
 * could not have come from Jira, and must not be able to change the query.
 */
const ISSUE_KEY = /^[A-Z][A-Z0-9_]+-\d{1,18}$/;

export const isIssueKey = (key: string): boolean => ISSUE_KEY.test(key);

/** `key in ("OPS-1", "OPS-2")`: keys checked first, so the quotes cannot be broken out of. */
export const keyInJql = (keys: readonly string[]): string =>
  `key in (${keys.map((k) => `"${k}"`).join(', ')})`;
