// Not `createRequire`: the bundles' banner (ESM_REQUIRE_BANNER) declares that name at their top.
import { createRequire as createModuleRequire } from 'node:module';

/**
 * Packages a function loads on first use instead of at cold start: each is
 * needed by few requests (re2js for a job with a `format: 'regex'`
 * parameter, fast-xml-parser for SecureChange tickets, the Powertools logger
 * for the first line actually written) yet costs milliseconds to evaluate.
 *
 * The function bundles leave them out (esbuild `external`) and ship each as
 * one CommonJS file, `node_modules/<name>/index.cjs`, next to `index.mjs`
 * (see `lazyPackageFiles` in `infra/function-bundle.ts`); the cold-start bench
 * bundles the same way. Under tsx, vitest and `npm start` they resolve from
 * the repository's `node_modules` (each ships a CommonJS build under its
 * `require` export condition).
 */
export const LAZY_PACKAGES = ['re2js', 'fast-xml-parser', '@aws-lambda-powertools/logger'] as const;
export type LazyPackage = (typeof LAZY_PACKAGES)[number];

// esbuild leaves a `require` obtained from createRequire alone: the package is
// resolved by Node at run time, from the directory of the bundle.
const nodeRequire = createModuleRequire(import.meta.url);

/**
 * A synchronous getter of a package's exports, loaded on the first call and
 * kept (Node caches the module too): call sites stay synchronous, and a cold
 * start that never needs the package never pays for it. Take types from an
 * `import type` of the same package.
 *
 * @example
 * ```ts
 * import type * as Re2js from 're2js';
 * const re2js = lazyModule<typeof Re2js>('re2js');
 * re2js().RE2JS.compile('^CHG\\d+');
 * ```
 */
export const lazyModule = <T>(name: LazyPackage): (() => T) => {
  let loaded: T | undefined;
  return () => (loaded ??= nodeRequire(name) as T);
};
