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
  return staticClosure(graph, entry[0]);
};

/** The source files with code in an output file and in every chunk it imports statically, transitively. */
const staticClosure = (graph: Metafile, output: string): string[] => {
  const seen = new Set<string>();
  const pending = [output];
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

// An ordinary webhook is answered by ingest's direct route (shared/http/ingest-direct.ts); the
// router and its other routes are one more chunk, loaded by the first request the direct route
// declines (functions/http-handler.ts lazyHttpHandler), and the decision path (decide, execute)
// another, loaded by the first decision request (shared/runtime/ingest.ts). (The integrations still
// come with the first request: the pipeline's registry imports them.)
it("ingest's first webhook loads neither the router nor the decision path", async () => {
  // Prepare
  const graph = await importGraphOf(LAMBDA_ENTRIES.ingest.entry);
  const app = Object.entries(graph.outputs).find(([, o]) => o.entryPoint === 'functions/ingest/app.ts');
  if (app === undefined) throw new Error('no chunk for functions/ingest/app.ts');
  // Act
  const firstRequest = staticClosure(graph, app[0]);
  // Assess: the pipeline is there…
  expect(firstRequest).toContain('shared/http/ingest-direct.ts');
  expect(firstRequest).toContain('shared/runtime/ingest.ts');
  // …hono's router and app, decide and execute are not (only two small hono utilities)…
  const deferred =
    /hono-base|hono\/dist\/router|shared\/http\/(ingest-app|hono-helpers)\.ts|shared\/runtime\/(decide|execute)\.ts/;
  expect(firstRequest.filter((input) => deferred.test(input))).toEqual([]);
  // …but in the bundle, for the requests that need them.
  for (const later of ['shared/http/ingest-app.ts', 'shared/runtime/decide.ts', 'shared/runtime/execute.ts'])
    expect(Object.keys(graph.inputs)).toContain(later);
  // ctx.http (ky) rides with execute: neither the cold start nor the first webhook loads it, and
  // undici (proxy, tlsVerify: false) only the run that needs it.
  const coldStart = evaluatedAtColdStart(graph, LAMBDA_ENTRIES.ingest.entry);
  expect(
    [...coldStart, ...firstRequest].filter((input) => /node_modules\/(ky|undici)\//.test(input)),
  ).toEqual([]);
  expect(Object.keys(graph.inputs).some((input) => input.includes('node_modules/ky/'))).toBe(true);
});
