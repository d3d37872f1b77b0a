import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { BuildOptions, Metafile } from 'esbuild';
import { build, stop } from 'esbuild';
import { z } from 'zod';
import type { SdkService } from '../functions/sdk-clients.ts';
import {
  LAMBDA_ENTRIES,
  baselineSource,
  expectedClientPackages,
  packageOfInput,
  sdkClientPackagesIn,
} from '../functions/sdk-clients.ts';
import {
  ESM_REQUIRE_BANNER,
  NODE_RUNTIME,
  REPO_ROOT,
  esbuildBin,
  esbuildTarget,
  lazyPackageBuilds,
} from '../infra/constructs/triggerhub-function.ts';
import { LAZY_PACKAGES } from '../shared/lazy-require.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { NONE } from './row.ts';
import { fixed, median, quantile } from './stats.ts';

const run = promisify(execFile);

/** DESIGN.md "Budgets": module evaluation within 1.2× a bundle of only the SDK clients the function calls. */
export const MAX_EVAL_RATIO = 1.2;

/** Fresh `node` processes per bundle for the module-evaluation median (after one warm-up each). */
const EVAL_ROUNDS = 21;

/**
 * What `TriggerhubFunction`'s `bundling` props become in esbuild options
 * (aws-cdk-lib/aws-lambda-nodejs/lib/bundling.js `buildEsbuildArgs`): ESM,
 * minified, external source map, the require banner, `module,main` main
 * fields, the repository tsconfig, and as externals only LAZY_PACKAGES
 * (`externalModules`; the AWS SDK is bundled), which the construct ships
 * beside the bundle and {@link shipLazyPackages} here too.
 * `nodePaths` only lets the baseline entries, written outside the
 * repository, resolve the same packages; it changes nothing for ours.
 */
const cdkBuildOptions = (): BuildOptions => ({
  bundle: true,
  platform: 'node',
  target: esbuildTarget(NODE_RUNTIME.name),
  format: 'esm',
  minify: true,
  sourcemap: true,
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_BANNER },
  tsconfig: join(REPO_ROOT, 'tsconfig.json'),
  external: [...LAZY_PACKAGES],
  absWorkingDir: REPO_ROOT,
  nodePaths: [join(REPO_ROOT, 'node_modules')],
  metafile: true,
  logLevel: 'error',
});

interface Bundle {
  name: string;
  file: string;
  bytes: number;
  metafile: Metafile;
}

const bundle = async (name: string, entry: string, outDir: string): Promise<Bundle> => {
  const file = join(outDir, name, 'index.mjs');
  const result = await build({ ...cdkBuildOptions(), entryPoints: [entry], outfile: file });
  if (!result.metafile) throw new Error(`esbuild returned no metafile for ${name}`);
  // The file Lambda loads; the .map beside it is only read when a stack trace is mapped.
  return { name, file, bytes: (await stat(file)).size, metafile: result.metafile };
};

/**
 * LAZY_PACKAGES beside a bundle, built as the construct's `afterBundling`
 * builds them (the same esbuild arguments, run by the same CLI): their
 * minified sizes by package. A cold start does not load them.
 */
