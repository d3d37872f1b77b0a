import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTriggerhubApp } from '../../infra/triggerhub-app.ts';
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

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

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
});
