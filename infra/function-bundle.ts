import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import type { Metafile } from 'esbuild';
import { buildSync } from 'esbuild';
import { writeConsoleAssets } from '../cli/console/build.ts';
import { writeIntegrationRegistry } from '../cli/integrations/registry-file.ts';
import { LAZY_PACKAGES } from '../shared/lazy-require.ts';
import { SCRIPT_MODULES } from '../shared/scripts/runner/modules.ts';

/** The repository root: where package-lock.json, tsconfig.json and functions/ live. */
export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The newest Node.js runtime aws-cdk-lib 2.276 offers (cdk-nag L1 checks the same list). */
export const NODE_RUNTIME = Runtime.NODEJS_24_X;

/**
 * Lets CommonJS dependencies bundled into the ESM output call `require` for
 * Node built-ins (esbuild's shim throws "Dynamic require is not supported").
 * Every output file gets it, index.mjs and each chunk alike: a chunk is a
 * module of its own, and esbuild's `__require` shim reads the `require` of
 * the module it lands in. The two names cannot clash with the code: the
 * minifier gives top-level symbols names of a few letters, and the platform's
 * own `createRequire` is imported under another name (shared/lazy-require.ts).
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** `nodejs24.x` → `node24`, the way aws-lambda-nodejs derives esbuild's target from the runtime. */
export const esbuildTarget = (runtimeName: string): string => {
  const version = /nodejs(\d+)/.exec(runtimeName)?.[1];
  if (version === undefined) throw new Error(`cannot derive an esbuild target from runtime ${runtimeName}`);
  return `node${version}`;
};

/** The package.json of `name`, found up from its resolved entry (`exports` may hide `<name>/package.json`). */
const packageJsonOf = (name: string, entry: string): { version: string } => {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (json.name === name && typeof json.version === 'string') return { version: json.version };
  }
  throw new Error(`cannot find the package.json of ${name} above ${entry}`);
};

/** One file of a shipped lazy package, relative to the function's output directory. */
export interface LazyFile {
  readonly path: string;
  readonly contents: Uint8Array;
}

/** The built files of {@link LAZY_PACKAGES}, by project root: built once per process. */
const lazyFilesCache = new Map<string, readonly LazyFile[]>();

/**
 * Each of {@link LAZY_PACKAGES} as a function ships it: bundled on its own
 * into `node_modules/<name>/index.cjs` (+ `.map`, and a package.json naming
 * it) next to `index.mjs`, where the `createRequire` of
 * shared/lazy-require.ts finds it on first use (from index.mjs or from a
 * chunk: Node looks up from `chunks/` too). Its CommonJS build is the entry
 * (the `require` condition, as at run time under tsx), so the file is what
 * `require(name)` gives in the repository.
 *
 * The same files go to every function, so they are built once per process
 * and kept in memory: a synth of four functions (or the bench) runs esbuild
 * three times, not three times per function. The build is not written where
 * its `outfile` says (`write: false`); that path only makes the source map
 * name the package's sources relative to the package directory.
 */
export const lazyPackageFiles = (projectRoot: string = REPO_ROOT): readonly LazyFile[] => {
  const cached = lazyFilesCache.get(projectRoot);
  if (cached !== undefined) return cached;
  const resolvePackage = createRequire(join(projectRoot, 'package.json')).resolve;
  const files = LAZY_PACKAGES.flatMap((name): LazyFile[] => {
    const entry = resolvePackage(name);
    const packageDir = join(projectRoot, 'node_modules', name);
    const { outputFiles } = buildSync({
      entryPoints: [entry],
      outfile: join(packageDir, 'index.cjs'),
      write: false,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: esbuildTarget(NODE_RUNTIME.name),
      minify: true,
      sourcemap: true,
      absWorkingDir: projectRoot,
      logLevel: 'error',
    });
    const packageJson = { name, version: packageJsonOf(name, entry).version, main: 'index.cjs' };
    return [
      ...outputFiles.map((f) => ({
        path: join('node_modules', name, relative(packageDir, f.path)),
        contents: f.contents,
      })),
      {
        path: join('node_modules', name, 'package.json'),
        contents: new TextEncoder().encode(JSON.stringify(packageJson)),
      },
    ];
  });
  lazyFilesCache.set(projectRoot, files);
  return files;
};

/**
 * The directories of `names` and of every package they depend on, as Node
 * resolves them from the project root (a dependency from its dependant's own
 * `node_modules` first, then up): relative to `projectRoot`, sorted. Runtime
 * dependencies only (`dependencies`, and `optionalDependencies` that are
 * installed): what `require` can reach at run time.
 */
