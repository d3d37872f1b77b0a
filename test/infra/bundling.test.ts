import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { TriggerhubFunction } from '../../infra/constructs/triggerhub-function.ts';
import { createTriggerhubApp } from '../../infra/triggerhub-app.ts';
import { LAZY_PACKAGES } from '../../shared/lazy-require.ts';
import { logicalIdOf } from './synth-helpers.ts';

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
};

// A small entry using every lazily loaded package, bundled by the construct as the functions are.
const lazyOutdir = mkdtempSync(join(tmpdir(), 'triggerhub-cdk-lazy-'));
const lazyApp = new App({ outdir: lazyOutdir, builtinCloudFormationValidation: false });
const lazyStack = new Stack(lazyApp, 'LazyEntry');
const lazyFunction = new TriggerhubFunction(lazyStack, 'Lazy', {
  entry: 'test/infra/fixtures/lazy-entry.ts',
});
const lazyResources = lazyApp.synth().getStackByName(lazyStack.stackName).template.Resources;
const lazyKey: string = lazyResources[logicalIdOf(lazyFunction.lambdaFunction)].Properties.Code.S3Key;
const lazyBundle = join(lazyOutdir, `asset.${lazyKey.replace(/\.zip$/, '')}`);

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(lazyOutdir, { recursive: true, force: true });
});

describe('function bundles', () => {
  it.each(Object.entries(bundles))(
    '%s is one minified ESM file with a source map and the require shim',
    (_name, dir) => {
      // Act
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      // Assess
      expect(code.startsWith("import { createRequire } from 'node:module';")).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      // minified: long lines (line breaks survive only inside strings and template literals)
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      expect(statSync(join(dir, 'index.mjs.map')).size).toBeGreaterThan(0);
      expect(code).toContain('//# sourceMappingURL=index.mjs.map');
    },
  );

  it('are four different bundles', () => {
    expect(new Set(Object.values(bundles)).size).toBe(4);
    for (const dir of Object.values(bundles)) expect(existsSync(dir)).toBe(true);
  });

  it('load in Node as ES modules and export a handler function', () => {
    // Prepare: a Lambda-like environment; endpoints on loopback so nothing can leave the machine
    const env = {
      PATH: process.env['PATH'] ?? '',
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
      { env, encoding: 'utf8', timeout: 60_000 },
    );
    // Assess
    expect(JSON.parse(output)).toEqual(['function', 'function', 'function', 'function']);
  });

  it.each(Object.entries(bundles))(
    '%s leaves the lazily loaded packages out and ships each beside index.mjs as one CommonJS file',
    (_name, dir) => {
      // Act
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      // Assess: no copy inside (re2js's and fast-xml-parser's own messages, Powertools' log keys)…
      // (booleans: a failure must not print a whole bundle)
      for (const text of ['invalid nested repetition operator', 'Unclosed tag', 'due to sampling rate'])
        expect(code.includes(text), text).toBe(false);
      // …and no static import of them: only the createRequire of shared/lazy-require.ts reaches them.
      for (const pkg of LAZY_PACKAGES)
        expect(new RegExp(`from\\s*["']${pkg}["']`).test(code), pkg).toBe(false);
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
        expect(statSync(join(pkgDir, 'index.cjs.map')).size).toBeGreaterThan(0);
      }
    },
  );

  it('an entry run from its asset directory loads the lazy packages there, on first use only', () => {
    // Prepare: only the shipped copies can answer (no repository node_modules above a temporary directory)
    const env = {
      PATH: process.env['PATH'] ?? '',
      AWS_REGION: 'us-east-1',
      POWERTOOLS_SERVICE_NAME: 'triggerhub',
    };
    const script = `
      const { handler } = await import(process.argv[1]);
      process.stderr.write(JSON.stringify(await handler()));`;
    // Act
    const result = spawnSync(
      process.execPath,
      ['--no-warnings', '--input-type=module', '-e', script, join(lazyBundle, 'index.mjs')],
      { env, encoding: 'utf8', timeout: 60_000 },
    );
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
});
