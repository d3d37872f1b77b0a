import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { TriggerhubFunction } from '../../infra/constructs/triggerhub-function.ts';
import {
  bundleFunction,
  ESM_REQUIRE_BANNER,
  installPackages,
  lazyPackageFiles,
  packageClosure,
} from '../../infra/function-bundle.ts';
import { integrationFolders, REPO_ROOT } from '../../cli/integrations/registry-file.ts';
import { createTriggerhubApp } from '../../infra/triggerhub-app.ts';
import { LAZY_PACKAGES } from '../../shared/lazy-require.ts';
import { SCRIPT_MODULES } from '../../shared/scripts/runner/modules.ts';
import { createTestApp, logicalIdOf } from './synth-helpers.ts';

// The one synth that really bundles (local esbuild, no Docker): a few seconds.
const outdir = mkdtempSync(join(tmpdir(), 'triggerhub-cdk-'));
const { app, stack } = createTriggerhubApp({
  appProps: { outdir, builtinCloudFormationValidation: false },
  nag: false,
  processEnv: {},
});
const assembly = app.synth();
const resources = assembly.getStackByName(stack.stackName).template.Resources;

/** The staged asset directory of a function, found through its S3 key (`<hash>.zip`). */
const assetDirOf = (logicalId: string): string => {
  const key: string = resources[logicalId].Properties.Code.S3Key;
  return join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
};

const bundles = {
  ingest: assetDirOf(logicalIdOf(stack.ingest.lambdaFunction)),
  worker: assetDirOf(logicalIdOf(stack.worker.lambdaFunction)),
  admin: assetDirOf(logicalIdOf(stack.admin.lambdaFunction)),
  sweeper: assetDirOf(logicalIdOf(stack.sweeper.lambdaFunction)),
  scheduler: assetDirOf(logicalIdOf(stack.scheduler.lambdaFunction)),
  scriptRunner: assetDirOf(logicalIdOf(stack.scriptRunner.lambdaFunction)),
};

// Small entries bundled by the construct as the functions are: one using every lazily
// loaded package, one loading its app with import().
const fixtureOutdir = mkdtempSync(join(tmpdir(), 'triggerhub-cdk-fixtures-'));
const fixtureApp = new App({ outdir: fixtureOutdir, builtinCloudFormationValidation: false });
const fixtureStack = new Stack(fixtureApp, 'Fixtures');
const lazyFunction = new TriggerhubFunction(fixtureStack, 'Lazy', {
  entry: 'test/infra/fixtures/lazy-entry.ts',
});
const splitFunction = new TriggerhubFunction(fixtureStack, 'Split', {
  entry: 'test/infra/fixtures/split-entry.ts',
});
const fixtureResources = fixtureApp.synth().getStackByName(fixtureStack.stackName).template.Resources;
const fixtureDirOf = (fn: TriggerhubFunction): string => {
  const key: string = fixtureResources[logicalIdOf(fn.lambdaFunction)].Properties.Code.S3Key;
  return join(fixtureOutdir, `asset.${key.replace(/\.zip$/, '')}`);
};
const lazyBundle = fixtureDirOf(lazyFunction);
const splitBundle = fixtureDirOf(splitFunction);

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(fixtureOutdir, { recursive: true, force: true });
});

/** Every module of a bundle: `index.mjs`, then `chunks/*.mjs`, as paths relative to `dir`. */
const modulesOf = (dir: string): string[] => [
  'index.mjs',
  ...(existsSync(join(dir, 'chunks'))
    ? readdirSync(join(dir, 'chunks'))
        .filter((f) => f.endsWith('.mjs'))
        .map((f) => `chunks/${f}`)
    : []),
];

/** Every directory named node_modules under `dir`, relative to it. */
const nodeModulesDirs = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name === 'node_modules')
    .map((e) => relative(dir, join(e.parentPath, e.name)));

