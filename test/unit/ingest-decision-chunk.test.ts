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
    const entry = Object.entries(outputs).find(([, o]) => o.entryPoint === 'functions/ingest/index.ts');
    if (entry === undefined) throw new Error('no entry output');
    // Everything the entry evaluates before its first request: itself and its static imports, transitively.
    const eager = new Set<string>();
    const visit = (path: string): void => {
      if (eager.has(path)) return;
      eager.add(path);
      for (const i of outputs[path]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
    };
    visit(entry[0]);
    const eagerInputs = [...eager].flatMap((p) => Object.keys(outputs[p]?.inputs ?? {}));
    for (const input of DECISION_PATH) expect(eagerInputs).not.toContain(input);
    const dynamic = entry[1].imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
    const decisionChunk = dynamic.find((p) => 'shared/runtime/decide.ts' in (outputs[p]?.inputs ?? {}));
    expect(decisionChunk).toBeDefined();
    expect(Object.keys(outputs[decisionChunk ?? '']?.inputs ?? {})).toEqual(
      expect.arrayContaining(DECISION_PATH),
    );
  });
});
