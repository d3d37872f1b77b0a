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
  /**
   * The commands the function's code imports, by service (DynamoDB's from
   * the document client, `@aws-sdk/lib-dynamodb`): the SDK work any
   * implementation of the function needs, which its SDK-only baseline
   * imports too. Exactly what the bundle imports (checked against esbuild's
   * metafile, test/unit/lambda-import-graph.test.ts), so it cannot be padded.
   */
  readonly sends: Readonly<Partial<Record<SdkService, readonly string[]>>>;
}

/**
 * The document-client commands of the three stores (shared/store/*), which
 * every function imports whole, and of the run queue (shared/queue): a class
 * brings the commands of all its methods, so a function imports some it
 * never sends (ingest: Scan, ChangeMessageVisibility).
 */
const STORE_COMMANDS = [
  // Schedules' getMany (the jobs grid): one BatchGetItem per page of jobs.
  'BatchGetCommand',
  'DeleteCommand',
  'GetCommand',
  'PutCommand',
  'QueryCommand',
  'ScanCommand',
  'UpdateCommand',
] as const;
/** Beside them, where the checkpoint store is imported (not the sweeper): the jobs grid's BatchGetItem. */
const TOOLBOX_STORE_COMMANDS = ['BatchGetCommand', ...STORE_COMMANDS] as const;
const QUEUE_COMMANDS = [
  'ChangeMessageVisibilityCommand',
  'SendMessageBatchCommand',
  'SendMessageCommand',
] as const;

/** Ingest and the worker, the two functions on a run's path, call the same services with the same commands. */
const PIPELINE_SDK = {
  calls: ['dynamodb', 'sqs', 's3', 'secretsManager'],
  sends: {
    dynamodb: TOOLBOX_STORE_COMMANDS,
    sqs: QUEUE_COMMANDS,
    s3: ['GetObjectCommand', 'PutObjectCommand'],
    // Job secrets (GetSecretValue), masked globals (BatchGetSecretValue, 20 a call).
    secretsManager: ['BatchGetSecretValueCommand', 'GetSecretValueCommand'],
  },
} as const satisfies Omit<LambdaEntry, 'entry'>;

/**
 * Which AWS services each Lambda function calls: the one list the cold-start
 * bench builds its per-function SDK-only baselines from, and the import-graph
 * test checks the bundles against. Ingest keeps large events in S3 (claim
 * check) and reads job secrets; the worker reads both back and moves its SQS
 * message (retry back-off); admin reads and writes the table, and writes
 * masked globals to Secrets Manager and reads job secrets (a ticket job's target calls) only when
 * a request needs it; the sweeper reads the table
 * and requeues runs; the scheduler fires schedules' occurrences (table, queue).
 */