export const packageClosure = (names: readonly string[], projectRoot: string = REPO_ROOT): string[] => {
  const root = resolve(projectRoot);
  const found = new Set<string>();
  const pending = names.map((name) => ({ name, from: root, optional: false }));
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    const { name, from, optional } = next;
    let dir: string | undefined;
    for (let d = from; ; d = dirname(d)) {
      const candidate = join(d, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) {
        dir = candidate;
        break;
      }
      if (d === root || d === dirname(d)) break;
    }
    if (dir === undefined) {
      if (optional) continue;
      throw new Error(`cannot find package ${name} (needed from ${relative(root, from) || '.'})`);
    }
    const path = relative(root, dir);
    if (found.has(path)) continue;
    found.add(path);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {}))
      pending.push({ name: dep, from: dir, optional: false });
    for (const dep of Object.keys(manifest.optionalDependencies ?? {}))
      pending.push({ name: dep, from: dir, optional: true });
  }
  return [...found].sort();
};

/**
 * Copies the installed packages `names` and their runtime dependencies
 * ({@link packageClosure}) into `outDir`, at the same paths they have under
 * the project root (`node_modules/<name>`, nested `node_modules` kept), so
 * that a `require` from `outDir` resolves each as it does in the repository.
 * A package's own nested `node_modules` is copied only as far as the closure
 * reaches into it.
 */
export const installPackages = (
  names: readonly string[],
  outDir: string,
  projectRoot: string = REPO_ROOT,
): void => {
  const root = resolve(projectRoot);
  for (const path of packageClosure(names, root)) {
    const source = join(root, path);
    cpSync(source, join(outDir, path), {
      recursive: true,
      dereference: true,
      // Nested packages come with the closure, each on its own; dev files that ship in packages stay out.
      filter: (file) => {
        const inside = relative(source, file).split(/[\\/]/);
        return !inside.includes('node_modules') && !inside.some((part) => part === '.github');
      },
    });
  }
};

/** Options of {@link bundleFunction}. */
export interface BundleFunctionOptions {
  /** The TypeScript entry exporting `handler`: absolute, or relative to `projectRoot`. */
  readonly entry: string;
  /**
   * More entries built beside `index.mjs`, by output name (`script-thread` →
   * `script-thread.mjs`): modules the function starts itself (a worker
   * thread), sharing chunks with the entry.
   *
   * @default - none
   */
  readonly extraEntries?: Readonly<Record<string, string>>;
  /**
   * Installed packages shipped as they are, with their dependencies, under
   * `node_modules/` ({@link installPackages}): for code the function loads by
   * a name known only at run time (an uploaded script's `require`), which a
   * bundler cannot see.
   *
   * @default - none
   */
  readonly nodeModules?: readonly string[];
  /** Where the function's files go (created if missing); Lambda's handler is `index.handler`. */
  readonly outDir: string;
  /**
   * Root of the npm project the entry belongs to (node_modules, tsconfig.json).
   *
   * @default REPO_ROOT
   */
  readonly projectRoot?: string;
}

/**
 * Bundles one Lambda function: the one build the stack deploys
 * (infra/constructs/triggerhub-function.ts) and the cold-start bench
 * measures. Synchronous, as CDK's local bundling is.
 *
 * Output: `index.mjs` (the entry, minified ESM, the AWS SDK included: the
 * code runs against the SDK versions it was tested with), `chunks/*.mjs`
 * (code splitting: what the entry loads with `import()` stays out of the cold
 * start, and code both sides share gets a chunk of its own), each with its
 * `.map` beside it — build output, never read at run time (no
 * `--enable-source-maps`) — and the {@link lazyPackageFiles} under
 * `node_modules/`. {@link LAZY_PACKAGES} are external: the code reaches them
 * only through shared/lazy-require.ts.
 *
 * `nodePaths` lets an entry written outside the project (the bench's
 * SDK-only baselines) resolve the project's packages; an entry inside it
 * resolves them from node_modules above it first, so it changes nothing there.
 *
 * Returns esbuild's metafile; its paths are relative to `projectRoot`
 * (see {@link bundleLayout}).
 */
export const bundleFunction = ({
  entry,
  outDir,
  projectRoot = REPO_ROOT,
  extraEntries = {},
  nodeModules = [],
}: BundleFunctionOptions): { metafile: Metafile } => {
  // The bundle imports the generated registry module: written from the folders as they are now.
  if (existsSync(join(projectRoot, 'integrations'))) writeIntegrationRegistry(projectRoot);
  // The console function's bundle imports the console's built files.
  if (existsSync(join(projectRoot, 'console', 'src'))) writeConsoleAssets(projectRoot);
  const { metafile } = buildSync({
    entryPoints: [
      { in: resolve(projectRoot, entry), out: 'index' },
      ...Object.entries(extraEntries).map(([out, path]) => ({ in: resolve(projectRoot, path), out })),
    ],
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: esbuildTarget(NODE_RUNTIME.name),
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    minify: true,
    sourcemap: true,
    mainFields: ['module', 'main'],
    banner: { js: ESM_REQUIRE_BANNER },
    tsconfig: join(projectRoot, 'tsconfig.json'),
    external: [...LAZY_PACKAGES],
    absWorkingDir: projectRoot,
    nodePaths: [join(projectRoot, 'node_modules')],
    metafile: true,
    logLevel: 'error',
  });
  for (const file of lazyPackageFiles(projectRoot)) {
    const target = join(outDir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.contents);
  }
  installPackages(nodeModules, outDir, projectRoot);
  return { metafile };
};

