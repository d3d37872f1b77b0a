import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/samples.ts';

/**
 * A clone must test and run with nothing beside it. Samples and seeds used
 * to be read from a `shared/` folder next to the repository, which exists
 * only on the maintainers' machines; this scan keeps any such path from
 * coming back. Only string literals are judged (comments may name the old
 * folder), and a relative path is resolved against the file that holds it,
 * so `../../shared/model/index.ts` (the repository's own `shared/`) passes.
 */

const SCANNED_DIRS = ['test', 'bench', 'cli', 'shared', 'functions', 'infra', 'integrations', 'bin'];
const CODE = /\.(?:[cm]?[jt]s|tsx)$/;
/** Data, not code. */
const SKIPPED = new Set([path.join('test', 'fixtures')]);
/** Collections that exist only in the outside folder: the repository's `shared/` has neither. */
const OUTSIDE_COLLECTION = /(?:^|[/\\])shared[/\\](?:samples|seeds)(?:[/\\]|$)/;

const isInside = (root: string, target: string): boolean => {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** The literal text of a string-like node, or undefined for anything computed. */
const literalText = (node: ts.Node): string | undefined =>
  ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) ? node.text : undefined;

/**
 * Paths in `source` (the text of `file`, relative to `root`) that leave the
 * repository or name the outside folder's samples or seeds collections.
 */
const findEscapingPaths = (root: string, file: string, source: string): string[] => {
  const findings: string[] = [];
  const dir = path.dirname(path.join(root, file));
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const report = (node: ts.Node, what: string): void => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    findings.push(`${file}:${line + 1}: ${what}`);
  };

  const visit = (node: ts.Node): void => {
    const text = literalText(node);
    if (text !== undefined) {
      // An import specifier, `new URL(…, import.meta.url)` or a path relative to this file.
      if (/^\.\.?[/\\]/.test(text) && !isInside(root, path.resolve(dir, text))) {
        report(node, `'${text}' resolves outside the repository`);
      } else if (OUTSIDE_COLLECTION.test(text)) {
        report(node, `'${text}' names the outside shared folder`);
      }
    }
    // path.join(base, '..', <the shared folder>, …): the base is not known here, and the
    // repository never builds a path to its own shared/ from segments. A lone
    // first argument (`vi.mock('../../shared/x.ts')`) is file-relative: judged above.
    if (ts.isCallExpression(node) || ts.isArrayLiteralExpression(node)) {
      const parts = ts.isCallExpression(node) ? node.arguments : node.elements;
      let afterBase = false;
      const segments: string[] = [];
      for (const part of parts) {
        const segment = literalText(part);
        if (segment === undefined) {
          afterBase = true;
          segments.length = 0;
          continue;
        }
        segments.push(segment);
        if (!afterBase && segments.length < 2) continue;
        const joined = path.posix.normalize(segments.join('/').replaceAll('\\', '/'));
        if (/^(?:\.\.\/)+shared(?:\/|$)/.test(joined)) {
          report(part, `path segments ${segments.map((s) => `'${s}'`).join(', ')} reach a shared/ outside`);
          break;
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
};

const sourceFiles = (root: string): string[] => {
  const files: string[] = [];
  const walk = (rel: string): void => {
    if (SKIPPED.has(rel)) return;
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && CODE.test(entry.name) && !SKIPPED.has(child)) files.push(child);
    }
  };
  for (const dir of SCANNED_DIRS) walk(dir);
  // The configuration files at the top (vitest.config.ts, eslint.config.js …).
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (entry.isFile() && CODE.test(entry.name)) files.push(entry.name);
  }
  return files;
};

describe('findEscapingPaths', () => {
  const scan = (file: string, source: string): string[] => findEscapingPaths('/repo', file, source);
  // The examples name the outside folder only through this substitution, so that this file
  // itself holds no path outside the repository and is scanned like every other.
  const OUT = 'shared';

  it('finds path segments that climb out to a shared folder beside the repository', () => {
    // Act
    const found = scan(
      'test/helpers/samples.ts',
      `export const samplesDir = path.resolve(repoRoot, '..', '${OUT}', 'samples');\n` +
        `const seeds = path.join(root, '../${OUT}', 'seeds');\n`,
    );

    // Assess
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^test\/helpers\/samples\.ts:1: path segments '\.\.', 'shared'/);
    expect(found[1]).toMatch(/^test\/helpers\/samples\.ts:2: /);
  });

  it('finds a relative URL or import that resolves outside the repository', () => {
    // Act
    const found = scan(
      'test/unit/gate.test.ts',
      `const SAMPLE = new URL('../../../${OUT}/samples/checkpoint-smarttasks/a.json', import.meta.url);\n` +
        `import x from '../../../${OUT}/seeds/notes.ts';\n`,
    );

    // Assess
    expect(found).toEqual([
      `test/unit/gate.test.ts:1: '../../../${OUT}/samples/checkpoint-smarttasks/a.json' resolves outside the repository`,
      `test/unit/gate.test.ts:2: '../../../${OUT}/seeds/notes.ts' resolves outside the repository`,
    ]);
  });

  it('finds the outside samples and seeds collections named from inside', () => {
    // Act
    const found = scan(
      'bench/run.ts',
      `readFileSync('../${OUT}/samples/a.xml');\nconst s = \`${OUT}/seeds/x.txt\`;\n`,
    );

    // Assess
    expect(found).toHaveLength(2);
  });

  it('passes imports of the repository’s own shared/ and mentions in comments', () => {
    // Act
    const found = scan(
      'test/unit/x.test.ts',
      "import { JobSchema } from '../../shared/model/index.ts';\n" +
        "const dir = path.join(repoRoot, 'shared', 'model');\n" +
        "const up = path.resolve(here, '..', 'functions');\n" +
        `// formerly read from ../${OUT}/samples beside the repository\n` +
        "const fixtures = path.join(repoRoot, 'test', 'fixtures', 'samples');\n",
    );

    // Assess
    expect(found).toEqual([]);
  });
});

describe('the repository stands alone', () => {
  it('reads no path outside itself (no samples or seeds from a folder beside it)', () => {
    // Prepare
    const files = sourceFiles(repoRoot);
    expect(files).toContain(path.join('test', 'helpers', 'samples.ts'));
    expect(files.length).toBeGreaterThan(50);

    // Act
    const found = files.flatMap((file) =>
      findEscapingPaths(repoRoot, file, readFileSync(path.join(repoRoot, file), 'utf8')),
    );

    // Assess
    expect(found).toEqual([]);
  });
});
