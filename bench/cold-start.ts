import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { z } from 'zod';
import type { LambdaEntry, SdkService } from '../functions/sdk-clients.ts';
import {
  LAMBDA_ENTRIES,
  baselineSource,
  expectedClientPackages,
  packageOfInput,
  sdkClientPackagesIn,
} from '../functions/sdk-clients.ts';
import type { BundleFile, BundleLayout } from '../infra/function-bundle.ts';
import {
  NODE_RUNTIME,
  REPO_ROOT,
  SCRIPT_RUNNER_BUNDLE,
  bundleFunction,
  bundleLayout,
  esbuildTarget,
  lazyPackageFiles,
} from '../infra/function-bundle.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { NONE } from './row.ts';
import { fixed, median, quantile } from './stats.ts';

const run = promisify(execFile);

/** DESIGN.md "Budgets": module evaluation within 1.2× a bundle of only the SDK clients the function calls. */
export const MAX_EVAL_RATIO = 1.2;

/**
 * A function measured here: a Lambda entry, and optionally the source of its
 * baseline when "only the SDK clients it calls" is not the whole of the work
 * it cannot avoid.
 */
export interface ColdStartEntry extends LambdaEntry {
  /** @default baselineSource(entry) */
  readonly baseline?: string;
  /** What {@link baseline} holds, for the notes under the table (with a `baseline` of its own). */
  readonly baselineNote?: string;
}

/**
 * The script runner calls no AWS service (its bundle holds no client: the
 * import-graph rows check that). What it cannot do without is what a bare
 * handler needs to fork the child each script runs in, in a temporary folder
 * of its own, and to watch its memory: Node's `child_process`, `fs`, `os` and
 * `path`. Its baseline loads those and nothing else.
 */
export const SCRIPT_RUNNER_COLD_START: ColdStartEntry = {
  entry: SCRIPT_RUNNER_BUNDLE.entry,
  calls: [],
  sends: {},
  baseline: [
    "import { fork } from 'node:child_process';",
    "import { mkdtempSync, readFileSync } from 'node:fs';",
    "import { tmpdir } from 'node:os';",
    "import { join } from 'node:path';",
    '',
    'export const handler = async () => ({',
    '  statusCode: 200,',
    '  body: [fork, mkdtempSync, readFileSync, tmpdir, join].map((f) => typeof f).join(),',
    '});',
    '',
  ].join('\n'),
  baselineNote:
    "calls no AWS service; its baseline loads node:child_process, fs, os and path (each invocation forks the script's child in a temporary folder and watches its memory) and nothing else; its bundle is measured without script-child.mjs, script-thread.mjs and the curated node_modules, which no cold start evaluates",
};

/**
 * The console function serves the console's built files (console/assets.generated.ts) and
 * calls no AWS service. Its baseline holds the same files and answers the page from them
 * with a bare handler: what is measured is our serving (hono, the security headers, the
 * routes), not the files' own weight.
 */
export const CONSOLE_COLD_START: ColdStartEntry = {
  entry: 'functions/console/index.ts',
  calls: [],
  sends: {},
  baseline: [
    `import { consoleAssets } from ${JSON.stringify(join(REPO_ROOT, 'console', 'assets.generated.ts'))};`,
    '',
    'export const handler = async () => ({',
    '  statusCode: 200,',
    "  headers: { 'content-type': 'text/html; charset=utf-8' },",
    "  body: consoleAssets.files['index.html']?.body ?? '',",
    '});',
    '',
  ].join('\n'),
  baselineNote:
    'calls no AWS service; its baseline holds the same built console files and answers the page from them with a bare handler (no router, no headers)',
};

/** What `npm run bench` measures: every function the stack deploys. */
export const COLD_START_ENTRIES: Readonly<Record<string, ColdStartEntry>> = {
  ...LAMBDA_ENTRIES,
  'script-runner': SCRIPT_RUNNER_COLD_START,
  console: CONSOLE_COLD_START,
};

/** Fresh `node` processes per bundle for the module-evaluation median (after one warm-up each). */
const EVAL_ROUNDS = 21;