export const LAMBDA_ENTRIES = {
  ingest: { entry: 'functions/ingest/index.ts', ...PIPELINE_SDK },
  worker: { entry: 'functions/worker/index.ts', ...PIPELINE_SDK },
  admin: {
    entry: 'functions/admin/index.ts',
    // Secrets Manager in chunks of their own, loaded by the first write of a masked global's value
    // or the first read of a job secret (functions/admin/deps.ts): a ticket job's calls to its target
    // (validate on apply, queues, fields) resolve its password parameters, and the masked globals, as
    // a run does. S3 likewise, by the first upload or
    // download of a script's source (or an event too large for a replayed run's item). SQS: the
    // runs it makes (replays, redrives) go on the run queue; the dead-letter queue is read
    // (received, hidden, shown again) and its messages deleted.
    calls: ['dynamodb', 'sqs', 's3', 'secretsManager'],
    sends: {
      dynamodb: TOOLBOX_STORE_COMMANDS,
      sqs: [
        ...QUEUE_COMMANDS,
        'ChangeMessageVisibilityBatchCommand',
        'DeleteMessageCommand',
        'ReceiveMessageCommand',
      ],
      s3: ['GetObjectCommand', 'PutObjectCommand'],
      secretsManager: [
        'BatchGetSecretValueCommand',
        'CreateSecretCommand',
        'DeleteSecretCommand',
        'GetSecretValueCommand',
        'PutSecretValueCommand',
      ],
    },
  },
  sweeper: {
    entry: 'functions/sweeper/index.ts',
    calls: ['dynamodb', 'sqs'],
    sends: { dynamodb: STORE_COMMANDS, sqs: QUEUE_COMMANDS },
  },
  // The scheduler reads schedules, jobs and leases, claims occurrences, records runs, and enqueues them.
  scheduler: {
    entry: 'functions/scheduler/index.ts',
    calls: ['dynamodb', 'sqs'],
    sends: { dynamodb: STORE_COMMANDS, sqs: QUEUE_COMMANDS },
  },
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

/** The package a service's commands are imported from: DynamoDB's through the document client. */
const COMMAND_PACKAGE: Record<SdkService, string> = {
  dynamodb: '@aws-sdk/lib-dynamodb',
  sqs: '@aws-sdk/client-sqs',
  s3: '@aws-sdk/client-s3',
  secretsManager: '@aws-sdk/client-secrets-manager',
};

/** What each service's baseline constructs: the client the way shared/aws/*-client.ts does. */
const BASELINE_CLIENT: Record<SdkService, { imports: string[]; construct: string }> = {
  dynamodb: {
    imports: [
      'DynamoDBClient from @aws-sdk/client-dynamodb',
      'DynamoDBDocumentClient from @aws-sdk/lib-dynamodb',
    ],
    construct:
      'DynamoDBDocumentClient.from(new DynamoDBClient({ region }), { marshallOptions: { removeUndefinedValues: true } })',
  },
  sqs: { imports: ['SQSClient from @aws-sdk/client-sqs'], construct: 'new SQSClient({ region })' },
  s3: { imports: ['S3Client from @aws-sdk/client-s3'], construct: 'new S3Client({ region })' },
  secretsManager: {
    imports: ['SecretsManagerClient from @aws-sdk/client-secrets-manager'],
    construct: 'new SecretsManagerClient({ region })',
  },
};

/**
 * The source of a function's SDK-only baseline: "the same SDK, the same
 * required work". It constructs the clients the function calls at module
 * scope and imports and references (never sends) the commands it imports,
 * so the SDK code any implementation needs for those calls (command classes,
 * their serde, the document client's marshalling, S3's checksums for
 * PutObject) counts on both sides; its handler does nothing else.
 */
export const baselineSource = ({ calls, sends }: LambdaEntry): string => {
  const imports = new Map<string, string[]>();
  const add = (pkg: string, name: string): void => {
    imports.set(pkg, [...(imports.get(pkg) ?? []), name]);
  };
  for (const s of calls) {
    for (const spec of BASELINE_CLIENT[s].imports) {
      const [name = '', pkg = ''] = spec.split(' from ');
      add(pkg, name);
    }
  }
  const commands = calls.flatMap((s) => sends[s] ?? []);
  for (const s of calls) for (const c of sends[s] ?? []) add(COMMAND_PACKAGE[s], c);
  return [
    ...[...imports].map(([pkg, names]) => `import { ${names.join(', ')} } from '${pkg}';`),
    '',
    "const region = process.env.AWS_REGION ?? 'us-east-1';",
    `const clients = [${calls.map((s) => BASELINE_CLIENT[s].construct).join(', ')}];`,
    `const commands = [${commands.join(', ')}];`,
    '',
    'export const handler = async () => ({ statusCode: 200, body: String(clients.length + commands.length) });',
    '',
  ].join('\n');
};

/**
 * The SDK command modules whose code is in a bundle (`<package>/<Name>Command`),
 * from esbuild's metafile: after tree-shaking, so a command imported and
 * dropped does not count. Includes those the SDK reaches by itself (the
 * document client's low-level commands, DescribeEndpoints, S3 CreateSession),
 * which a baseline built from the same list reaches too.
 */
export const sdkCommandsIn = (metafile: {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}): string[] => {
  const found = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = packageOfInput(input);
      const command = /\/commands\/(\w+Command)\.js$/.exec(input)?.[1];
      if (bytesInOutput > 0 && pkg !== undefined && ALL_CLIENT_PACKAGES.has(pkg) && command !== undefined) {
        found.add(`${pkg}/${command}`);
      }
    }
  }
  return [...found].sort();
};
