// Builds the operator console (console/src → one script, one style sheet, index.html) with
// esbuild and writes console/assets.generated.ts: the files as strings, which the console
// function (functions/console) and `npm start` serve. Git-ignored, rewritten by
// `npm run generate` (so by `npm install`, `npm test`, `npm start`) and the CDK bundling.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BuildOptions } from 'esbuild';
import { buildSync } from 'esbuild';
import { REPO_ROOT, writeIfChanged } from '../integrations/registry-file.ts';

/** The file written, relative to the repository root. Git-ignored. */
export const CONSOLE_GENERATED_FILE = join('console', 'assets.generated.ts');

/** Browsers the console is built for: evergreen ones of the last two years. */
const TARGETS = ['es2022', 'chrome120', 'firefox121', 'safari17'];

/** One built file: its name under /console/, its content type and its text. */
export interface BuiltConsoleFile {
  name: string;
  type: string;
  body: string;
  /** A hashed name: served with a year-long immutable cache; index.html is never cached. */
  immutable: boolean;
}

export interface ConsoleBuild {
  files: BuiltConsoleFile[];
  /** Sizes a browser downloads: raw and gzip bytes of the script, the style sheet and the page. */
  bytes: { raw: number; gzip: number };
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 10);

/**
 * esbuild's options for the console's script and style sheet from `entry` (a .tsx file):
 * what `npm run generate` builds, and what the bench builds a bare Preact page with.
 */
export const consoleBuildOptions = (root: string, entry: string): BuildOptions & { write: false } => ({
  entryPoints: [entry],
  bundle: true,
  minify: true,
  format: 'esm',
  target: TARGETS,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  write: false,
  outdir: join(root, 'console', 'out'),
  entryNames: 'app',
  absWorkingDir: root,
  tsconfig: join(root, 'console', 'tsconfig.json'),
  legalComments: 'none',
  logLevel: 'error',
  nodePaths: [join(root, 'node_modules')],
});

/** Builds the console from `<root>/console` in memory (about 100 ms). */
export const buildConsole = (root: string = REPO_ROOT): ConsoleBuild => {
  const dir = join(root, 'console');
  const out = buildSync(consoleBuildOptions(root, join(dir, 'src', 'main.tsx')));
  const text = (ext: string): string => {
    const file = out.outputFiles.find((f) => f.path.endsWith(ext));
    if (file === undefined) throw new Error(`console build wrote no ${ext} file`);
    return file.text;
  };
  const js = text('.js');
  const css = text('.css');
  const jsName = `app-${sha(js)}.js`;
  const cssName = `app-${sha(css)}.css`;
  const html = readFileSync(join(dir, 'index.html'), 'utf8')
    .replace('__JS__', jsName)
    .replace('__CSS__', cssName);
  const files: BuiltConsoleFile[] = [
    { name: 'index.html', type: 'text/html; charset=utf-8', body: html, immutable: false },
    { name: jsName, type: 'text/javascript; charset=utf-8', body: js, immutable: true },
    { name: cssName, type: 'text/css; charset=utf-8', body: css, immutable: true },
  ];
  const raw = files.reduce((n, f) => n + Buffer.byteLength(f.body), 0);
  const gzip = files.reduce((n, f) => n + gzipSync(f.body, { level: 9 }).length, 0);
  return { files, bytes: { raw, gzip } };
};

/** The generated module's text for a build. */
export const consoleAssetsSource = (build: ConsoleBuild): string =>
  [
    '// Generated from console/ by cli/console/build.ts (`npm run generate`): do not edit.',
    "import type { ConsoleAssets } from '../shared/http/console-app.ts';",
    '',
    `export const consoleAssets: ConsoleAssets = ${JSON.stringify(
      {
        files: Object.fromEntries(
          build.files.map((f) => [f.name, { type: f.type, body: f.body, immutable: f.immutable }]),
        ),
        bytes: build.bytes,
      },
      null,
      2,
    )};`,
    '',
  ].join('\n');

/** Builds the console and writes console/assets.generated.ts when its text changes. */
export const writeConsoleAssets = (
  root: string = REPO_ROOT,
): { path: string; changed: boolean; build: ConsoleBuild } => {
  const build = buildConsole(root);
  const path = join(root, CONSOLE_GENERATED_FILE);
  return { path, changed: writeIfChanged(path, consoleAssetsSource(build)), build };
};