const shipLazyPackages = async (dir: string): Promise<Map<string, number>> => {
  const sizes = new Map<string, number>();
  for (const b of lazyPackageBuilds(REPO_ROOT, dir)) {
    await run(esbuildBin(REPO_ROOT), [...b.esbuildArgs], { cwd: REPO_ROOT, timeout: 60_000 });
    await mkdir(dirname(b.packageJsonPath), { recursive: true });
    await writeFile(b.packageJsonPath, b.packageJson);
    sizes.set(b.name, (await stat(join(dirname(b.packageJsonPath), 'index.cjs'))).size);
  }
  return sizes;
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
 * Times only the `import()` inside the child, not Node's own start-up, as CPU
 * time (user + system, every thread of the process): on a shared machine the
 * wall clock also counts waiting for a core, which has nothing to do with the
 * bundle; in Lambda, whose init gets a fixed CPU share, evaluation takes the
 * CPU time divided by that share.
 */
const EVAL_SCRIPT = `
const before = process.cpuUsage();
const mod = await import(process.argv[1]);
const used = process.cpuUsage(before);
if (typeof mod.handler !== 'function') throw new Error('the bundle exports no handler');
process.stdout.write(JSON.stringify({ ms: (used.user + used.system) / 1000 }));
`;

const EvalResultSchema = z.object({ ms: z.number().nonnegative() });

/**
 * Module-evaluation CPU milliseconds of one bundle in a fresh process, started
 * the way Lambda starts it now: without `--enable-source-maps` (the stack no
 * longer sets it; with it Node reads the whole .map at every cold start).
 */
const evaluateOnce = async (file: string): Promise<number> => {
  const { stdout } = await run(
    process.execPath,
    ['--no-warnings', '--input-type=module', '-e', EVAL_SCRIPT, pathToFileURL(file).href],
    { env: CHILD_ENV, encoding: 'utf8', timeout: 30_000 },
  );
  return EvalResultSchema.parse(JSON.parse(stdout)).ms;
};

interface PairedSamples {
  ours: number[];
  base: number[];
  /** ours / base within each round: the two ran back to back, so a load swing hits both. */
  ratios: number[];
}

/**
 * Evaluation samples of each function and its baseline, paired: every round
 * runs each function and its baseline back to back (which one first
 * alternates by round), so that the machine's load drifting between rounds
 * (other processes on a shared box) moves both figures of a pair alike.
 */
const pairedEvaluationSamples = async (
  pairs: readonly { fn: Bundle; base: Bundle }[],
): Promise<Map<string, PairedSamples>> => {
  const samples = new Map<string, PairedSamples>(
    pairs.map((p) => [p.fn.name, { ours: [], base: [], ratios: [] }]),
  );
  for (const { fn, base } of pairs) {
    await evaluateOnce(fn.file); // warm the file cache
    await evaluateOnce(base.file);
  }
  for (let round = 0; round < EVAL_ROUNDS; round++) {
    for (const { fn, base } of pairs) {
      const first = round % 2 === 0 ? fn : base;
      const second = first === fn ? base : fn;
      const a = await evaluateOnce(first.file);
      const b = await evaluateOnce(second.file);
      const [ours, theirs] = first === fn ? [a, b] : [b, a];
      const s = samples.get(fn.name);
      s?.ours.push(ours);
      s?.base.push(theirs);
      s?.ratios.push(ours / theirs);
    }
  }
  return samples;
};

const bytesByPackage = (metafile: Metafile): Map<string, number> => {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = packageOfInput(input) ?? 'triggerhub code';
      sizes.set(pkg, (sizes.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return sizes;
};

/** The packages that add the most minified bytes on top of the function's baseline. */
const largestAdditions = (fn: Bundle, base: Bundle, count: number): string => {
  const baseSizes = bytesByPackage(base.metafile);
  return [...bytesByPackage(fn.metafile)]
    .map(([pkg, bytes]) => [pkg, bytes - (baseSizes.get(pkg) ?? 0)] as const)
    .filter(([, extra]) => extra > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([pkg, extra]) => `${pkg} +${kib(extra)} KiB`)
    .join(', ');
};

const kib = (bytes: number): string => fixed(bytes / 1024, 1);
const ms = (value: number): string => fixed(value, 1);
const iqr = (samples: readonly number[]): string =>
  `${ms(quantile(samples, 0.25))}–${ms(quantile(samples, 0.75))}`;

/**
 * Cold start per function: each Lambda entry bundled exactly as
 * `TriggerhubFunction` bundles it, against a baseline bundle of only the SDK
 * clients that function calls (functions/sdk-clients.ts) built with the same
 * options. Rows: bundle size (info), module evaluation (CPU time of the
 * import in {@link EVAL_ROUNDS} fresh processes each, paired with the
 * baseline's, target ≤ {@link MAX_EVAL_RATIO}×), and whether the bundle
 * imports exactly the clients the function calls (esbuild's metafile; admin
 * importing the S3 client fails it).
 */
export const measureColdStart = async (): Promise<BenchSection> => {
  const outDir = await mkdtemp(join(tmpdir(), 'triggerhub-bench-'));
  try {
    const baselines = new Map<string, Bundle>();
    const pairs: { fn: Bundle; base: Bundle; calls: readonly SdkService[] }[] = [];
    for (const [name, lambda] of Object.entries(LAMBDA_ENTRIES)) {
      const { entry, calls } = lambda;
      // Functions with the same clients and commands (ingest and worker) share one baseline.
      const source = baselineSource(lambda);
      let base = baselines.get(source);
      if (base === undefined) {
        const key = `sdk-only-${name}`;
        const baseEntry = join(outDir, `${key}.ts`);
        await writeFile(baseEntry, source);
        base = await bundle(key, baseEntry, outDir);
        baselines.set(source, base);
      }
      pairs.push({ fn: await bundle(name, join(REPO_ROOT, entry), outDir), base, calls });
    }
    await stop();
    // The same packages ship with every function: built once, beside the first bundle.
    const lazySizes = await shipLazyPackages(dirname(pairs[0]?.fn.file ?? join(outDir, 'lazy', 'index.mjs')));

    const samples = await pairedEvaluationSamples(pairs);
    const rows: BenchRow[] = [];
    for (const { fn, base } of pairs) {
      rows.push({
        name: `bundle size: ${fn.name}`,
        measured: `${kib(fn.bytes)} KiB`,
        baseline: `${kib(base.bytes)} KiB`,
        ratio: `${fixed(fn.bytes / base.bytes)}×`,
        spread: NONE,
        target: 'info',
        pass: 'info',
      });
    }
    for (const { fn } of pairs) {
      const { ours, base, ratios } = samples.get(fn.name) ?? { ours: [], base: [], ratios: [] };
      const ratio = median(ratios);
      rows.push({
        name: `module evaluation: ${fn.name}`,
        measured: `${ms(median(ours))} ms`,
        baseline: `${ms(median(base))} ms`,
        ratio: `${fixed(ratio)}×`,
        spread: `ratio p25–p75 ${fixed(quantile(ratios, 0.25))}–${fixed(quantile(ratios, 0.75))}×; ms ${iqr(ours)} vs ${iqr(base)}`,
        target: `≤ ${MAX_EVAL_RATIO}×`,
        pass: ratio <= MAX_EVAL_RATIO,
      });
    }
    for (const { fn, calls } of pairs) {
      const found = sdkClientPackagesIn(fn.metafile);
      const expected = expectedClientPackages(calls);
      const extra = found.filter((p) => !expected.includes(p));
      const missing = expected.filter((p) => !found.includes(p));
      rows.push({
        name: `bundles only the clients it calls: ${fn.name}`,
        measured: extra.length === 0 ? 'none extra' : `extra ${extra.join(', ')}`,
        baseline: calls.join(' + '),
        ratio: NONE,
        spread: NONE,
        target: 'exactly its clients',
        pass: extra.length === 0 && missing.length === 0,
      });
    }
    const notes = [
      `bundles: esbuild target ${esbuildTarget(NODE_RUNTIME.name)}, ESM, minified, AWS SDK bundled (bundleAwsSDK: true), as TriggerhubFunction builds them; sizes exclude the .map file`,
      `loaded on first use, shipped beside each bundle as node_modules/<name>/index.cjs and not in its size: ${[...lazySizes].map(([pkg, bytes]) => `${pkg} ${kib(bytes)} KiB`).join(', ')}`,
      `baselines: "the same SDK, the same required work": a bundle that constructs the SDK clients the function calls and imports and references (never sends) the commands its code imports, so command classes, their serde, lib-dynamodb's marshalling and S3's checksums count on both sides (functions/sdk-clients.ts LAMBDA_ENTRIES, checked against each bundle's metafile); its handler does nothing; built the same way`,
      ...Object.entries(LAMBDA_ENTRIES).map(
        ([name, { sends }]) =>
          `${name}'s baseline imports ${Object.entries(sends)
            .map(([service, commands]) => `${service}: ${commands.join(', ')}`)
            .join('; ')}`,
      ),
      `module evaluation: CPU time (user + system) of import() in a fresh \`node\` process without --enable-source-maps (as in Lambda), ${EVAL_ROUNDS} rounds; each round runs a function and its baseline back to back, the ratio is the median of those paired ratios; spread: p25–p75 of the paired ratio, and of ours vs the baseline in ms`,
      ...pairs.map(({ fn, base }) => `${fn.name} adds most: ${largestAdditions(fn, base, 5)}`),
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