/** Runs `script` (ESM) in a fresh node with only `env`; its argv[1] is `arg`. */
const runNode = (script: string, arg: string, env: Record<string, string>) =>
  spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script, arg], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

// A Lambda-like environment; endpoints on loopback so nothing can leave the machine.
const functionEnv = {
  AWS_REGION: 'us-east-1',
  TRIGGERHUB_TABLE: 'table',
  TRIGGERHUB_QUEUE_URL: 'http://127.0.0.1:9/000000000000/runs',
  TRIGGERHUB_PAYLOAD_BUCKET: 'payloads',
  TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS: '1800',
  TRIGGERHUB_WORKER_TIMEOUT_SECONDS: '300',
  TRIGGERHUB_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  TRIGGERHUB_SQS_ENDPOINT: 'http://127.0.0.1:9',
  TRIGGERHUB_S3_ENDPOINT: 'http://127.0.0.1:9',
  POWERTOOLS_SERVICE_NAME: 'triggerhub',
};

describe('function bundles', () => {
  it.each(Object.entries(bundles))(
    '%s is index.mjs and chunks/*.mjs, each minified ESM with its source map and the require shim',
    (_name, dir) => {
      // Act
      const modules = modulesOf(dir);
      // Assess
      expect(modules.length).toBeGreaterThan(1);
      expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      // minified: long lines (line breaks survive only inside strings and template literals)
      const all = modules.map((f) => readFileSync(join(dir, f), 'utf8')).join('');
      expect(all.length / all.split('\n').length).toBeGreaterThan(1000);
      for (const file of modules) {
        const code = readFileSync(join(dir, file), 'utf8');
        // (booleans: a failure must not print a whole bundle)
        expect(code.startsWith(`${ESM_REQUIRE_BANNER}\n`), file).toBe(true);
        // minified: none of the `// <source path>` lines an unminified build puts before each module
        expect(/^\/\/ \S+\.[cm]?[jt]s$/m.test(code), file).toBe(false);
        const name = file.split('/').pop() ?? file;
        expect(code.trimEnd().endsWith(`//# sourceMappingURL=${name}.map`), file).toBe(true);
        expect(statSync(join(dir, `${file}.map`)).size, file).toBeGreaterThan(0);
      }
    },
  );

  it('are six different bundles', () => {
    expect(new Set(Object.values(bundles)).size).toBe(6);
    for (const dir of Object.values(bundles)) expect(existsSync(join(dir, 'index.mjs'))).toBe(true);
  });

  it('load in Node as ES modules and export a handler function', () => {
    // Prepare
    const script = `
      const files = JSON.parse(process.argv[1]);
      const kinds = [];
      for (const file of files) kinds.push(typeof (await import(file)).handler);
      process.stdout.write(JSON.stringify(kinds));`;
    const files = Object.values(bundles).map((dir) => join(dir, 'index.mjs'));
    // Act
    const output = execFileSync(
      process.execPath,
      ['--no-warnings', '--input-type=module', '-e', script, JSON.stringify(files)],
      { env: { PATH: process.env['PATH'] ?? '', ...functionEnv }, encoding: 'utf8', timeout: 60_000 },
    );
    // Assess
    expect(JSON.parse(output)).toEqual(Object.keys(bundles).map(() => 'function'));
  });

  it('have chunks that each load on their own: the banner declares its names once per module', () => {
    // Prepare: every chunk of every function, the lazily loaded ones included
    const files = Object.values(bundles).flatMap((dir) => modulesOf(dir).map((f) => join(dir, f)));
    const script = `
      const failed = [];
      for (const file of JSON.parse(process.argv[1]))
        await import(file).catch((error) => failed.push(file + ': ' + error.message));
      process.stdout.write(JSON.stringify(failed));`;
    // Act
    const result = runNode(script, JSON.stringify(files), functionEnv);
    // Assess
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it.each(Object.entries(bundles))(
    '%s leaves the lazily loaded packages out and ships each once, beside index.mjs, as one CommonJS file',
    (_name, dir) => {
      for (const file of modulesOf(dir)) {
        // Act
        const code = readFileSync(join(dir, file), 'utf8');
        // Assess: no copy inside (re2js's and fast-xml-parser's own messages, Powertools' log keys)…
        for (const text of ['invalid nested repetition operator', 'Unclosed tag', 'due to sampling rate'])
          expect(code.includes(text), `${file}: ${text}`).toBe(false);
        // …and no static import of them: only the createRequire of shared/lazy-require.ts reaches them.
        for (const pkg of LAZY_PACKAGES)
          expect(new RegExp(`from\\s*["']${pkg}["']`).test(code), `${file}: ${pkg}`).toBe(false);
      }
      // One node_modules, at the top: Node finds it from index.mjs and from chunks/ alike.
      expect(nodeModulesDirs(dir)).toEqual(['node_modules']);
      for (const pkg of LAZY_PACKAGES) {
        const pkgDir = join(dir, 'node_modules', pkg);
        const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as Record<
          string,
          unknown
        >;
        expect(manifest).toEqual({
          name: pkg,
          version: expect.stringMatching(/^\d+\.\d+\.\d+/),
          main: 'index.cjs',
        });
        const bundled = readFileSync(join(pkgDir, 'index.cjs'), 'utf8');
        // One minified file with its map: no require of another package left (its dependencies are inside).
        expect(bundled.length / bundled.split('\n').length).toBeGreaterThan(1000);
        expect(bundled).not.toMatch(
          /require\("(?!node:|fs"|path"|os"|crypto"|util"|events"|stream"|buffer"|url"|console"|async_hooks"|process")[^"]+"\)/,
        );
        expect(bundled.trimEnd().endsWith('//# sourceMappingURL=index.cjs.map')).toBe(true);
        expect(statSync(join(pkgDir, 'index.cjs.map')).size).toBeGreaterThan(0);
      }
    },
  );

  it('build the lazily loaded packages once per process, whatever the number of functions', () => {
    // Act: the synths above bundled six functions
    const first = lazyPackageFiles();
    // Assess: the same files, not a new build
    expect(lazyPackageFiles()).toBe(first);
    expect(first.map((f) => f.path.replaceAll('\\', '/')).sort()).toEqual(
      LAZY_PACKAGES.flatMap((pkg) => [
        `node_modules/${pkg}/index.cjs`,
        `node_modules/${pkg}/index.cjs.map`,
        `node_modules/${pkg}/package.json`,
      ]).sort(),
    );
  });

  it('are not built by a synth that skips bundling', () => {
    // Prepare
    const skipOutdir = mkdtempSync(join(tmpdir(), 'triggerhub-cdk-skip-'));
    try {
      // Act
      createTestApp({ appProps: { outdir: skipOutdir }, nag: false }).app.synth();
      // Assess: no asset directory at all (the functions stand for the project directory)
      expect(readdirSync(skipOutdir).filter((f) => f.startsWith('asset.'))).toEqual([]);
    } finally {
      rmSync(skipOutdir, { recursive: true, force: true });
    }
  });

  it('an entry run from its asset directory loads the lazy packages there, on first use only', () => {
    // Prepare: only the shipped copies can answer (no repository node_modules above a temporary directory)
    const script = `
      const { handler } = await import(process.argv[1]);
      process.stderr.write(JSON.stringify(await handler()));`;
    // Act
    const result = runNode(script, join(lazyBundle, 'index.mjs'), {
      AWS_REGION: 'us-east-1',
      POWERTOOLS_SERVICE_NAME: 'triggerhub',
    });
    // Assess
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stderr)).toEqual({
      atImport: [],
      matched: true,
      root: 'ticket',
      value: { '@_id': '7', subject: 'web & db' },
      afterUse: [...LAZY_PACKAGES].sort(),
    });
    const line = JSON.parse(result.stdout.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'lazy entry ran',
      service: 'triggerhub',
      matched: true,
    });
  });

  it('puts what an entry loads with import() in a chunk of its own, evaluated by the first call, not at import', () => {
    // Prepare: the app's chunk, named after its module (chunks/[name]-[hash].mjs)
    const appChunks = modulesOf(splitBundle).filter((f) => /^chunks\/split-app-[A-Z0-9]+\.mjs$/.test(f));
    expect(appChunks).toHaveLength(1);
    const marker = 'push("split-app")';
    expect(readFileSync(join(splitBundle, appChunks[0] ?? ''), 'utf8').includes(marker)).toBe(true);
    expect(readFileSync(join(splitBundle, 'index.mjs'), 'utf8').includes(marker)).toBe(false);
    const script = `
      const { handler } = await import(process.argv[1]);
      process.stdout.write(JSON.stringify(await handler()));`;
    // Act: from the asset directory, with a clean environment
    const result = runNode(script, join(splitBundle, 'index.mjs'), { AWS_REGION: 'us-east-1' });
    // Assess: nothing of the app ran at import; the call loaded it, and its lazy require
    // (re2js, from chunks/) found the package shipped at the top
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      atImport: [],
      result: { id: 'CHG1234', matched: true },
      afterCall: ['split-app'],
    });
  });
});

