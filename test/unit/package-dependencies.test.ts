import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAZY_PACKAGES } from '../../shared/lazy-require.ts';
import { SCRIPT_MODULES } from '../../shared/scripts/runner/modules.ts';
import { repoRoot } from '../helpers/samples.ts';

/**
 * `dependencies` is what an install for running triggerhub gets (the
 * `triggerhub` command, `npm start`, the Lambda bundles); a package only the
 * tests or the bench use belongs in `devDependencies`, so that it weighs on
 * no install that does not build or measure.
 */

/** What runs: the Lambda entries and the `triggerhub` command (which loads the whole CLI). */
const RUNTIME_ENTRIES = [
  'functions/ingest/index.ts',
  'functions/worker/index.ts',
  'functions/admin/index.ts',
  'functions/sweeper/index.ts',
  'functions/scheduler/index.ts',
  'functions/script-runner/index.ts',
  'functions/console/index.ts',
  'bin/triggerhub.js',
];

/** Dependencies no code of ours imports, and why each stays. */
const NOT_IMPORTED: Record<string, string> = {
  '@hono/node-server': 'imported by nothing today: a candidate for removal',
  preact:
    "bundled into the console's script by cli/console/build.ts (esbuild), which `npm start` runs: " +
    'the console (console/src) imports it, no Node code does',
};

const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
const packageName = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * The packages the runtime code imports as values (esbuild drops `import
 * type`), dynamic imports included, plus those it loads lazily by name and
 * those uploaded scripts `require` (shipped with the script runner).
 */
const runtimePackages = async (): Promise<string[]> => {
  const { metafile } = await build({
    entryPoints: RUNTIME_ENTRIES.map((e) => join(repoRoot, e)),
    absWorkingDir: repoRoot,
    outdir: join(repoRoot, 'out'),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    tsconfig: join(repoRoot, 'tsconfig.json'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const found = new Set<string>([...LAZY_PACKAGES, ...Object.keys(SCRIPT_MODULES)]);
  for (const input of Object.values(metafile.inputs)) {
    for (const { path, external } of input.imports) {
      if (external && !path.startsWith('node:')) found.add(packageName(path));
    }
  }
  return [...found].sort();
};

describe('package.json dependencies', () => {
  let used: string[] = [];
  beforeAll(async () => {
    used = await runtimePackages();
  }, 60_000);

  it('hold every package the runtime code imports', () => {
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((p) => packageJson.dependencies[p] === undefined)).toEqual([]);
  });

  it('hold nothing the runtime code does not import (test- and bench-only packages are devDependencies)', () => {
    const unused = Object.keys(packageJson.dependencies).filter((p) => !used.includes(p));
    expect(unused.sort()).toEqual(Object.keys(NOT_IMPORTED).sort());
  });
});
