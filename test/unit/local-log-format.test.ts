import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { Hono } from 'hono';
import type { EdgeEnv } from '../../shared/http/hono-helpers.ts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startApiServer } from '../../cli/local/apigw-server.ts';
import { httpHandler } from '../../functions/http-handler.ts';
import {
  formatTextLine,
  localFunctionLabel,
  platformLogger,
  resetLogFormat,
  useLocalLogFormat,
} from '../../shared/runtime/platform-logger.ts';
import { RunLogger } from '../../shared/sdk/run-logger.ts';

/** The context the local API server builds (cli/local/apigw-server.ts), fake ARN included. */
const localContext = (functionName: string, awsRequestId = 'req-lambda-1'): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
  memoryLimitInMB: '1024',
  awsRequestId,
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

const at = new Date(2026, 10, 22, 10, 0, 0, 123);
const refusal = {
  level: 'WARN',
  message: 'webhook refused',
  timestamp: at.toISOString(),
  service: 'triggerhub',
  jobId: 'demo',
  status: 401,
  reason: 'unauthorized',
  requestId: 'b7c1e2d0-1',
  sourceIp: '127.0.0.1',
};

/** Captures what the platform logger writes, as the local start would print it. */
const capture = (format: 'text' | 'json'): { lines: { line: string; level: string }[] } => {
  const out = { lines: [] as { line: string; level: string }[] };
  useLocalLogFormat(format, (line, level) => out.lines.push({ line, level }));
  return out;
};

afterEach(() => {
  resetLogFormat();
  vi.restoreAllMocks();
});

describe('formatTextLine', () => {
  it('renders a refusal as one line: time, level, function, message, status and reason, then fields', () => {
    expect(formatTextLine(refusal, 'triggerhub-/')).toBe(
      '10:00:00.123 WARN  ingest  webhook refused 401 unauthorized job=demo ip=127.0.0.1 req=b7c1e2d0-1',
    );
  });

  it('puts the run id after the function and the other fields as key=value', () => {
    const line = formatTextLine(
      {
        level: 'INFO',
        message: 'run finished',
        timestamp: at.toISOString(),
        runId: '01KABCDEF',
        jobId: 'demo',
        status: 'succeeded',
        attempt: 2,
      },
      'triggerhub-worker',
    );
    expect(line).toBe(
      '10:00:00.123 INFO  worker  01KABCDEF run finished job=demo status=succeeded attempt=2',
    );
  });

  it("spreads an integration log line's extra and quotes values that are not plain words", () => {
    const line = formatTextLine({
      level: 'INFO',
      message: 'issue created',
      timestamp: at.toISOString(),
      runId: 'R1',
      jobId: 'j',
      extra: { key: 'OPS-12', note: 'two words', nested: { a: 1 } },
    });
    expect(line).toBe(
      '10:00:00.123 INFO  -       R1 issue created job=j key=OPS-12 note="two words" nested={"a":1}',
    );
  });

  it('cannot be made to print a second line (control characters are escaped)', () => {
    const line = formatTextLine({
      level: 'WARN',
      message: 'webhook refused\n10:00:00.000 INFO  ingest  delivery accepted',
      timestamp: at.toISOString(),
      jobId: 'x\ny',
      reason: 'bad\r\nthing',
    });
    expect(line).not.toMatch(/[\n\r]/);
    expect(line).toContain('webhook refused\\u000a10:00');
    expect(line).toContain('job="x\\ny"');
  });

  it('cuts long field values', () => {
    const line = formatTextLine({
      level: 'INFO',
      message: 'm',
      timestamp: at.toISOString(),
      big: 'a'.repeat(5000),
    });
    expect(line.length).toBeLessThan(300);
    expect(line).toMatch(/big=a{200}…$/);
  });

  it('names the local functions as people call them', () => {
    expect(localFunctionLabel('triggerhub-/')).toBe('ingest');
    expect(localFunctionLabel('triggerhub-/admin')).toBe('admin');
    expect(localFunctionLabel('triggerhub-worker')).toBe('worker');
    expect(localFunctionLabel(undefined)).toBe('-');
  });
});