interface Bundle {
  name: string;
  /** `index.mjs`: what Lambda imports. */
  file: string;
  /** Bytes evaluated at cold start: `index.mjs` and the chunks it imports statically. */
  bytes: number;
  layout: BundleLayout;
  metafile: Metafile;
}

const sum = (files: readonly BundleFile[]): number => files.reduce((n, f) => n + f.bytes, 0);

/**
 * One function bundled by {@link bundleFunction}, the build
 * `TriggerhubFunction` deploys (index.mjs, chunks/, the lazy packages).
 */
const bundle = (name: string, entry: string, outDir: string): Bundle => {
  const { metafile } = bundleFunction({ entry, outDir: join(outDir, name) });
  const layout = bundleLayout(metafile);
  const file = layout.atImport[0]?.path;
  if (file === undefined) throw new Error(`the bundle of ${name} has no index.mjs`);
  return { name, file, bytes: sum(layout.atImport), layout, metafile };
};

/** Loopback endpoints: importing a bundle constructs clients, and nothing may leave the machine. */
const CHILD_ENV = {
  PATH: process.env['PATH'] ?? '',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  TRIGGERHUB_TABLE: 'bench-table',
  TRIGGERHUB_QUEUE_URL: 'http://127.0.0.1:9/000000000000/bench-runs',
  TRIGGERHUB_PAYLOAD_BUCKET: 'bench-payloads',
  TRIGGERHUB_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  TRIGGERHUB_SQS_ENDPOINT: 'http://127.0.0.1:9',
  TRIGGERHUB_S3_ENDPOINT: 'http://127.0.0.1:9',
  POWERTOOLS_SERVICE_NAME: 'triggerhub',
};

/**
 * Times only the `import()`s inside the child, not Node's own start-up, as
 * CPU time (user + system, every thread of the process): on a shared machine
 * the wall clock also counts waiting for a core, which has nothing to do with
 * the bundle; in Lambda, whose init gets a fixed CPU share, evaluation takes
 * the CPU time divided by that share. `ms`: index.mjs alone (the cold start);
 * `withFirstRequest`: then the chunks the entry's own `import()`s name, which
 * the first request loads (a baseline has none: the same figure twice).
 */
const EVAL_SCRIPT = `
const [entry, ...firstRequest] = JSON.parse(process.argv[1]);
const before = process.cpuUsage();
const mod = await import(entry);
const atImport = process.cpuUsage(before);
if (typeof mod.handler !== 'function') throw new Error('the bundle exports no handler');
for (const file of firstRequest) await import(file);
const total = process.cpuUsage(before);
process.stdout.write(JSON.stringify({
  ms: (atImport.user + atImport.system) / 1000,
  withFirstRequest: (total.user + total.system) / 1000,
}));
`;

const EvalResultSchema = z.object({
  ms: z.number().nonnegative(),
  withFirstRequest: z.number().nonnegative(),
});
type EvalResult = z.infer<typeof EvalResultSchema>;

/**
 * Module-evaluation CPU milliseconds of one bundle in a fresh process, started
 * the way Lambda starts it: without `--enable-source-maps` (with it Node
 * reads every .map it loads at each cold start).
 */
const evaluateOnce = async (b: Bundle): Promise<EvalResult> => {
  const files = [b.file, ...b.layout.entryImports].map((f) => pathToFileURL(f).href);
  const { stdout } = await run(
    process.execPath,
    ['--no-warnings', '--input-type=module', '-e', EVAL_SCRIPT, JSON.stringify(files)],
    { env: CHILD_ENV, encoding: 'utf8', timeout: 30_000 },
  );
  return EvalResultSchema.parse(JSON.parse(stdout));
};

interface PairedSamples {
  ours: number[];
  base: number[];
  /** ours / base within each round: the two ran back to back, so a load swing hits both. */
  ratios: number[];
}

const noSamples = (): PairedSamples => ({ ours: [], base: [], ratios: [] });

