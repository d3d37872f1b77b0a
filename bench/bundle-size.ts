import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { BuildOptions, Metafile } from 'esbuild';
import { build, stop } from 'esbuild';
import { z } from 'zod';
import { ESM_REQUIRE_BANNER, NODE_RUNTIME, REPO_ROOT } from '../infra/constructs/triggerhub-function.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { fixed, median } from './stats.ts';

const run = promisify(execFile);

/** The Lambda entries the stack deploys (infra/stack.ts), by function. */
export const FUNCTION_ENTRIES = {
  ingest: 'functions/ingest/index.ts',
  worker: 'functions/worker/index.ts',
  admin: 'functions/admin/index.ts',
} as const;

/** DESIGN.md "Budgets": a function bundle within 1.2× a bare SDK-only bundle. */
export const MAX_SIZE_RATIO = 1.2;

/** Fresh `node` processes per bundle for the module-evaluation median (plus one warm-up each). */
const EVAL_ROUNDS = 7;

/**
 * The bare baseline: only the SDK v3 clients the functions construct
 * (shared/aws/clients.ts and the Secrets Manager store), and a trivial handler.
 */
const BARE_ENTRY = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const region = process.env.AWS_REGION ?? 'us-east-1';
const clients = [
  DynamoDBDocumentClient.from(new DynamoDBClient({ region }), { marshallOptions: { removeUndefinedValues: true } }),
  new SQSClient({ region }),
  new S3Client({ region }),
  new SecretsManagerClient({ region }),
];

export const handler = async () => ({ statusCode: 200, body: String(clients.length) });
`;

/** `nodejs24.x` → `node24`, the way aws-lambda-nodejs derives esbuild's target from the runtime. */
const esbuildTarget = (runtimeName: string): string => {
  const version = /nodejs(\d+)/.exec(runtimeName)?.[1];
  if (version === undefined) throw new Error(`cannot derive an esbuild target from runtime ${runtimeName}`);
  return `node${version}`;
};

/**
 * What `TriggerhubFunction`'s `bundling` props become in esbuild options
 * (aws-cdk-lib/aws-lambda-nodejs/lib/bundling.js `buildEsbuildArgs`): ESM,
 * minified, external source map, the require banner, `module,main` main
 * fields, the repository tsconfig, and no externals at all because
 * `bundleAwsSDK: true` empties the default `@aws-sdk/*` externals.
 * `nodePaths` only lets the bare entry, written outside the repository,
 * resolve the same packages; it changes nothing for the function entries.
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
  external: [],
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

/** Loopback endpoints: importing a bundle constructs clients, and nothing may leave the machine. */
const CHILD_ENV = {
  PATH: process.env['PATH'] ?? '',
  AWS_REGION: 'us-east-1',
  TRIGGERHUB_TABLE: 'bench-table',
  TRIGGERHUB_QUEUE_URL: 'http://127.0.0.1:9/000000000000/bench-runs',
  TRIGGERHUB_PAYLOAD_BUCKET: 'bench-payloads',
  TRIGGERHUB_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  TRIGGERHUB_SQS_ENDPOINT: 'http://127.0.0.1:9',
  TRIGGERHUB_S3_ENDPOINT: 'http://127.0.0.1:9',
  POWERTOOLS_SERVICE_NAME: 'triggerhub',
};

/** Times only the `import()` inside the child, not Node's own start-up. */
const EVAL_SCRIPT = `
const started = performance.now();
const mod = await import(process.argv[1]);
const ms = performance.now() - started;
if (typeof mod.handler !== 'function') throw new Error('the bundle exports no handler');
process.stdout.write(JSON.stringify({ ms }));
`;

const EvalResultSchema = z.object({ ms: z.number().nonnegative() });

/** Module-evaluation milliseconds of one bundle in a fresh process, with the flag the stack sets in NODE_OPTIONS. */
const evaluateOnce = async (file: string): Promise<number> => {
  const { stdout } = await run(
    process.execPath,
    [
      '--enable-source-maps',
      '--no-warnings',
      '--input-type=module',
      '-e',
      EVAL_SCRIPT,
      pathToFileURL(file).href,
    ],
    { env: CHILD_ENV, encoding: 'utf8', timeout: 30_000 },
  );
  return EvalResultSchema.parse(JSON.parse(stdout)).ms;
};

