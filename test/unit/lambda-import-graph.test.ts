import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  LAMBDA_ENTRIES,
  SDK_CLIENT_PACKAGES,
  baselineSource,
  expectedClientPackages,
  sdkClientPackagesIn,
  sdkCommandsIn,
} from '../../functions/sdk-clients.ts';
import { importGraphOf } from '../helpers/lambda-bundle.ts';

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

// The cold-start bench compares each function with a bundle of the same clients and the same
// commands (bench/cold-start.ts); these pin that list to what the bundle really imports.
describe("each function's SDK-only baseline imports the same SDK commands as the function", () => {
  it.each(Object.entries(LAMBDA_ENTRIES))('%s', async (_name, lambda) => {
    // Act
    const [ours, baseline] = await Promise.all([
      importGraphOf(lambda.entry),
      importGraphOf({ source: baselineSource(lambda) }),
    ]);
    // Assess: a command the function starts sending, or one listed that it does not import, differs
    expect(sdkCommandsIn(ours).length).toBeGreaterThan(0);
    expect(sdkCommandsIn(baseline)).toEqual(sdkCommandsIn(ours));
    // and the baseline holds the same client packages, so it is no smaller in clients either
    expect(sdkClientPackagesIn(baseline)).toEqual(expectedClientPackages(lambda.calls));
  });

  it('lists commands only for the services the function calls', () => {
    for (const { calls, sends } of Object.values(LAMBDA_ENTRIES)) {
      expect(Object.keys(sends).sort()).toEqual([...calls].sort());
    }
  });
});

/** The zod modules whose code ends up in the bundle (tree-shaking leaves some imported modules empty). */
const zodModulesInOutput = (graph: Metafile): string[] =>
  Object.values(graph.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([path, { bytesInOutput }]) => path.includes('node_modules/zod/') && bytesInOutput > 0)
      .map(([path]) => path.slice(path.indexOf('node_modules/zod/') + 'node_modules/'.length)),
  );

// Classic zod costs every cold start ~100 KiB and ~10 ms of module evaluation; zod/mini
// ~17 KiB and ~3 ms. The functions validate with zod/mini only (shared/model/zod.ts);
// the CLI may keep classic zod for its own schemas, but no Lambda entry may reach it.
// (In this file so they read the graphs built above: test/helpers/lambda-bundle.ts builds
// each entry once per file, and a file of their own would bundle every entry, SDK included, again.)
describe('Lambda bundles validate with zod/mini only', () => {
  it.each(Object.entries(LAMBDA_ENTRIES))('%s', async (_name, { entry }) => {
    // Act
    const graph = await importGraphOf(entry);
    const inOutput = zodModulesInOutput(graph);
    // Assess: not one classic zod module imported (a model schema built with `from 'zod'` fails)
    expect(Object.keys(graph.inputs).filter((path) => path.includes('node_modules/zod/v4/classic/'))).toEqual(
      [],
    );
    expect(inOutput).toContain('zod/v4/mini/schemas.js');
    // the English messages, and no other locale: the locales index is imported, and left out
    expect(inOutput.filter((path) => path.includes('/locales/'))).toEqual(['zod/v4/locales/en.js']);
  });
});