describe('platformLogger, local text output', () => {
  it('writes a refusal as one readable line with no Lambda ARN, memory size or cold start', () => {
    // Prepare
    const out = capture('text');
    platformLogger.addContext(localContext('triggerhub-/'));
    // Act
    platformLogger.warn('webhook refused', {
      jobId: 'demo',
      status: 401,
      reason: 'unauthorized',
      requestId: 'r-1',
      sourceIp: '127.0.0.1',
    });
    // Assess
    expect(out.lines).toHaveLength(1);
    const [{ line, level } = { line: '', level: '' }] = out.lines;
    expect(level).toBe('WARN');
    expect(line).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}ingest {2}webhook refused 401 unauthorized job=demo ip=127\.0\.0\.1 req=r-1$/,
    );
    expect(line).not.toMatch(/arn:|000000000000|1024|cold/);
  });

  it("makes a run logger's lines (integration logs) readable too, with the run id", () => {
    const out = capture('text');
    platformLogger.addContext(localContext('triggerhub-worker'));
    const logger = new RunLogger({
      runId: '01KRUN',
      jobId: 'demo',
      clock: { now: () => at },
      logger: platformLogger,
    });
    logger.info('issue created', { key: 'OPS-12' });
    expect(out.lines.map((l) => l.line.replace(/^\S+ /, ''))).toEqual([
      'INFO  worker  01KRUN issue created job=demo key=OPS-12',
    ]);
  });

  it('labels each line with its own invocation when invocations interleave in one process', async () => {
    // Prepare: the local server and poller run every function in this one process
    const out = capture('text');
    const invoke = async (name: string, message: string, gate: Promise<void>): Promise<void> => {
      platformLogger.addContext(localContext(name));
      await gate;
      platformLogger.info(message);
    };
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    // Act: the worker starts first, ingest second, then both log
    const worker = invoke('triggerhub-worker', 'from the worker', gate);
    const ingest = invoke('triggerhub-/', 'from ingest', gate);
    open();
    await Promise.all([worker, ingest]);
    // Assess
    expect(out.lines.map((l) => l.line.replace(/^\S+ /, '')).sort()).toEqual([
      'INFO  ingest  from ingest',
      'INFO  worker  from the worker',
    ]);
  });
});

describe('platformLogger, local JSON output', () => {
  it('is Powertools JSON without the fake Lambda context', () => {
    const out = capture('json');
    platformLogger.addContext(localContext('triggerhub-worker', 'req-9'));
    platformLogger.info('run finished', { runId: 'R1', jobId: 'demo', status: 'succeeded' });
    expect(out.lines).toHaveLength(1);
    const item = JSON.parse(out.lines[0]?.line ?? '') as Record<string, unknown>;
    expect(item).toMatchObject({
      level: 'INFO',
      message: 'run finished',
      service: 'triggerhub',
      runId: 'R1',
      jobId: 'demo',
      status: 'succeeded',
      function_name: 'triggerhub-worker',
      function_request_id: 'req-9',
    });
    for (const key of ['function_arn', 'function_memory_size', 'cold_start', 'sampling_rate']) {
      expect(item).not.toHaveProperty(key);
    }
  });
});

describe('platformLogger in Lambda (no local format)', () => {
  it('prints Powertools JSON with the Lambda context, unchanged', () => {
    // Prepare: Powertools writes through a Console on process.stdout
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    platformLogger.addContext(localContext('triggerhub-Ingest', 'aws-req-1'));
    // Act
    platformLogger.info('delivery accepted', { jobId: 'demo' });
    // Assess
    vi.mocked(process.stdout.write).mockRestore();
    const item = JSON.parse(written.join('')) as Record<string, unknown>;
    expect(item).toMatchObject({
      level: 'INFO',
      message: 'delivery accepted',
      jobId: 'demo',
      function_arn: 'arn:aws:lambda:local:000000000000:function:triggerhub-Ingest',
      function_name: 'triggerhub-Ingest',
      function_request_id: 'aws-req-1',
    });
  });
});

