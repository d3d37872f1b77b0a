import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as LazyRequire from '../../shared/lazy-require.ts';
import { powertoolsLogThreshold } from '../../shared/runtime/platform-logger.ts';

/** Which packages shared/lazy-require.ts has loaded, by name (reset with the module graph). */
const loads = vi.hoisted(() => [] as string[]);
vi.mock('../../shared/lazy-require.ts', async (importOriginal) => {
  const real = await importOriginal<typeof LazyRequire>();
  return {
    ...real,
    lazyModule: <T>(name: Parameters<typeof real.lazyModule>[0]) => {
      const load = real.lazyModule<T>(name);
      return () => {
        if (!loads.includes(name)) loads.push(name);
        return load();
      };
    },
  };
});

const LOGGER_PACKAGE = '@aws-lambda-powertools/logger';

const lambdaContext = (awsRequestId: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'triggerhub-ingest',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:triggerhub-ingest',
  memoryLimitInMB: '512',
  awsRequestId,
  logGroupName: '/aws/lambda/triggerhub-ingest',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** What Powertools writes to stdout and stderr (WARN and above), in order. */
const captureOutput = (): string[] => {
  const out: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
  }
  return out;
};

/** A fresh platform-logger module (its Logger not built yet) and the JSON lines it writes. */
const freshPlatformLogger = async () => {
  vi.resetModules();
  loads.length = 0;
  const out = captureOutput();
  const { platformLogger } = await import('../../shared/runtime/platform-logger.ts');
  return {
    platformLogger,
    out,
    get lines() {
      return out.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
};

/** Every level variable Powertools reads, cleared so that each case sets only its own. */
const LEVEL_VARIABLES = [
  'AWS_LAMBDA_LOG_LEVEL',
  'POWERTOOLS_LOG_LEVEL',
  'LOG_LEVEL',
  'POWERTOOLS_LOGGER_SAMPLE_RATE',
];

beforeEach(() => {
  for (const name of LEVEL_VARIABLES) vi.stubEnv(name, undefined);
  vi.stubEnv('POWERTOOLS_DEV', undefined);
  vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
  vi.useFakeTimers({ now: new Date('2026-11-29T08:00:00.000Z'), toFake: ['Date'] });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('powertoolsLogThreshold', () => {
  const cases: [string, Record<string, string>][] = [
    ['nothing set: INFO', {}],
    ['LOG_LEVEL', { LOG_LEVEL: 'DEBUG' }],
    ['POWERTOOLS_LOG_LEVEL before LOG_LEVEL', { POWERTOOLS_LOG_LEVEL: 'WARN', LOG_LEVEL: 'DEBUG' }],
    ['an empty POWERTOOLS_LOG_LEVEL falls to LOG_LEVEL', { POWERTOOLS_LOG_LEVEL: ' ', LOG_LEVEL: 'ERROR' }],
    [
      'Lambda advanced logging controls before both',
      { AWS_LAMBDA_LOG_LEVEL: 'ERROR', POWERTOOLS_LOG_LEVEL: 'DEBUG' },
    ],
    ['FATAL is CRITICAL', { AWS_LAMBDA_LOG_LEVEL: 'FATAL' }],
    ['values are trimmed', { POWERTOOLS_LOG_LEVEL: ' SILENT ' }],
    ['lower case names no level', { POWERTOOLS_LOG_LEVEL: 'debug' }],
    ['an unknown name is ignored', { AWS_LAMBDA_LOG_LEVEL: 'VERBOSE', LOG_LEVEL: 'TRACE' }],
    ['a sample rate of 0 samples nothing', { POWERTOOLS_LOGGER_SAMPLE_RATE: '0', LOG_LEVEL: 'WARN' }],
  ];

  it.each(cases)('takes the level a Powertools Logger takes: %s', (_name, env) => {
    // Prepare
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    // Act
    const ours = powertoolsLogThreshold();
    // Assess: the Logger itself, built under the same environment, is the reference
    expect(ours).toBe(new Logger({ serviceName: 'triggerhub' }).level);
  });

  it('cannot know the level when debug sampling may switch it', () => {
    expect(
      powertoolsLogThreshold({ POWERTOOLS_LOGGER_SAMPLE_RATE: '0.5', LOG_LEVEL: 'WARN' }),
    ).toBeUndefined();
  });
});

describe('platformLogger before its first line', () => {
  it('filters a line below the level without loading Powertools', async () => {
    // Prepare
    const logger = await freshPlatformLogger();
    // Act
    logger.platformLogger.addContext(lambdaContext('req-1'));
    logger.platformLogger.debug('delivery accepted', { jobId: 'demo' });
    // Assess
    expect(logger.out).toEqual([]);
    expect(loads).not.toContain(LOGGER_PACKAGE);
  });

  it('builds the Logger at the first line the level lets through, which it writes as Powertools would', async () => {
    // Prepare
    const logger = await freshPlatformLogger();
    logger.platformLogger.addContext(lambdaContext('req-1'));
    // Act
    logger.platformLogger.info('delivery accepted', { jobId: 'demo' });
    // Assess
    expect(loads).toContain(LOGGER_PACKAGE);
    expect(logger.lines).toEqual([
      {
        level: 'INFO',
        message: 'delivery accepted',
        timestamp: '2026-11-29T08:00:00.000Z',
        service: 'triggerhub',
        cold_start: true,
        function_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:triggerhub-ingest',
        function_memory_size: '512',
        function_name: 'triggerhub-ingest',
        function_request_id: 'req-1',
        sampling_rate: 0,
        jobId: 'demo',
      },
    ]);
  });

  it('writes the same JSON line, byte for byte, as a Logger built at import', async () => {
    // Prepare: the reference, a plain Powertools Logger built first, with the same context
    const reference = captureOutput();
    const eager = new Logger({ serviceName: 'triggerhub' });
    eager.addContext(lambdaContext('req-1'));
    eager.info('run finished', { runId: 'R1', jobId: 'demo', attempt: 2 });
    eager.warn('secret cannot be read', { jobId: 'demo' });
    vi.restoreAllMocks();
    const logger = await freshPlatformLogger();
    // Act
    logger.platformLogger.addContext(lambdaContext('req-1'));
    logger.platformLogger.info('run finished', { runId: 'R1', jobId: 'demo', attempt: 2 });
    logger.platformLogger.warn('secret cannot be read', { jobId: 'demo' });
    // Assess
    expect(logger.out).toEqual(reference);
    expect(reference).toHaveLength(2);
  });

  it('reports no cold start when the first line comes in a later invocation, with that invocation’s context', async () => {
    // Prepare
    const logger = await freshPlatformLogger();
    logger.platformLogger.addContext(lambdaContext('req-1'));
    logger.platformLogger.debug('delivery accepted');
    logger.platformLogger.addContext(lambdaContext('req-2'));
    // Act
    logger.platformLogger.error('could not accept delivery');
    logger.platformLogger.addContext(lambdaContext('req-3'));
    logger.platformLogger.info('delivery accepted');
    // Assess
    expect(logger.lines.map((l) => [l.function_request_id, l.cold_start])).toEqual([
      ['req-2', false],
      ['req-3', false],
    ]);
  });

  it('takes the invocation context from addPlatformContext as from addContext, before and after the Logger exists', async () => {
    // Prepare
    const logger = await freshPlatformLogger();
    const { addPlatformContext } = await import('../../shared/runtime/platform-logger.ts');
    addPlatformContext(lambdaContext('req-1'));
    // Act
    logger.platformLogger.info('delivery accepted');
    addPlatformContext(lambdaContext('req-2'));
    logger.platformLogger.info('delivery accepted');
    // Assess
    expect(logger.lines.map((l) => [l.function_request_id, l.cold_start])).toEqual([
      ['req-1', true],
      ['req-2', false],
    ]);
  });

  it('hands any other member to the Logger, built for it', async () => {
    // Prepare
    const { platformLogger } = await freshPlatformLogger();
    // Act
    platformLogger.appendPersistentKeys({ tenant: 'acme' });
    // Assess
    expect(loads).toContain(LOGGER_PACKAGE);
    expect(platformLogger.getPersistentLogAttributes()).toEqual({ tenant: 'acme' });
  });
});
