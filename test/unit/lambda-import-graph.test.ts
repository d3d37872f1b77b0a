import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  LAMBDA_ENTRIES,
  SDK_CLIENT_PACKAGES,
  expectedClientPackages,
  sdkClientPackagesIn,
} from '../../functions/sdk-clients.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The import graph of one Lambda entry: esbuild's metafile of a bundle built
 * as the stack builds it (ESM, `module,main`, SDK bundled) but neither
 * minified nor written: well under a second per entry.
 */
const importGraphOf = async (entry: string) => {
  const result = await build({
    entryPoints: [join(REPO_ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    mainFields: ['module', 'main'],
    tsconfig: join(REPO_ROOT, 'tsconfig.json'),
    absWorkingDir: REPO_ROOT,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return result.metafile;
};

describe('Lambda entries import only the SDK clients their function calls', () => {
  it.each(Object.entries(LAMBDA_ENTRIES))('%s', async (_name, { entry, calls }) => {
    // Act
    const graph = await importGraphOf(entry);
    // Assess: not one client package more (admin with the S3 client fails), and none missing
    expect(sdkClientPackagesIn(graph)).toEqual(expectedClientPackages(calls));
    // the all-in-one wiring of `npm start` creates every client: no Lambda entry reaches it
    expect(Object.keys(graph.inputs)).not.toContain('functions/create-deps.ts');
  });

  it('the list names every client package, so the check above sees each of them', () => {
    expect(Object.values(SDK_CLIENT_PACKAGES).flat().sort()).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-s3',
      '@aws-sdk/client-secrets-manager',
      '@aws-sdk/client-sqs',
      '@aws-sdk/lib-dynamodb',
    ]);
  });
});
