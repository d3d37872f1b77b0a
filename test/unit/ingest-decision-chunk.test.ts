import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DECISION_PATH = ['shared/runtime/decide.ts', 'shared/runtime/execute.ts'];

/**
 * The ingest Lambda's decision path (decide, execute) is loaded by a dynamic
 * import when a decision job's request arrives: bundled with code splitting
 * (as the lazily loaded entries are), it is a chunk of its own that the entry
 * imports dynamically, never statically, so an async webhook never evaluates it.
 */
describe('the ingest bundle with code splitting', () => {
  it('keeps decide and execute out of the entry and its static imports, in a dynamically imported chunk', async () => {
    const { metafile } = await build({
      entryPoints: [join(REPO_ROOT, 'functions/ingest/index.ts')],
      outdir: join(REPO_ROOT, 'out'),
      bundle: true,
      splitting: true,
      platform: 'node',
      format: 'esm',
      mainFields: ['module', 'main'],
      tsconfig: join(REPO_ROOT, 'tsconfig.json'),
      absWorkingDir: REPO_ROOT,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const outputs = metafile.outputs;
    const chunkOf = (input: string): string => {
      const found = Object.keys(outputs).find((path) => input in (outputs[path]?.inputs ?? {}));
      if (found === undefined) throw new Error(`${input} is in no output`);
      return found;
    };
    // Everything a chunk evaluates when it loads: itself and its static imports, transitively.
    const eagerInputs = (chunk: string): string[] => {
      const seen = new Set<string>();
      const visit = (path: string): void => {
        if (seen.has(path)) return;
        seen.add(path);
        for (const i of outputs[path]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
      };
      visit(chunk);
      return [...seen].flatMap((path) => Object.keys(outputs[path]?.inputs ?? {}));
    };
    const entry = Object.keys(outputs).find(
      (path) => outputs[path]?.entryPoint === 'functions/ingest/index.ts',
    );
    // The chunk of ingest's runtime: the entry itself, or the app chunk it loads with the first request.
    const ingestChunk = chunkOf('shared/runtime/ingest.ts');
    for (const chunk of [entry ?? '', ingestChunk]) {
      for (const input of DECISION_PATH) expect(eagerInputs(chunk)).not.toContain(input);
    }
    const decisionChunk = chunkOf('shared/runtime/decide.ts');
    expect(Object.keys(outputs[decisionChunk]?.inputs ?? {})).toEqual(expect.arrayContaining(DECISION_PATH));
    expect(outputs[ingestChunk]?.imports).toContainEqual(
      expect.objectContaining({ path: decisionChunk, kind: 'dynamic-import' }),
    );
  });
});