describe('a refused webhook through the local API server', () => {
  it('shows in the text output as one line with job, status and reason, and no ARN', async () => {
    // Prepare: an ingest-shaped app that refuses and logs as the ingest app does, behind the
    // same server and handler wrapper npm start uses
    const out = capture('text');
    const app = new Hono<EdgeEnv>();
    app.post('/hooks/:jobId', (c) => {
      const { event } = c.env as { event: APIGatewayProxyEventV2 };
      platformLogger.warn('webhook refused', {
        jobId: c.req.param('jobId'),
        status: 401,
        reason: 'unauthorized',
        requestId: event.requestContext.requestId,
        sourceIp: event.requestContext.http.sourceIp,
      });
      return c.json({ error: 'unauthorized', message: 'missing or wrong secret' }, 401);
    });
    const api = await startApiServer([{ prefix: '/', handler: httpHandler(app) }], { port: 0 });
    try {
      // Act
      const res = await fetch(`${api.url}/hooks/demo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shared-secret': 'wrong-secret-value' },
        body: '{}',
      });
      // Assess
      expect(res.status).toBe(401);
    } finally {
      await api.close();
    }
    expect(out.lines).toHaveLength(1);
    const line = out.lines[0]?.line ?? '';
    expect(line).toMatch(
      / WARN {2}ingest {2}webhook refused 401 unauthorized job=demo ip=127\.0\.0\.1 req=[\w-]+$/,
    );
    expect(line).not.toContain('arn:');
    expect(line).not.toContain('wrong-secret-value');
  });
});

describe('every platform log event is bounded (16 KiB), whatever it quotes', () => {
  const MAX = 16 * 1024;
  const huge = 'a'.repeat(1_000_000);
  /** A control character is 6 bytes in JSON: a cut by characters or raw bytes alone would overshoot. */
  const controls = '\u0001'.repeat(100_000);
  const manyKeys = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`key${i}`, `value ${i}`]));

  it('text: cuts the message at 8 KiB and the whole line at 16 KiB, keeping the 200-character field cut', () => {
    const out = capture('text');
    platformLogger.warn(`denied: subject ${huge}`, { jobId: 'demo', subject: huge });
    platformLogger.info('many fields', { extra: manyKeys });
    const [first, second] = out.lines.map((l) => l.line);
    expect(first).toMatch(/ …\[cut\] job=demo subject=a{200}…$/);
    expect(Buffer.byteLength(first ?? '')).toBeLessThan(9 * 1024);
    expect(Buffer.byteLength(second ?? '')).toBeLessThanOrEqual(MAX);
    expect(second?.endsWith(' …[cut]')).toBe(true);
  });

  it.each([
    ['a 1 MB message and field', () => platformLogger.info(`ticket: ${huge}`, { subject: huge })],
    ['control characters', () => platformLogger.info(controls, { reason: controls })],
    ['an extra object of 5,000 keys', () => platformLogger.info('many', { extra: manyKeys })],
    [
      'many large fields',
      () =>
        platformLogger.info(
          'm',
          Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, huge.slice(0, 10_000)])),
        ),
    ],
  ])('json: %s gives one valid JSON line of at most 16 KiB, values cut', (_label, log) => {
    const out = capture('json');
    platformLogger.addContext(localContext('triggerhub-worker'));
    log();
    expect(out.lines).toHaveLength(1);
    const line = out.lines[0]?.line ?? '';
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX);
    const item = JSON.parse(line) as Record<string, unknown>;
    expect(item).toMatchObject({ level: 'INFO', service: 'triggerhub', function_name: 'triggerhub-worker' });
    // eslint-disable-next-line no-control-regex -- the control characters are the input under test
    expect(String(item.message)).toMatch(/^(ticket: a+|\u0001+|many|m)( …\[cut\])?$/);
  });

  it('json: keeps small lines whole, values as they were', () => {
    const out = capture('json');
    platformLogger.info('run finished', { jobId: 'demo', attempt: 2, extra: { a: [1, 2] } });
    const item = JSON.parse(out.lines[0]?.line ?? '') as Record<string, unknown>;
    expect(item).toMatchObject({ message: 'run finished', jobId: 'demo', attempt: 2, extra: { a: [1, 2] } });
    expect(item).not.toHaveProperty('droppedFields');
  });

  it('json: counts the fields it had no room for', () => {
    const out = capture('json');
    platformLogger.info(
      'm',
      Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, huge.slice(0, 10_000)])),
    );
    const item = JSON.parse(out.lines[0]?.line ?? '') as Record<string, unknown>;
    expect(item.f0).toMatch(/^a+ …\[cut\]$/);
    expect(item.droppedFields).toBeGreaterThan(40);
  });

  it('in Lambda (Powertools JSON, no local format): a 1 MB message and field give one valid line of at most 16 KiB', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    platformLogger.addContext(localContext('triggerhub-Ingest', 'aws-req-2'));
    platformLogger.info(`denied: ${huge}`, { subject: huge, err: new Error(huge) });
    vi.mocked(process.stdout.write).mockRestore();
    const line = written.join('').trimEnd();
    expect(line.split('\n')).toHaveLength(1);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX);
    const item = JSON.parse(line) as Record<string, unknown>;
    expect(item).toMatchObject({
      level: 'INFO',
      function_name: 'triggerhub-Ingest',
      function_request_id: 'aws-req-2',
    });
    expect(String(item.message)).toMatch(/^denied: a+ …\[cut\]$/);
    expect(String(item.subject)).toMatch(/^a+ …\[cut\]$/);
  });

  it('bounds a run logger line end to end: redacted, cut at 8 KiB, then within the event cap', () => {
    const out = capture('json');
    const logger = new RunLogger({
      runId: 'R1',
      jobId: 'demo',
      clock: { now: () => at },
      logger: platformLogger,
      redact: ['top-secret-value'],
    });
    logger.info(`${'x'.repeat(8 * 1024 - 20)}top-secret-value${huge}`, { blob: huge });
    const line = out.lines[0]?.line ?? '';
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX);
    expect(line).not.toContain('top-');
    expect(JSON.parse(line)).toMatchObject({ runId: 'R1', jobId: 'demo' });
  });
});
