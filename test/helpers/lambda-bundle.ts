import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BuildOptions, Metafile } from 'esbuild';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const buildGraph = async (entry: string | { source: string }): Promise<Metafile> => {
  const input: BuildOptions =
    typeof entry === 'string'
      ? { entryPoints: [join(REPO_ROOT, entry)] }
      : { stdin: { contents: entry.source, resolveDir: REPO_ROOT, loader: 'ts' } };
  const result = await build({
    ...input,
    // Split as the stack builds them: an entry's `import()` of its app is a chunk of its own,
    // and tree-shaking holds across chunks (without splitting, esbuild keeps whole packages
    // reachable through a dynamic import, every command of a client among them).
    outdir: join(REPO_ROOT, 'out'),
    splitting: true,
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

// Each graph bundles the whole SDK, the slowest part of the unit suite: the
// tests of one file ask for the same entries several times, so each is built
// once per test file. The sources do not change while the tests run.
const graphs = new Map<string, Promise<Metafile>>();

/**
 * The import graph of one Lambda entry (a path from the repository root) or
 * of a source text: esbuild's metafile of a bundle built as the stack builds
 * it (ESM split into chunks, `module,main`, SDK bundled) but neither minified
 * nor written — well under a second per entry, built once per test file (callers only read it).
 */
export const importGraphOf = (entry: string | { source: string }): Promise<Metafile> => {
  const key = typeof entry === 'string' ? `entry:${entry}` : `source:${entry.source}`;
  let graph = graphs.get(key);
  if (graph === undefined) {
    graph = buildGraph(entry);
    // A failed build is not kept: the next caller sees its own error.
    graph.catch(() => graphs.delete(key));
    graphs.set(key, graph);
  }
  return graph;
};
