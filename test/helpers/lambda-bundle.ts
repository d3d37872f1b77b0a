import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BuildOptions, Metafile } from 'esbuild';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The import graph of one Lambda entry (a path from the repository root) or
 * of a source text: esbuild's metafile of a bundle built as the stack builds
 * it (ESM split into chunks, `module,main`, SDK bundled) but neither minified nor written —
 * well under a second per entry.
 */
export const importGraphOf = async (entry: string | { source: string }): Promise<Metafile> => {
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
