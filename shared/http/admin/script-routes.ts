import type { Hono } from 'hono';
import { NotFoundError, UnsupportedMediaTypeError, ValidationError } from '../../errors.ts';
import { SCRIPT_ID_PATTERN } from '../../model/index.ts';
import { quote } from '../../sdk/text.ts';
import { isoTime } from '../../store/keys.ts';
import type { AdminDeps } from '../admin-app.ts';
import { callerOf } from '../caller.ts';
import type { EdgeEnv } from '../hono-helpers.ts';
import { jsonError, pageRequest } from '../hono-helpers.ts';

/** A script's source, at most: 1 MiB of UTF-8. */
export const MAX_SCRIPT_BYTES = 1024 * 1024;

/** The media types a script is uploaded as (`.js` files, as Plutora takes them). */
export const SCRIPT_MEDIA_TYPES: readonly string[] = [
  'application/javascript',
  'text/javascript',
  'application/x-javascript',
  'text/plain',
];

/** How a version's source is served back. */
const SCRIPT_CONTENT_TYPE = 'application/javascript; charset=utf-8';

const requireScriptId = (id: string): string => {
  if (!SCRIPT_ID_PATTERN.test(id)) {
    throw new ValidationError(
      `invalid script id ${quote(id)}: lower-case letters, digits, - and _, at most 64`,
      'invalid_script_id',
    );
  }
  return id;
};

const requireVersion = (n: string): number => {
  if (!/^[1-9]\d{0,8}$/.test(n)) {
    throw new ValidationError(`invalid version ${quote(n)}: a positive integer`, 'invalid_version');
  }
  return Number(n);
};

/** The upload's media type must be a script's; a charset other than UTF-8 is refused (the source is kept as UTF-8). */
const checkContentType = (header: string | undefined): void => {
  const [type = '', ...params] = (header ?? '').split(';').map((p) => p.trim().toLowerCase());
  if (!SCRIPT_MEDIA_TYPES.includes(type)) {
    throw new UnsupportedMediaTypeError(
      `a script is uploaded as ${SCRIPT_MEDIA_TYPES.join(', ')}; got ${header === undefined ? 'none' : quote(header)}`,
    );
  }
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError(`a script is UTF-8 text; got charset ${quote(charset)}`);
  }
};

/** The body as UTF-8 text, byte for byte (a BOM kept): anything else is a 400. */
const utf8Of = (bytes: Uint8Array): string => {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new ValidationError('a script is UTF-8 text: the body is not', 'invalid_script');
  }
};

/**
 * `/admin/scripts[/{id}[/versions/{n}]]`: uploaded scripts. `PUT` stores the
 * body (a `.js` file's source, ≤ 1 MiB of UTF-8) as the script's next version
 * (1, 2, …) with its sha256 and uploader (`callerOf`); the listing, a
 * script's versions (newest first), and one version's source, served back
 * byte for byte with its hash in `x-script-sha256`.
 */
export const registerScriptRoutes = (
  app: Hono<EdgeEnv>,
  deps: Pick<AdminDeps, 'scripts' | 'clock'>,
): void => {
  app.put('/scripts/:id', async (c) => {
    const id = requireScriptId(c.req.param('id'));
    checkContentType(c.req.header('content-type'));
    const declared = Number(c.req.header('content-length'));
    const tooLarge = () =>
      jsonError(c, 413, 'payload_too_large', `a script is at most ${MAX_SCRIPT_BYTES} bytes (1 MiB)`);
    if (Number.isFinite(declared) && declared > MAX_SCRIPT_BYTES) return tooLarge();
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.byteLength > MAX_SCRIPT_BYTES) return tooLarge();
    if (bytes.byteLength === 0) throw new ValidationError('a script cannot be empty', 'invalid_script');
    const source = utf8Of(bytes);
    const version = await deps.scripts.put(id, source, {
      by: callerOf(c),
      at: isoTime(deps.clock.now().getTime()),
    });
    return c.json(version, 201);
  });

  app.get('/scripts', async (c) => c.json(await deps.scripts.list(pageRequest(c))));

  app.get('/scripts/:id', async (c) => {
    const id = requireScriptId(c.req.param('id'));
    const page = pageRequest(c);
    // All of a script's versions in one answer unless asked for fewer (at most 100 a page).
    const [latest, versions] = await Promise.all([
      deps.scripts.get(id),
      deps.scripts.versions(id, { limit: 100, ...page }),
    ]);
    if (latest === undefined) throw new NotFoundError(`no script ${id}`);
    return c.json({
      id,
      latestVersion: latest.version,
      versions: versions.items,
      ...(versions.nextCursor === undefined ? {} : { nextCursor: versions.nextCursor }),
    });
  });

  app.get('/scripts/:id/versions/:n', async (c) => {
    const id = requireScriptId(c.req.param('id'));
    const version = requireVersion(c.req.param('n'));
    const record = await deps.scripts.get(id, version);
    const source = record === undefined ? undefined : await deps.scripts.source(id, version);
    if (record === undefined || source === undefined) throw new NotFoundError(`no script ${id} v${version}`);
    return c.body(source, 200, {
      'content-type': SCRIPT_CONTENT_TYPE,
      'x-script-sha256': record.sha256,
      'x-script-version': String(record.version),
    });
  });
};
