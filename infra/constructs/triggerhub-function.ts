import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { AssetHashType, DockerImage, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IGrantable, IPrincipal } from 'aws-cdk-lib/aws-iam';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NODE_RUNTIME, REPO_ROOT, bundleFunction } from '../function-bundle.ts';
import { checkIntegerInRange, throwIfProblems } from '../props-check.ts';

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
   * Root of the npm project the entry belongs to (node_modules, tsconfig.json).
   *
   * @default REPO_ROOT
   */
  readonly projectRoot?: string;
  /**
   * More modules built beside `index.mjs`, by output name (see `bundleFunction`).
   *
   * @default - none
   */
  readonly extraEntries?: Readonly<Record<string, string>>;
  /**
   * Installed packages shipped as they are under `node_modules/`, with their
   * dependencies (see `bundleFunction`).
   *
   * @default - none
   */
  readonly nodeModules?: readonly string[];
  /**
   * Whether the function is traced with X-Ray (which needs `xray:Put*` on "*").
   *
   * @default true
   */
  readonly tracing?: boolean;
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
  const root = props.projectRoot ?? REPO_ROOT;
  for (const path of [props.entry, ...Object.values(props.extraEntries ?? {})]) {
    const entry = resolve(root, path);
    if (!existsSync(entry)) problems.push(`entry ${entry} does not exist`);
  }
  return problems;
};

/**
 * A triggerhub Lambda function: {@link NODE_RUNTIME} on arm64, bundled by the
 * local esbuild (no Docker) through {@link bundleFunction} — the same build
 * the cold-start bench measures — X-Ray tracing, its own log group with a
 * retention, and its own role that may only write to that log group until a
 * grant adds more. Reserved concurrency is left unset: it would carve
 * capacity out of the account's shared pool.
 *
 * The asset (`cdk.out/asset.<hash>/`, hashed on its content) holds:
 * - `index.mjs` (Lambda's `index.handler`) and `chunks/*.mjs`: minified ESM,
 *   the AWS SDK included (the code runs against the SDK versions it was
 *   tested with), split by esbuild so that what the entry loads with
 *   `import()` is not evaluated at cold start. `aws-lambda-nodejs`'s
 *   `NodejsFunction` cannot split (it builds one `--outfile`), hence a plain
 *   `Function` with local bundling.
 * - a `.map` beside each `.mjs`: build output, not loaded at run time. The
 *   function does not run with `--enable-source-maps`, which would make Node
 *   read and parse the maps (3–4 MB) at every cold start. To map a stack
 *   trace from the logs, either run the bundle locally with
 *   `node --enable-source-maps` (or feed the trace and the `.map` to any
 *   source-map tool), or, while debugging, set
 *   `NODE_OPTIONS=--enable-source-maps` on the deployed function through
 *   `environment` and remove it afterwards.
 * - `node_modules/<name>/index.cjs` (+ `.map`, and a package.json naming it)
 *   for each package of LAZY_PACKAGES (shared/lazy-require.ts): not in any
 *   `.mjs`, the code loads them on first use with a `require` from
 *   `createRequire`, which finds them there (see `lazyPackageFiles`).
 *
 * - with `extraEntries`, more `.mjs` entries beside `index.mjs` (the script
 *   runner's worker thread, `script-thread.mjs`), and with `nodeModules`,
 *   those installed packages whole, with their dependencies, under
 *   `node_modules/` (the modules uploaded scripts may `require`).
 *
 * A synth with bundling skipped (`aws:cdk:bundling-stacks: []`) builds
 * nothing: the asset then stands for the project directory under a hash of
 * the construct's path, as CDK does for any skipped output-hashed asset.
 */
export class TriggerhubFunction extends Construct implements IGrantable {
  public readonly lambdaFunction: LambdaFunction;
  public readonly role: Role;
  public readonly logGroup: LogGroup;
  public readonly grantPrincipal: IPrincipal;

  constructor(scope: Construct, id: string, props: TriggerhubFunctionProps) {
    super(scope, id);
    throwIfProblems(`TriggerhubFunction ${id}`, checkTriggerhubFunctionProps(props));
    const projectRoot = props.projectRoot ?? REPO_ROOT;
    const entry = resolve(projectRoot, props.entry);
    const extraEntries = props.extraEntries ?? {};
    const nodeModules = props.nodeModules ?? [];
    const tracing = props.tracing ?? true;

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

    const code = Code.fromAsset(projectRoot, {
      // Hashed on the bundle: a change anywhere in what it contains deploys,
      // and nothing else does (the project directory itself is never hashed).
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Never pulled: local bundling always succeeds or throws. CDK's
        // bundling options require an image.
        image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
        // CDK caches staged assets per process by a key made of these options,
        // where `local` (a function) counts for nothing: the entry must be in
        // the key, or every function of a stack would get the first one's
        // bundle. Never run (no Docker); it names what the asset is.
        command: [
          'bundled-locally',
          relative(projectRoot, entry).replaceAll('\\', '/'),
          ...Object.entries(extraEntries).map(([out, path]) => `${out}=${path}`),
          ...nodeModules.map((name) => `node_modules/${name}`),
        ],
        local: {
          tryBundle(outputDir) {
            bundleFunction({ entry, outDir: outputDir, projectRoot, extraEntries, nodeModules });
            return true;
          },
        },
      },
    });

    this.lambdaFunction = new LambdaFunction(this, 'Function', {
      code,
      handler: 'index.handler',
      runtime: NODE_RUNTIME,
      architecture: Architecture.ARM_64,
      description: props.description,
      timeout: props.timeout ?? Duration.seconds(29),
      memorySize: props.memorySize ?? 512,
      role: this.role,
      logGroup: this.logGroup,
      // DISABLED: no tracing config and no X-Ray grant (PASS_THROUGH would still grant xray:Put* on "*").
      tracing: tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: { ...props.environment },
    });
    this.grantPrincipal = this.lambdaFunction.grantPrincipal;

    if (tracing) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so their resource is "*".',
      });
    }
  }
}