/** Both figures of one function, from the same processes. */
interface FunctionSamples {
  /** index.mjs alone. */
  atImport: PairedSamples;
  /** index.mjs and its entry's `import()`s, against the baseline's import. */
  withFirstRequest: PairedSamples;
}

const record = (s: PairedSamples, ours: number, base: number): void => {
  s.ours.push(ours);
  s.base.push(base);
  s.ratios.push(ours / base);
};

/**
 * Evaluation samples of each function and its baseline, paired: every round
 * runs each function and its baseline back to back (which one first
 * alternates by round), so that the machine's load drifting between rounds
 * (other processes on a shared box) moves both figures of a pair alike.
 */
const pairedEvaluationSamples = async (
  pairs: readonly { fn: Bundle; base: Bundle }[],
): Promise<Map<string, FunctionSamples>> => {
  const samples = new Map<string, FunctionSamples>(
    pairs.map((p) => [p.fn.name, { atImport: noSamples(), withFirstRequest: noSamples() }]),
  );
  for (const { fn, base } of pairs) {
    await evaluateOnce(fn); // warm the file cache
    await evaluateOnce(base);
  }
  for (let round = 0; round < EVAL_ROUNDS; round++) {
    for (const { fn, base } of pairs) {
      const first = round % 2 === 0 ? fn : base;
      const second = first === fn ? base : fn;
      const a = await evaluateOnce(first);
      const b = await evaluateOnce(second);
      const [ours, theirs] = first === fn ? [a, b] : [b, a];
      const s = samples.get(fn.name);
      if (s === undefined) continue;
      record(s.atImport, ours.ms, theirs.ms);
      record(s.withFirstRequest, ours.withFirstRequest, theirs.withFirstRequest);
    }
  }
  return samples;
};

