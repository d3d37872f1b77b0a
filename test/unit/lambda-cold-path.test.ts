import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { LAMBDA_ENTRIES } from '../../functions/sdk-clients.ts';
import { importGraphOf } from '../helpers/lambda-bundle.ts';

/**
 * The source files a cold start evaluates: those with code in the entry's
 * output file and in every chunk it imports statically, transitively — not
 * in the chunks loaded by an `import()`.
 */
const evaluatedAtColdStart = (graph: Metafile, entryPoint: string): string[] => {
  // Every chunk an `import()` loads is an entry point too: the function's is the one built from its entry.
  const entry = Object.entries(graph.outputs).find(([, output]) => output.entryPoint === entryPoint);
  if (entry === undefined) throw new Error(`the graph has no output for ${entryPoint}`);
  const seen = new Set<string>();
  const pending = [entry[0]];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const imported of graph.outputs[file]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
    }
  }
  return [...seen].flatMap((file) =>
    Object.entries(graph.outputs[file]?.inputs ?? {})
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => input),
  );
};

// A cold start evaluates the entry: its configuration and the SDK clients the function calls
// (functions/<name>/index.ts). The app — stores, schemas, router, runtime, integrations — is a
// chunk of its own, loaded by the first invocation (functions/lazy-handler.ts).
describe('a Lambda cold start evaluates only the configuration and the SDK clients', () => {
  it.each(Object.entries(LAMBDA_ENTRIES))('%s', async (_name, { entry }) => {
    // Act
    const graph = await importGraphOf(entry);
    const coldPath = evaluatedAtColdStart(graph, entry);
    const ours = coldPath.filter((input) => !input.includes('node_modules/'));
    // Assess: no validation library, router or Powertools (a static import of the app fails here)
    expect(
      coldPath.filter((input) => /node_modules\/(zod|hono|@aws-lambda-powertools)\//.test(input)),
    ).toEqual([]);
    expect(
      ours.filter(
        (input) =>
          !/^(shared\/aws|functions)\/|^shared\/(config|errors)\.ts$|^shared\/model\/names\.ts$/.test(input),
      ),
    ).toEqual([]);
    expect(ours).toContain('shared/config.ts');
    expect(ours).toContain('functions/lazy-handler.ts');
    // …and the app is in the graph, in a chunk of its own
    expect(Object.keys(graph.inputs)).toContain(entry.replace(/index\.ts$/, 'app.ts'));
    expect(coldPath).not.toContain(entry.replace(/index\.ts$/, 'app.ts'));
  });
});
