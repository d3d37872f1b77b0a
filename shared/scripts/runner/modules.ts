/**
 * The npm packages an uploaded script may `require` (or `import`), with the
 * versions package.json pins: the maintained ones of the Plutora seed's list.
 * Left out on purpose: `request` (deprecated since 2020, unpatched
 * advisories), `node-fetch` (`fetch` is global in Node ≥ 18), `aws-sdk`
 * (v2, end of support; and a script has no AWS credentials to use it with),
 * and the seed's others (xlsx, ssh2, ldapjs, oauth, openpgp, showdown), which
 * no example needs — each one more is attack surface shipped to every run.
 */
export const SCRIPT_MODULES = {
  axios: '1.21.1',
  'crypto-js': '4.2.0',
  csvtojson: '2.0.14',
  jsonwebtoken: '9.0.3',
  lodash: '4.18.1',
  uuid: '11.1.1',
  xml2js: '0.6.2',
} as const;
export type ScriptModule = keyof typeof SCRIPT_MODULES;

/**
 * The seed's `require("uuid/v4")` and friends: uuid removed those deep paths
 * in v8, so each is served as the matching export of today's uuid.
 */
export const UUID_DEEP_PATHS: Readonly<Record<string, 'v1' | 'v3' | 'v4' | 'v5'>> = {
  'uuid/v1': 'v1',
  'uuid/v3': 'v3',
  'uuid/v4': 'v4',
  'uuid/v5': 'v5',
};

/**
 * The Node built-ins a script may `require` or `import` (with or without
 * `node:`): what it needs to talk to systems and shape data. Not offered,
 * each a way out of the script's process or into the host's: `fs` (the data
 * directory and /proc/<parent>/environ are files; no confined `fs` is offered:
 * a script keeps its state in the checkpoint, not on disk), `child_process`,
 * `cluster`, `worker_threads`, `inspector` (connectToMainThread runs code in
 * the host thread), `module` (createRequire loads anything), `vm`, `v8`,
 * `wasi`, `repl`, `net`/`tls`/`dgram` (http and https use them internally,
 * which this list does not restrict), `dns`, `os` (setPriority of other
 * processes, the host's user and network), `process`, `trace_events`,
 * `diagnostics_channel`, `perf_hooks`, `async_hooks`, `test`, `sqlite`.
 */
export const SCRIPT_BUILTINS: readonly string[] = [
  'assert',
  'assert/strict',
  'buffer',
  'crypto',
  'events',
  'http',
  'https',
  'path',
  'path/posix',
  'querystring',
  'stream',
  'stream/promises',
  'stream/web',
  'string_decoder',
  'timers',
  'timers/promises',
  'url',
  'util',
  'util/types',
  'zlib',
];
const BUILTINS: ReadonlySet<string> = new Set(SCRIPT_BUILTINS);

/** The built-in `specifier` names (`crypto` for `node:crypto`), when it is one a script may load. */
export const scriptBuiltin = (specifier: string): string | undefined => {
  const name = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
  return BUILTINS.has(name) ? name : undefined;
};

/** What a script's `require(specifier)` loads. */
export type ScriptModuleTarget =
  | { kind: 'builtin'; specifier: string }
  /** A curated package or a file inside one (`crypto-js/sha256`, `lodash/get`); `member`: take that export. */
  | { kind: 'package'; specifier: string; member?: string };

// A package name, optionally a path inside it whose segments start with a
// letter, digit or `_`: no `.`/`..` segment, so that `lodash/../<another
// package>` cannot reach a package that is not offered.
const PACKAGE_PATH = /^([a-z0-9][a-z0-9._-]*)(?:\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

/** Where a script's `require`/`import` of `specifier` goes, or undefined when it is not offered. */
export const scriptModuleTarget = (specifier: string): ScriptModuleTarget | undefined => {
  const builtin = scriptBuiltin(specifier);
  if (builtin !== undefined) return { kind: 'builtin', specifier: `node:${builtin}` };
  // `node:` names only the built-ins: `node:lodash` is nothing.
  if (specifier.startsWith('node:')) return undefined;
  const member = UUID_DEEP_PATHS[specifier];
  if (member !== undefined) return { kind: 'package', specifier: 'uuid', member };
  const match = PACKAGE_PATH.exec(specifier);
  if (match === null || !Object.hasOwn(SCRIPT_MODULES, match[1] ?? '')) return undefined;
  return { kind: 'package', specifier };
};

/** The run's failure message for a module that is not offered. */
export const moduleNotAvailableMessage = (specifier: string): string =>
  `module "${specifier}" is not available to scripts; available: ${Object.keys(SCRIPT_MODULES).join(
    ', ',
  )} and Node's ${SCRIPT_BUILTINS.join(', ')}`;