/** Minified bytes by package in the given output files (all of them when `files` is left out). */
const bytesByPackage = (b: Bundle, files?: readonly BundleFile[]): Map<string, number> => {
  const wanted = files && new Set(files.map((f) => f.path));
  const sizes = new Map<string, number>();
  for (const [path, output] of Object.entries(b.metafile.outputs)) {
    if (wanted !== undefined && !wanted.has(resolve(REPO_ROOT, path))) continue;
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = packageOfInput(input) ?? 'triggerhub code';
      sizes.set(pkg, (sizes.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return sizes;
};

/** The packages that add the most minified bytes at cold start on top of the function's baseline. */
const largestAdditions = (fn: Bundle, base: Bundle, count: number): string => {
  const baseSizes = bytesByPackage(base, base.layout.atImport);
  return (
    [...bytesByPackage(fn, fn.layout.atImport)]
      .map(([pkg, bytes]) => [pkg, bytes - (baseSizes.get(pkg) ?? 0)] as const)
      .filter(([, extra]) => extra >= 52) // what prints as +0.1 KiB or more
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([pkg, extra]) => `${pkg} +${kib(extra)} KiB`)
      .join(', ') || 'nothing'
  );
};

/** The packages in the chunks the first request loads, largest first. */
const firstRequestPackages = (fn: Bundle, count: number): string =>
  [...bytesByPackage(fn, fn.layout.firstRequest)]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([pkg, bytes]) => `${pkg} ${kib(bytes)} KiB`)
    .join(', ');

const kib = (bytes: number): string => fixed(bytes / 1024, 1);
const ms = (value: number): string => fixed(value, 1);
const iqr = (samples: readonly number[]): string =>
  `${ms(quantile(samples, 0.25))}–${ms(quantile(samples, 0.75))}`;
const chunks = (count: number): string => `${count} chunk${count === 1 ? '' : 's'}`;

/** Where a bundle's bytes load: at import (index.mjs + static chunks), with the first request, deeper. */
const sizeSpread = ({ layout }: Bundle): string =>
  [
    `at import: index.mjs ${kib(layout.atImport[0]?.bytes ?? 0)} KiB + ${chunks(layout.atImport.length - 1)} ${kib(sum(layout.atImport.slice(1)))} KiB`,
    `first request +${kib(sum(layout.firstRequest))} KiB (${chunks(layout.firstRequest.length)})`,
    `deeper +${kib(sum(layout.deeper))} KiB (${chunks(layout.deeper.length)})`,
  ].join('; ');

const ratioSpread = ({ ours, base, ratios }: PairedSamples): string =>
  `ratio p25–p75 ${fixed(quantile(ratios, 0.25))}–${fixed(quantile(ratios, 0.75))}×; ms ${iqr(ours)} vs ${iqr(base)}`;

/**
 * Cold start per function: each Lambda entry bundled by
 * {@link bundleFunction}, the build `TriggerhubFunction` deploys, against a
 * baseline bundle of only the SDK clients that function calls
 * (functions/sdk-clients.ts) built the same way. Rows: bundle size (info:
 * the bytes a cold start evaluates), module evaluation (CPU time of the
 * import in {@link EVAL_ROUNDS} fresh processes each, paired with the
 * baseline's, target ≤ {@link MAX_EVAL_RATIO}×), cold start with the first
 * request's code (info: the same import, then the chunks the entry loads
 * with `import()`), and whether the bundle imports exactly the clients the
 * function calls (esbuild's metafile, every chunk; admin importing the S3
 * client fails it). `entries` defaults to the functions the stack deploys;
 * another set (e.g. a trial entry) is measured the same way.
 */
export const measureColdStart = async (
  entries: Readonly<Record<string, ColdStartEntry>> = COLD_START_ENTRIES,
): Promise<BenchSection> => {
  const outDir = await mkdtemp(join(tmpdir(), 'triggerhub-bench-'));
  try {
    const baselines = new Map<string, Bundle>();
    const pairs: { fn: Bundle; base: Bundle; calls: readonly SdkService[] }[] = [];
    for (const [name, lambda] of Object.entries(entries)) {
      const { entry, calls } = lambda;
      // Functions with the same clients and commands (ingest and worker) share one baseline.
      const source = lambda.baseline ?? baselineSource(lambda);
      let base = baselines.get(source);
      if (base === undefined) {
        const key = `sdk-only-${name}`;
        const baseEntry = join(outDir, `${key}.ts`);
        await writeFile(baseEntry, source);
        base = bundle(key, baseEntry, outDir);
        baselines.set(source, base);
      }
      pairs.push({ fn: bundle(name, entry, outDir), base, calls });
    }

    const samples = await pairedEvaluationSamples(pairs);
    const rows: BenchRow[] = [];
    for (const { fn, base } of pairs) {
      rows.push({
        name: `bundle size: ${fn.name}`,
        measured: `${kib(fn.bytes)} KiB`,
        baseline: `${kib(base.bytes)} KiB`,
        ratio: `${fixed(fn.bytes / base.bytes)}×`,
        spread: sizeSpread(fn),
        target: 'info',
        pass: 'info',
      });
    }
    for (const { fn } of pairs) {
      const s = samples.get(fn.name)?.atImport ?? noSamples();
      const ratio = median(s.ratios);
      rows.push({
        name: `module evaluation: ${fn.name}`,
        measured: `${ms(median(s.ours))} ms`,
        baseline: `${ms(median(s.base))} ms`,
        ratio: `${fixed(ratio)}×`,
        spread: ratioSpread(s),
        target: `≤ ${MAX_EVAL_RATIO}×`,
        pass: ratio <= MAX_EVAL_RATIO,
      });
    }
    for (const { fn } of pairs) {
      const s = samples.get(fn.name)?.withFirstRequest ?? noSamples();
      rows.push({
        name: `cold start with first-request code: ${fn.name}`,
        measured: `${ms(median(s.ours))} ms`,
        baseline: `${ms(median(s.base))} ms`,
        ratio: `${fixed(median(s.ratios))}×`,
        spread: ratioSpread(s),
        target: 'info',
        pass: 'info',
      });
    }
    for (const { fn, calls } of pairs) {
      // The metafile's inputs: every module of every chunk, the lazily loaded ones included.
      const found = sdkClientPackagesIn(fn.metafile);
      const expected = expectedClientPackages(calls);
      const extra = found.filter((p) => !expected.includes(p));
      const missing = expected.filter((p) => !found.includes(p));
      rows.push({
        name: `bundles only the clients it calls: ${fn.name}`,
        measured: extra.length === 0 ? 'none extra' : `extra ${extra.join(', ')}`,
        baseline: calls.join(' + ') || 'none',
        ratio: NONE,
        spread: NONE,
        target: 'exactly its clients',
        pass: extra.length === 0 && missing.length === 0,
      });
    }
    const lazySizes = lazyPackageFiles()
      .filter((f) => f.path.endsWith('.cjs'))
      .map(
        (f) =>
          `${f.path.replace(/^node_modules[\\/]/, '').replace(/[\\/]index\.cjs$/, '')} ${kib(f.contents.length)} KiB`,
      );
    const notes = [
      `bundles: infra/function-bundle.ts bundleFunction, the build TriggerhubFunction deploys: esbuild target ${esbuildTarget(NODE_RUNTIME.name)}, ESM split into index.mjs + chunks/*.mjs, minified, AWS SDK bundled; sizes are the .mjs files a cold start evaluates (index.mjs and the chunks it imports statically, transitively), without .map files; the spread column says how many of those bytes are chunks, and the bytes loaded later: by the entry's own import()s with the first request, and by deeper import()s that only some requests make`,
      `loaded on first use, shipped beside each bundle as node_modules/<name>/index.cjs and not in its size: ${lazySizes.join(', ')}`,
      `baselines: "the same SDK, the same required work": a bundle that constructs the SDK clients the function calls and imports and references (never sends) the commands its code imports, so command classes, their serde, lib-dynamodb's marshalling and S3's checksums count on both sides (functions/sdk-clients.ts LAMBDA_ENTRIES, checked against each bundle's metafile); its handler does nothing; built the same way`,
      ...Object.entries(entries)
        .filter(([, { baseline }]) => baseline !== undefined)
        .map(([name, { baselineNote }]) => `${name} ${baselineNote ?? 'has a baseline of its own'}`),
      ...Object.entries(entries)
        .filter(([, { baseline }]) => baseline === undefined)
        .map(
          ([name, { sends }]) =>
            `${name}'s baseline imports ${Object.entries(sends)
              .map(([service, commands]) => `${service}: ${commands.join(', ')}`)
              .join('; ')}`,
        ),
      `module evaluation: CPU time (user + system) of import() of index.mjs in a fresh \`node\` process without --enable-source-maps (as in Lambda), ${EVAL_ROUNDS} rounds; each round runs a function and its baseline back to back, the ratio is the median of those paired ratios; spread: p25–p75 of the paired ratio, and of ours vs the baseline in ms`,
      `cold start with first-request code (info, not a target): in the same processes, the import of index.mjs and then of the chunks its entry loads with import() (with their static imports), against the baseline's import: the code-loading CPU the first request after a cold start pays in all, which module evaluation alone leaves out when an entry defers its app. import()s deeper in (paths only some requests take) are not counted`,
      ...pairs.map(({ fn, base }) => `${fn.name} adds most at cold start: ${largestAdditions(fn, base, 5)}`),
      ...pairs
        .filter(({ fn }) => fn.layout.firstRequest.length > 0)
        .map(({ fn }) => `${fn.name} loads with its first request: ${firstRequestPackages(fn, 5)}`),
    ];
    return { rows, notes };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
};

/** `npx tsx bench/cold-start.ts`: this section alone, as tab-separated rows. */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { rows, notes } = await measureColdStart();
  for (const r of rows) {
    const verdict = r.pass === 'info' ? 'info' : r.pass ? 'PASS' : 'FAIL';
    process.stdout.write(
      `${[r.name, r.measured, r.baseline, r.ratio, r.spread ?? NONE, r.target, verdict].join('\t')}\n`,
    );
  }
  for (const n of notes) process.stdout.write(`- ${n}\n`);
}
