import packageJson from '../package.json' with { type: 'json' };

/** triggerhub's version (package.json): shown by `GET /admin/settings`, sent in `ctx.http`'s user agent. */
export const TRIGGERHUB_VERSION: string = packageJson.version;
