/**
 * Whether every edge (API Gateway, the local server, the admin app) routes a
 * path holding this key: a `%` or `\` (encoded, both refused), or a `.`,
 * `..` or empty segment (`//`, a leading or trailing `/`), is refused before
 * routing, so such a key goes in the query.
 */
export const pathCarries = (key: string): boolean =>
  !/[%\\]/.test(key) && key.split('/').every((s) => s !== '' && s !== '.' && s !== '..');

/**
 * Where to send a request about one key of a job's keyed resource (`state`,
 * `effects`): `<base>/<key>`, its segments each encoded and its `/` kept (the
 * route takes the rest of the path), or `<base>?key=<key>` when the path
 * cannot carry the key. The routes answer both alike.
 *
 * @example
 * ```ts
 * const { path, searchParams } = keyRequest(`admin/jobs/${id}/effects`, key);
 * await client.call('delete', path, zUndefined(), { searchParams });
 * ```
 */
export const keyRequest = (base: string, key: string): { path: string; searchParams: { key?: string } } =>
  pathCarries(key)
    ? { path: `${base}/${key.split('/').map(encodeURIComponent).join('/')}`, searchParams: {} }
    : { path: base, searchParams: { key } };