/** Median evaluation time of each bundle; rounds rotate the order so drift hits every bundle alike. */
const evaluationMedians = async (bundles: readonly Bundle[]): Promise<Map<string, number>> => {
  const samples = new Map<string, number[]>(bundles.map((b) => [b.name, []]));
  for (const b of bundles) await evaluateOnce(b.file); // warm the file cache
  for (let round = 0; round < EVAL_ROUNDS; round++) {
    for (let i = 0; i < bundles.length; i++) {
      const b = bundles[(i + round) % bundles.length];
      if (b) samples.get(b.name)?.push(await evaluateOnce(b.file));
    }
  }
  return new Map([...samples].map(([name, ms]) => [name, median(ms)]));
};

/** `node_modules/@scope/pkg/…` → `@scope/pkg`; our own files → one bucket. */
const packageOf = (input: string): string => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match?.[1] ?? 'triggerhub code';
};

const bytesByPackage = (metafile: Metafile): Map<string, number> => {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = packageOf(input);
      sizes.set(pkg, (sizes.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return sizes;
};

/** The packages that add the most minified bytes on top of the bare bundle. */
const largestAdditions = (fn: Bundle, bare: Bundle, count: number): string => {
  const base = bytesByPackage(bare.metafile);
  return [...bytesByPackage(fn.metafile)]
    .map(([pkg, bytes]) => [pkg, bytes - (base.get(pkg) ?? 0)] as const)
    .filter(([, extra]) => extra > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([pkg, extra]) => `${pkg} +${kib(extra)} KiB`)
    .join(', ');
};

const kib = (bytes: number): string => fixed(bytes / 1024, 1);

/**
 * Cold-start size: each function bundle against a bare SDK-only bundle built
 * with the same options, plus module-evaluation time (informational).
 */
export const measureBundles = async (): Promise<BenchSection> => {
  const outDir = await mkdtemp(join(tmpdir(), 'triggerhub-bench-'));
  try {
    const bareEntry = join(outDir, 'bare-sdk-entry.ts');
    await writeFile(bareEntry, BARE_ENTRY);
    const bare = await bundle('bare-sdk', bareEntry, outDir);
    const functions: Bundle[] = [];
    for (const [name, entry] of Object.entries(FUNCTION_ENTRIES)) {
      functions.push(await bundle(name, join(REPO_ROOT, entry), outDir));
    }
    await stop();

    const evalMs = await evaluationMedians([bare, ...functions]);
    const bareEval = evalMs.get(bare.name) ?? Number.NaN;
    const rows: BenchRow[] = [];
    for (const fn of functions) {
      const ratio = fn.bytes / bare.bytes;
      rows.push({
        name: `bundle size: ${fn.name}`,
        measured: `${kib(fn.bytes)} KiB`,
        baseline: `${kib(bare.bytes)} KiB`,
        ratio: `${fixed(ratio)}×`,
        target: `≤ ${MAX_SIZE_RATIO}×`,
        pass: ratio <= MAX_SIZE_RATIO,
      });
    }
    for (const fn of functions) {
      const ms = evalMs.get(fn.name) ?? Number.NaN;
      rows.push({
        name: `module evaluation: ${fn.name}`,
        measured: `${fixed(ms, 1)} ms`,
        baseline: `${fixed(bareEval, 1)} ms`,
        ratio: `${fixed(ms / bareEval)}×`,
        target: 'info',
        pass: 'info',
      });
    }
    const notes = [
      `bundles: esbuild target ${esbuildTarget(NODE_RUNTIME.name)}, ESM, minified, AWS SDK bundled (bundleAwsSDK: true); sizes exclude the .map file`,
      `module evaluation: median of ${EVAL_ROUNDS} fresh \`node --enable-source-maps\` processes, import() only`,
      ...functions.map((fn) => `${fn.name} adds most: ${largestAdditions(fn, bare, 5)}`),
    ];
    return { rows, notes };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
};