describe('the script runner bundle', () => {
  const dir = bundles.scriptRunner;
  /** A ScriptRunInput for `source`, as the worker's LambdaScriptRunner sends it. */
  const inputOf = (source: string) => ({
    runId: '01JRUN',
    jobId: 'nightly',
    script: { id: 'sync', version: 1, sha256: 'a'.repeat(64) },
    source,
    args: {
      arguments: { city: 'Berlin' },
      globalArguments: {},
      lastRunDateUtc: null,
      lastSuccessfulRunDateUtc: null,
      plutoraValues: { JobName: 'nightly' },
      event: null,
    },
    timeoutMs: 30_000,
  });
  /** Invokes the bundle's handler from its asset directory, as Lambda does, with `env` only. */
  const invoke = (source: string, env: Record<string, string> = {}) => {
    // A file, not `node -e`: a worker thread inherits the process's execArgv, and Lambda starts
    // Node with no `--input-type`.
    const driver = join(fixtureOutdir, 'invoke-script-runner.mjs');
    writeFileSync(
      driver,
      `const { handler } = await import(process.argv[2]);
      const input = JSON.parse(process.env.INPUT);
      delete process.env.INPUT;
      const result = await handler(input, { getRemainingTimeInMillis: () => 60_000 });
      process.stdout.write(JSON.stringify(result));`,
    );
    const result = spawnSync(process.execPath, ['--no-warnings', driver, join(dir, 'index.mjs')], {
      env: {
        PATH: process.env['PATH'] ?? '',
        AWS_REGION: 'us-east-1',
        INPUT: JSON.stringify(inputOf(source)),
        ...env,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as { status: string; message: string; logs: { message: string }[] };
  };

  it('is index.mjs with the child process script-child.mjs and its worker thread script-thread.mjs beside it', () => {
    expect(existsSync(join(dir, 'index.mjs'))).toBe(true);
    // Each invocation forks the child (a warm function shares nothing between scripts), which starts the thread.
    expect(readFileSync(join(dir, 'script-child.mjs'), 'utf8').startsWith(`${ESM_REQUIRE_BANNER}\n`)).toBe(
      true,
    );
    const thread = readFileSync(join(dir, 'script-thread.mjs'), 'utf8');
    expect(thread.startsWith(`${ESM_REQUIRE_BANNER}\n`)).toBe(true);
    // The thread's own code (its console capture), not a stub.
    expect(thread).toContain('is not available to scripts');
  });

  it('ships each curated module whole, at the version scripts are promised, with its dependencies', () => {
    for (const [name, version] of Object.entries(SCRIPT_MODULES)) {
      const manifest = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect(manifest.version, name).toBe(version);
    }
    // A dependency of one (axios → form-data) and a file inside another (lodash/get) are there too.
    expect(existsSync(join(dir, 'node_modules', 'form-data', 'package.json'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules', 'lodash', 'get.js'))).toBe(true);
  });

  it('holds no AWS SDK client: the runner calls no AWS service', () => {
    expect(existsSync(join(dir, 'node_modules', '@aws-sdk'))).toBe(false);
    for (const file of [...modulesOf(dir), 'script-thread.mjs', 'script-child.mjs']) {
      const code = readFileSync(join(dir, file), 'utf8');
      expect(/@aws-sdk\/client-|DynamoDBClient|SQSClient|S3Client/.test(code), file).toBe(false);
    }
  });

  it('runs a script using every curated module from the asset directory alone, with an empty environment', () => {
    // Prepare: a script requiring each module (deep paths and an ESM import too); no repository
    // node_modules above the temporary asset directory, so only the shipped copies can answer
    const source = `
      const axios = require('axios');
      const _ = require('lodash');
      const get = require('lodash/get');
      const xml2js = require('xml2js');
      const csv = require('csvtojson');
      const jwt = require('jsonwebtoken');
      const CryptoJS = require('crypto-js');
      const sha256 = require('crypto-js/sha256');
      const uuidv4 = require('uuid/v4');
      module.exports = {
        run: async (args) => {
          const { v5 } = await import('uuid');
          console.log('env', JSON.stringify(process.env));
          return {
            axios: typeof axios.create,
            chunk: _.chunk([1, 2, 3], 2),
            get: get({ a: { b: args.arguments.city } }, 'a.b'),
            xml: await xml2js.parseStringPromise('<ticket id="7">web</ticket>'),
            csv: await csv().fromString('a,b\\n1,2'),
            jwt: jwt.verify(jwt.sign({ n: 1 }, 'k'), 'k').n,
            md5: CryptoJS.MD5('x').toString(),
            sha: sha256('x').toString(),
            uuid: /^[0-9a-f-]{36}$/.test(uuidv4()),
            v5: typeof v5,
          };
        },
      };`;
    // Act: the runner's own process holds a secret-looking variable the script must not see
    const result = invoke(source, { TRIGGERHUB_TABLE: 'secret-table' });
    // Assess
    expect(result.status).toBe('succeeded');
    expect(JSON.parse(result.message)).toEqual({
      axios: 'function',
      chunk: [[1, 2], [3]],
      get: 'Berlin',
      xml: { ticket: { _: 'web', $: { id: '7' } } },
      csv: [{ a: '1', b: '2' }],
      jwt: 1,
      md5: '9dd4e461268c8034f5c8564e155c67a6',
      sha: '2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881',
      uuid: true,
      v5: 'function',
    });
    expect(result.logs.map((l) => l.message)).toEqual(['env {}']);
  });

  it('refuses a module that is not offered, though its files are shipped as a dependency', () => {
    // form-data is in node_modules (axios needs it) but is not one of the curated modules
    const result = invoke(`module.exports = { run: () => require('form-data') };`);
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/^module "form-data" is not available to scripts; available: axios/);
  });
});

describe('packages shipped whole (packageClosure, installPackages)', () => {
  /** A project root with packages: name → [dependencies, optional dependencies], at their paths. */
  const project = (packages: Record<string, [string[], string[]?]>): string => {
    const root = mkdtempSync(join(tmpdir(), 'triggerhub-closure-'));
    for (const [path, [deps, optional = []]] of Object.entries(packages)) {
      mkdirSync(join(root, path), { recursive: true });
      const name = path.split('node_modules/').pop() ?? path;
      const manifest = {
        name,
        version: '1.0.0',
        dependencies: Object.fromEntries(deps.map((d) => [d, '*'])),
        optionalDependencies: Object.fromEntries(optional.map((d) => [d, '*'])),
      };
      writeFileSync(join(root, path, 'package.json'), JSON.stringify(manifest));
      writeFileSync(join(root, path, 'index.js'), `module.exports = ${JSON.stringify(path)};`);
    }
    return root;
  };

  it('follows dependencies as Node resolves them: a nested copy first, then up', () => {
    // Prepare: a needs b, which it has nested (another version than the top one); b needs c, from the top
    const root = project({
      'node_modules/a': [['b']],
      'node_modules/a/node_modules/b': [['c']],
      'node_modules/b': [[]],
      'node_modules/c': [[], ['not-installed']],
      'node_modules/unrelated': [[]],
    });
    try {
      // Act + Assess
      expect(packageClosure(['a'], root)).toEqual([
        'node_modules/a',
        'node_modules/a/node_modules/b',
        'node_modules/c',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('throws for a missing dependency that is not optional', () => {
    const root = project({ 'node_modules/a': [['gone']] });
    try {
      expect(() => packageClosure(['a'], root)).toThrow(
        /cannot find package gone \(needed from node_modules\/a\)/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('copies each package of the closure to its own path, and nothing else', () => {
    // Prepare
    const root = project({
      'node_modules/a': [['b']],
      'node_modules/a/node_modules/b': [[]],
      'node_modules/unrelated': [[]],
    });
    const out = join(root, 'out');
    try {
      // Act
      installPackages(['a'], out, root);
      // Assess: require from the output resolves a's nested b, and no unrelated package came along
      expect(readFileSync(join(out, 'node_modules/a/node_modules/b/index.js'), 'utf8')).toContain(
        'node_modules/a/node_modules/b',
      );
      expect(existsSync(join(out, 'node_modules/unrelated'))).toBe(false);
      expect(readdirSync(join(out, 'node_modules'))).toEqual(['a']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('integration folders in the bundles', () => {
  it('the worker and admin bundles hold every folder of integrations/', () => {
    // Act
    const text = (dir: string) =>
      modulesOf(dir)
        .map((m) => readFileSync(join(dir, m), 'utf8'))
        .join('\n');
    const worker = text(bundles.worker);
    const admin = text(bundles.admin);

    // Assess
    for (const id of integrationFolders(REPO_ROOT)) {
      expect(worker).toContain(`"${id}"`);
      expect(admin).toContain(`"${id}"`);
    }
  });

  it('a folder dropped into a project is in the next bundle, with no file edited', () => {
    // Prepare: a project root sharing this one's shared/ and node_modules/, with one integration folder
    const root = mkdtempSync(join(tmpdir(), 'triggerhub-folder-bundle-'));
    try {
      for (const name of ['shared', 'node_modules'])
        symlinkSync(join(REPO_ROOT, name), join(root, name), 'dir');
      for (const name of ['package.json', 'tsconfig.json'])
        copyFileSync(join(REPO_ROOT, name), join(root, name));
      const folder = join(root, 'integrations', 'dropped-in');
      mkdirSync(folder, { recursive: true });
      writeFileSync(
        join(folder, 'index.ts'),
        "import { defineIntegration } from '../../shared/sdk/index.ts';\n" +
          "export default defineIntegration({ id: 'dropped-in', name: 'Dropped in', version: '1.0.0', " +
          "description: '', parameters: {}, run: () => ({ message: 'dropped-in ran' }) });\n",
      );
      writeFileSync(
        join(root, 'entry.ts'),
        "import { integrationFolders } from './integrations/registry.generated.ts';\n" +
          'export const handler = () => integrationFolders.map((f) => f.folder);\n',
      );
      const outDir = join(root, 'out');

      // Act
      bundleFunction({ entry: 'entry.ts', outDir, projectRoot: root });

      // Assess: generated there, and bundled
      expect(existsSync(join(root, 'integrations', 'registry.generated.ts'))).toBe(true);
      const bundle = modulesOf(outDir)
        .map((m) => readFileSync(join(outDir, m), 'utf8'))
        .join('\n');
      expect(bundle).toContain('"dropped-in"');
      expect(bundle).toContain('dropped-in ran');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
