/**
 * The AWS SDK v3 client packages, by the service each one calls. The
 * DynamoDB document client (`@aws-sdk/lib-dynamodb`) is part of calling
 * DynamoDB, so it counts with its client.
 */
export const SDK_CLIENT_PACKAGES = {
  dynamodb: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'],
  sqs: ['@aws-sdk/client-sqs'],
  s3: ['@aws-sdk/client-s3'],
  secretsManager: ['@aws-sdk/client-secrets-manager'],
} as const;

export type SdkService = keyof typeof SDK_CLIENT_PACKAGES;

export interface LambdaEntry {
  /** The entry the stack deploys (infra/stack.ts), relative to the repository root. */
  readonly entry: string;
  /** The services the function calls: its bundle must contain these clients and no other. */
  readonly calls: readonly SdkService[];
}

/**
 * Which AWS services each Lambda function calls: the one list the cold-start
 * bench builds its per-function SDK-only baselines from, and the import-graph
 * test checks the bundles against. Ingest keeps large events in S3 (claim
 * check) and reads job secrets; the worker reads both back and moves its SQS
 * message (retry back-off); admin only reads and writes the table; the
 * sweeper reads the table and requeues runs.
 */
export const LAMBDA_ENTRIES = {
  ingest: { entry: 'functions/ingest/index.ts', calls: ['dynamodb', 'sqs', 's3', 'secretsManager'] },
  worker: { entry: 'functions/worker/index.ts', calls: ['dynamodb', 'sqs', 's3', 'secretsManager'] },
  admin: { entry: 'functions/admin/index.ts', calls: ['dynamodb'] },
  sweeper: { entry: 'functions/sweeper/index.ts', calls: ['dynamodb', 'sqs'] },
} as const satisfies Record<string, LambdaEntry>;

export type LambdaName = keyof typeof LAMBDA_ENTRIES;

/** `…/node_modules/@scope/pkg/…` → `@scope/pkg`; anything outside node_modules → undefined. */
export const packageOfInput = (input: string): string | undefined =>
  /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];

const ALL_CLIENT_PACKAGES = new Set<string>(Object.values(SDK_CLIENT_PACKAGES).flat());

/**
 * The SDK client packages in a bundle's import graph, from esbuild's
 * metafile: every module esbuild loaded, even one tree-shaking later left
 * out, so a client module imported and unused still counts.
 */
export const sdkClientPackagesIn = (metafile: { inputs: Record<string, unknown> }): string[] => {
  const found = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const pkg = packageOfInput(input);
    if (pkg !== undefined && ALL_CLIENT_PACKAGES.has(pkg)) found.add(pkg);
  }
  return [...found].sort();
};

/** The client packages a function's bundle must contain: exactly those of the services it calls. */
export const expectedClientPackages = (calls: readonly SdkService[]): string[] =>
  calls.flatMap((s) => [...SDK_CLIENT_PACKAGES[s]]).sort();
