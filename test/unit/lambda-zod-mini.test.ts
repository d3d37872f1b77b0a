import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { LAMBDA_ENTRIES } from '../../functions/sdk-clients.ts';
import { importGraphOf } from '../helpers/lambda-bundle.ts';

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
