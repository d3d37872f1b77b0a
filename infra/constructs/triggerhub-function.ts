import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IGrantable, IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAZY_PACKAGES } from '../../shared/lazy-require.ts';
import { checkIntegerInRange, throwIfProblems } from '../props-check.ts';

/** The repository root: where package-lock.json, tsconfig.json and functions/ live. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The newest Node.js runtime aws-cdk-lib 2.276 offers (cdk-nag L1 checks the same list). */
export const NODE_RUNTIME = Runtime.NODEJS_24_X;

/**
 * Lets CommonJS dependencies bundled into the ESM output call `require` for
 * Node built-ins (esbuild's shim throws "Dynamic require is not supported").
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** `nodejs24.x` → `node24`, the way aws-lambda-nodejs derives esbuild's target from the runtime. */
export const esbuildTarget = (runtimeName: string): string => {
  const version = /nodejs(\d+)/.exec(runtimeName)?.[1];
  if (version === undefined) throw new Error(`cannot derive an esbuild target from runtime ${runtimeName}`);
  return `node${version}`;
};

/** How one package of LAZY_PACKAGES is built into a function's output directory. */
export interface LazyPackageBuild {
  readonly name: string;
  /** Arguments of the esbuild CLI: its CommonJS build, dependencies included, as one minified file. */
  readonly esbuildArgs: readonly string[];
  /** `<outputDir>/node_modules/<name>/package.json` */
  readonly packageJsonPath: string;
  /** `{"name","version","main":"index.cjs"}`: all Node's `require` needs to find the file. */
  readonly packageJson: string;
}

/** The package.json of `name`, found up from its resolved entry (`exports` may hide `<name>/package.json`). */
const packageJsonOf = (name: string, entry: string): { version: string } => {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (json.name === name && typeof json.version === 'string') return { version: json.version };
  }
  throw new Error(`cannot find the package.json of ${name} above ${entry}`);
};

/**
 * How each of {@link LAZY_PACKAGES} is shipped with a function: bundled on
 * its own into `node_modules/<name>/index.cjs` next to `index.mjs`, where the
 * function's `createRequire` (shared/lazy-require.ts) finds it on first use.
 * Its CommonJS build is the entry (the `require` condition, as at run time
 * under tsx), so the file is what `require(name)` gives in the repository.
 * The cold-start bench builds the same way.
 */
export const lazyPackageBuilds = (projectRoot: string, outputDir: string): LazyPackageBuild[] => {
  const resolve = createRequire(join(projectRoot, 'package.json')).resolve;
  return LAZY_PACKAGES.map((name) => {
    const entry = resolve(name);
    const dir = join(outputDir, 'node_modules', name);
    return {
      name,
      esbuildArgs: [
        entry,
        '--bundle',
        '--platform=node',
        '--format=cjs',
        `--target=${esbuildTarget(NODE_RUNTIME.name)}`,
        '--minify',
        '--sourcemap',
        '--log-level=error',
        `--outfile=${join(dir, 'index.cjs')}`,
      ],
      packageJsonPath: join(dir, 'package.json'),
      packageJson: JSON.stringify({ name, version: packageJsonOf(name, entry).version, main: 'index.cjs' }),
    };
  });
};

/** Double quotes: what both bash and cmd.exe read as one argument (paths hold no `"`). */
const quote = (arg: string): string => `"${arg}"`;

/**
 * The project's esbuild, the one aws-lambda-nodejs bundles with: the
 * `.bin` link runs the native binary or its JS launcher alike (cmd.exe
 * finds `esbuild.cmd` through PATHEXT).
 */
export const esbuildBin = (projectRoot: string): string =>
  join(projectRoot, 'node_modules', '.bin', 'esbuild');

/**
 * The `afterBundling` commands that ship {@link LAZY_PACKAGES} (see
 * {@link lazyPackageBuilds}): the project's esbuild, and node writing each
 * package.json (base64, so that no shell sees its quotes).
 */
export const lazyPackageCommands = (projectRoot: string, outputDir: string): string[] =>
  lazyPackageBuilds(projectRoot, outputDir).flatMap((b) => [
    [quote(esbuildBin(projectRoot)), ...b.esbuildArgs.map(quote)].join(' '),
    [
      quote(process.execPath),
      '-e',
      quote("require('fs').writeFileSync(process.argv[1], Buffer.from(process.argv[2], 'base64'))"),
      quote(b.packageJsonPath),
      Buffer.from(b.packageJson).toString('base64'),
    ].join(' '),
  ]);

/**
 * Props of {@link TriggerhubFunction}.
 */