/**
 * The script-runner Lambda's build: its entry, the worker thread a script runs
 * in (`script-thread.mjs` beside `index.mjs`, where shared/scripts/runner/host.ts
 * looks for it in a bundle), and the packages scripts may `require`, shipped
 * whole under `node_modules/` (a script names them at run time, and may ask for
 * a file inside one: `lodash/get`, `crypto-js/sha256`). The stack deploys it and
 * the cold-start bench measures it.
 */
export const SCRIPT_RUNNER_BUNDLE = {
  entry: 'functions/script-runner/index.ts',
  extraEntries: {
    'script-thread': 'shared/scripts/runner/thread.ts',
    'script-child': 'shared/scripts/runner/child-main.ts',
  },
  nodeModules: Object.keys(SCRIPT_MODULES),
} as const satisfies Omit<BundleFunctionOptions, 'outDir'>;

/** One JavaScript file of a bundle: its absolute path and size. */
export interface BundleFile {
  readonly path: string;
  readonly bytes: number;
}

/** Which files of a bundle load when (see {@link bundleLayout}). */
export interface BundleLayout {
  /**
   * `index.mjs` (first) and every chunk it imports statically, transitively:
   * what a cold start evaluates.
   */
  readonly atImport: readonly BundleFile[];
  /** The chunks of the entry module's own `import()`s: the files a test or bench imports to load them. */
  readonly entryImports: readonly string[];
  /** What those `import()`s load beyond `atImport` (their static closure): the first request's code. */
  readonly firstRequest: readonly BundleFile[];
  /**
   * Every other chunk: loaded only by `import()`s deeper in, which some
   * requests need, or by the AWS SDK's own (credential providers, loaded with
   * the first call that needs them, as in any bundle of the SDK).
   */
  readonly deeper: readonly BundleFile[];
}

/**
 * When each JavaScript file of a {@link bundleFunction} output loads, from
 * its metafile (`projectRoot` as given to the build: the metafile's paths are
 * relative to it). Source maps and the lazily required packages are not in
 * it: neither is evaluated by an `import`.
 *
 * "The entry's own `import()`s" are those written in the entry module (a
 * function's `index.ts` loading its app), found through the metafile's
 * inputs: `index.mjs` holds other `import()`s too, e.g. the SDK's for its
 * credential providers, when the entry constructs the clients.
 */
export const bundleLayout = (metafile: Metafile, projectRoot: string = REPO_ROOT): BundleLayout => {
  const outputs = Object.entries(metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  const imports = (path: string, kind: 'import-statement' | 'dynamic-import'): string[] =>
    (metafile.outputs[path]?.imports ?? [])
      .filter((i) => i.kind === kind && i.external !== true)
      .map((i) => i.path);
  // Each import() target is an entry point of its own too, named as a chunk (chunkNames): the
  // build's entry is the one `index.mjs` (named by its `out`) outside chunks/.
  const entries = outputs.filter(([path]) => /(^|\/)index\.mjs$/.test(path) && !path.includes('/chunks/'));
  const [entry, entryInput] = [entries[0]?.[0], entries[0]?.[1].entryPoint];
  if (entries.length !== 1 || entry === undefined || entryInput === undefined)
    throw new Error(`expected one index.mjs with an entry point, found ${entries.length}`);
  const staticClosure = (roots: readonly string[]): Set<string> => {
    const seen = new Set<string>();
    const pending = [...roots];
    for (let path = pending.shift(); path !== undefined; path = pending.shift()) {
      if (seen.has(path)) continue;
      seen.add(path);
      pending.push(...imports(path, 'import-statement'));
    }
    return seen;
  };
  const atImport = staticClosure([entry]);
  const ownImports = new Set(
    (metafile.inputs[entryInput]?.imports ?? [])
      .filter((i) => i.kind === 'dynamic-import' && i.external !== true)
      .map((i) => i.path),
  );
  const dynamicRoots = outputs
    .filter(([, o]) => o.entryPoint !== undefined && ownImports.has(o.entryPoint))
    .map(([path]) => path);
  const firstRequest = [...staticClosure(dynamicRoots)].filter((p) => !atImport.has(p));
  const file = (path: string): BundleFile => ({
    path: resolve(projectRoot, path),
    bytes: metafile.outputs[path]?.bytes ?? 0,
  });
  const loaded = new Set([...atImport, ...firstRequest]);
  return {
    atImport: [...atImport].map(file),
    entryImports: dynamicRoots.map((p) => resolve(projectRoot, p)),
    firstRequest: firstRequest.map(file),
    deeper: outputs.filter(([path]) => !loaded.has(path)).map(([path]) => file(path)),
  };
};
