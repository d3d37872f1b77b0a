import { isBuiltin } from 'node:module';

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
  if (isBuiltin(specifier)) return { kind: 'builtin', specifier };
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
  )} and Node's built-in modules`;