export interface TriggerhubFunctionProps {
  /** Path of the TypeScript entry point exporting `handler`, relative to `projectRoot` or absolute. */
  readonly entry: string;
  /**
   * What the function does, shown in the console.
   *
   * @default - no description
   */
  readonly description?: string;
  /**
   * @default Duration.seconds(29) (just under the HTTP API's 30 s integration timeout)
   */
  readonly timeout?: Duration;
  /**
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Environment variables of the function.
   *
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Retention of the function's own log group.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Root of the npm project the entry belongs to (lock file, tsconfig.json).
   *
   * @default REPO_ROOT
   */
  readonly projectRoot?: string;
}

/** A problem when `timeout` is outside Lambda's limits; `undefined` passes (the default applies). */
export const checkLambdaTimeout = (name: string, timeout: Duration | undefined): string[] => {
  const seconds = timeout?.toSeconds();
  return seconds === undefined || (seconds >= 1 && seconds <= 900)
    ? []
    : [`${name} (${seconds} s) must be from 1 s to 15 minutes (Lambda limits)`];
};

/** The problems in {@link TriggerhubFunctionProps}, one sentence each; empty when they are valid. */
export const checkTriggerhubFunctionProps = (props: TriggerhubFunctionProps): string[] => {
  const problems = [
    ...checkIntegerInRange('memorySize', props.memorySize, 128, 10240),
    ...checkLambdaTimeout('timeout', props.timeout),
  ];
  const entry = join(props.projectRoot ?? REPO_ROOT, props.entry);
  if (!existsSync(entry)) problems.push(`entry ${entry} does not exist`);
  return problems;
};

/**
 * A triggerhub Lambda function: {@link NODE_RUNTIME} on arm64, bundled by the
 * local esbuild (no Docker) to minified ESM with the AWS SDK included (the
 * code runs against the SDK versions it was tested with), X-Ray tracing, its
 * own log group with a retention, and its own role that may only write to
 * that log group until a grant adds more. Reserved concurrency is left unset:
 * it would carve capacity out of the account's shared pool.
 *
 * Source maps are build output, not loaded at run time: `index.mjs.map` sits
 * next to `index.mjs` in the asset (`cdk.out/asset.<hash>/`), but the
 * function does not run with `--enable-source-maps`, which would make Node
 * read and parse the whole 3–4 MB map at every cold start. To map a stack
 * trace from the logs, either run the bundle locally with
 * `node --enable-source-maps` (or feed the trace and the `.map` to any
 * source-map tool), or, while debugging, set `NODE_OPTIONS=--enable-source-maps`
 * on the deployed function through `environment` and remove it afterwards.
 *
 * The packages of LAZY_PACKAGES (shared/lazy-require.ts) are not in
 * `index.mjs`: the code loads them on first use with a `require` from
 * `createRequire`, and `afterBundling` ships each beside the bundle as
 * `node_modules/<name>/index.cjs` (+ `.map`, and a package.json naming it),
 * built by the same local esbuild (see {@link lazyPackageBuilds}).
 */
export class TriggerhubFunction extends Construct implements IGrantable {
  public readonly lambdaFunction: NodejsFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;
  public readonly grantPrincipal: IPrincipal;

  constructor(scope: Construct, id: string, props: TriggerhubFunctionProps) {
    super(scope, id);
    throwIfProblems(`TriggerhubFunction ${id}`, checkTriggerhubFunctionProps(props));
    const projectRoot = props.projectRoot ?? REPO_ROOT;

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole, whose
    // logs:CreateLogGroup/PutLogEvents apply to every log group in the account.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${Stack.of(this).stackName} ${id}`,
    });
    this.logGroup.grantWrite(this.role);

    this.lambdaFunction = new NodejsFunction(this, 'Function', {
      entry: join(projectRoot, props.entry),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      runtime: NODE_RUNTIME,
      architecture: Architecture.ARM_64,
      description: props.description,
      timeout: props.timeout ?? Duration.seconds(29),
      memorySize: props.memorySize ?? 512,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: { ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        banner: ESM_REQUIRE_BANNER,
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        bundleAwsSDK: true,
        tsconfig: join(projectRoot, 'tsconfig.json'),
        forceDockerBundling: false,
        // Loaded on first use (shared/lazy-require.ts): out of index.mjs, shipped beside it.
        externalModules: [...LAZY_PACKAGES],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_inputDir, outputDir) => lazyPackageCommands(projectRoot, outputDir),
        },
      },
    });
    this.grantPrincipal = this.lambdaFunction.grantPrincipal;

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so their resource is "*".',
    });
  }
}
