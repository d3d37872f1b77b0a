import type { HttpHandlerOptions, HttpRequest, HttpResponse } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.ts';
import type { ScriptRunInput, ScriptRunResult } from '../../shared/ports.ts';
import { LambdaScriptRunner, MAX_INVOKE_PAYLOAD_BYTES } from '../../shared/scripts/lambda-script-runner.ts';
import { handler } from '../../functions/script-runner/index.ts';
import { useFixedAwsCredentials } from '../helpers/aws-credentials.ts';

// The AWS side: the worker's adapter invoking the script-runner Lambda (on a
// stand-in transport: the real SDK serializes, signs and parses), and the
// Lambda's own handler.

useFixedAwsCredentials();

const INPUT: ScriptRunInput = {
  runId: 'run-1',
  jobId: 'job-1',
  script: { id: 'sync', version: 2, sha256: 'a'.repeat(64) },
  source: "exports.run = () => 'ok';",
  args: {
    arguments: { token: 'resolved-secret' },
    globalArguments: {},
    lastRunDateUtc: null,
    lastSuccessfulRunDateUtc: '2026-11-28T00:00:00.000Z',
    plutoraValues: { JobName: 'Sync' },
    event: { trigger: 'manual' },
  },
  timeoutMs: 5000,
};

const RESULT: ScriptRunResult = {
  status: 'succeeded',
  message: 'synced',
  logs: [{ ts: '2026-11-29T00:00:00.000Z', level: 'INFO', message: 'hello' }],
};

interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
}

/** An SDK request handler answering every call with `answer`, and keeping the requests it got. */
class FakeLambda {
  readonly metadata = { handlerProtocol: 'h1' };
  readonly requests: { path: string; headers: Record<string, string>; body: string }[] = [];
  constructor(private readonly answer: (options?: HttpHandlerOptions) => Promise<Answer> | Answer) {}
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
  async handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }> {
    const body = request.body as Uint8Array | string | undefined;
    this.requests.push({
      path: request.path,
      headers: request.headers,
      body: body === undefined ? '' : Buffer.from(body).toString('utf8'),
    });
    const { status = 200, headers = {}, body: answer } = await this.answer(options);
    return {
      response: {
        statusCode: status,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'req-1', ...headers },
        body: Buffer.from(typeof answer === 'string' ? answer : JSON.stringify(answer)),
      },
    };
  }
}

const runnerOn = (transport: FakeLambda) =>
  new LambdaScriptRunner({
    functionName: 'triggerhub-script-runner',
    region: 'eu-west-1',
    requestHandler: transport,
  });

const never = new AbortController().signal;

describe('LambdaScriptRunner', () => {
  it('invokes the function synchronously with the input, and returns its result', async () => {
    // Prepare
    const transport = new FakeLambda(() => ({ body: RESULT }));
    // Act
    const result = await runnerOn(transport).run(INPUT, never);
    // Assess
    expect(result).toEqual(RESULT);
    expect(transport.requests).toHaveLength(1);
    const [request] = transport.requests;
    expect(request?.path).toBe('/2015-03-31/functions/triggerhub-script-runner/invocations');
    expect(request?.headers['x-amz-invocation-type']).toBe('RequestResponse');
    expect(JSON.parse(request?.body ?? '')).toEqual(INPUT);
  });

  it.each([
    [
      'the runner died (Unhandled): its errorMessage',
      {
        errorType: 'Runtime.ExitError',
        errorMessage: 'RequestId: r-1 Error: Runtime exited with error: signal: killed',
      },
      'RequestId: r-1 Error: Runtime exited with error: signal: killed',
    ],
    ['an error without a message', {}, 'the script runner failed (Unhandled)'],
  ])('a function error is a failed run: %s', async (_what, body, message) => {
    const transport = new FakeLambda(() => ({ headers: { 'x-amz-function-error': 'Unhandled' }, body }));
    expect(await runnerOn(transport).run(INPUT, never)).toEqual({ status: 'failed', message, logs: [] });
  });

  it.each([
    ['not JSON', 'Task timed out'],
    ['a status that is none', { ...RESULT, status: 'stopped' }],
    ['logs that are not lines', { ...RESULT, logs: ['hello'] }],
    ['null', null],
  ])('an answer that is not a result is a failed run: %s', async (_what, body) => {
    const transport = new FakeLambda(() => ({ body }));
    const result = await runnerOn(transport).run(INPUT, never);
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/^the script runner answered something that is not a result \(.+\)$/);
  });

  it('a stop abandons the invocation: failed "stopped"', async () => {
    // Prepare: an invocation that lasts until it is aborted
    const controller = new AbortController();
    let sent!: () => void;
    const invoked = new Promise<void>((resolve) => (sent = resolve));
    const transport = new FakeLambda(
      (options) =>
        new Promise<Answer>((_resolve, reject) => {
          const signal = options?.abortSignal as AbortSignal | undefined;
          signal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
          );
          sent();
        }),
    );
    // Act
    const pending = runnerOn(transport).run(INPUT, controller.signal);
    await invoked;
    controller.abort();
    // Assess
    expect(await pending).toEqual({ status: 'failed', message: 'stopped', logs: [] });
  });

  it('an error of the invocation itself is thrown (the attempt fails as any platform error), and not retried', async () => {
    const transport = new FakeLambda(() => ({
      status: 429,
      headers: { 'x-amzn-errortype': 'TooManyRequestsException' },
      body: { message: 'Rate exceeded' },
    }));
    await expect(runnerOn(transport).run(INPUT, never)).rejects.toThrow('Rate exceeded');
    expect(transport.requests).toHaveLength(1);
  });

  it('refuses an input larger than an invocation takes, without invoking', async () => {
    const transport = new FakeLambda(() => ({ body: RESULT }));
    const big = { ...INPUT, args: { ...INPUT.args, event: 'x'.repeat(MAX_INVOKE_PAYLOAD_BYTES) } };
    const result = await runnerOn(transport).run(big, never);
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(
      /^the script's input is \d+ bytes, more than the 6291456 a Lambda invocation takes$/,
    );
    expect(transport.requests).toEqual([]);
  });
});

describe('the script-runner Lambda handler (functions/script-runner)', () => {
  it('runs the script of its event and answers its result', async () => {
    const source =
      "exports.run = (args) => { console.info('for', args.plutoraValues.JobName); return 'ran ' + args.arguments.token.length; };";
    const result = await handler({ ...INPUT, source });
    expect(result).toEqual({
      status: 'succeeded',
      message: 'ran 15',
      logs: [expect.objectContaining({ level: 'INFO', message: 'for Sync' })],
    });
  });

  it('keeps the deadline within the time the invocation has left, so that it answers timed_out', async () => {
    const context = { getRemainingTimeInMillis: () => 3000 }; // 1 s for the script, 2 s to answer
    const result = await handler(
      { ...INPUT, source: 'exports.run = () => { while (true) {} };', timeoutMs: 60_000 },
      context,
    );
    expect(result).toEqual({ status: 'timed_out', message: 'did not finish within 1 s', logs: [] });
  });

  it("caps the script's heap below the function's memory, so that a hog ends as out of memory", async () => {
    const context = { getRemainingTimeInMillis: () => 60_000, memoryLimitInMB: '384' }; // 384 - 320 for the hosts
    const source =
      'exports.run = () => { const kept = []; while (true) kept.push(new Array(100000).fill(Math.random())); };';
    expect(await handler({ ...INPUT, source, memoryMb: 1024, timeoutMs: 20_000 }, context)).toMatchObject({
      status: 'failed',
      message: 'ran out of memory (limit 64 MiB)',
    });
  });

  it('runs each invocation in a process of its own, gone when it answers: a warm function shares nothing between scripts', async () => {
    // Prepare: a first script that leaves what it can behind in the process that ran it
    const first = await handler({
      ...INPUT,
      source: `exports.run = () => {
        globalThis.leak = 'first job';
        JSON.parse = () => 'hijacked';
        Object.prototype.polluted = 'yes';
        return String(process.pid);
      };`,
    });
    expect(first.status).toBe('succeeded');
    const firstPid = Number(first.message);

    // Act: the next invocation of the same (warm) module
    const second = await handler({
      ...INPUT,
      source: `exports.run = () => JSON.stringify({
        pid: process.pid, leak: typeof globalThis.leak, parse: JSON.parse('1'), polluted: ({}).polluted ?? null,
      });`,
    });

    // Assess
    expect(second.status).toBe('succeeded');
    const seen = JSON.parse(second.message) as {
      pid: number;
      leak: string;
      parse: unknown;
      polluted: unknown;
    };
    expect(seen).toEqual({ pid: expect.any(Number), leak: 'undefined', parse: 1, polluted: null });
    expect(firstPid).not.toBe(process.pid);
    expect(seen.pid).not.toBe(process.pid);
    expect(seen.pid).not.toBe(firstPid);
    // The first script's process is gone (kill 0: ESRCH).
    expect(() => process.kill(firstPid, 0)).toThrow();
  });

  it.each([
    ['no input', undefined, '(root): Invalid input: expected object, received undefined'],
    [
      'no source',
      { ...INPUT, source: undefined },
      'source: Invalid input: expected string, received undefined',
    ],
    ['a deadline of 0', { ...INPUT, timeoutMs: 0 }, 'timeoutMs: Too small: expected number to be >0'],
  ])(
    'answers an event that is no script run input with a failed result: %s',
    async (_what, event, problem) => {
      expect(await handler(event)).toEqual({
        status: 'failed',
        message: `not a script run input: ${problem}`,
        logs: [],
      });
    },
  );
});

describe('TRIGGERHUB_SCRIPT_RUNNER_FUNCTION', () => {
  const required = { TRIGGERHUB_TABLE: 't', TRIGGERHUB_QUEUE_URL: 'q', TRIGGERHUB_PAYLOAD_BUCKET: 'b' };

  it.each([
    'triggerhub-script-runner',
    'triggerhub-prod-ScriptRunner_1:live',
    'arn:aws:lambda:eu-west-1:123456789012:function:triggerhub-script-runner',
    'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:runner:$LATEST',
  ])('accepts a function name or ARN: %s', (value) => {
    expect(
      loadConfig({ ...required, TRIGGERHUB_SCRIPT_RUNNER_FUNCTION: value }).TRIGGERHUB_SCRIPT_RUNNER_FUNCTION,
    ).toBe(value);
  });

  it('is optional (npm start runs scripts in child processes)', () => {
    expect(loadConfig(required).TRIGGERHUB_SCRIPT_RUNNER_FUNCTION).toBeUndefined();
  });

  it.each(['', 'has space', 'arn:aws:s3:::bucket', 'x'.repeat(65)])('refuses %j', (value) => {
    expect(() => loadConfig({ ...required, TRIGGERHUB_SCRIPT_RUNNER_FUNCTION: value })).toThrow(
      'TRIGGERHUB_SCRIPT_RUNNER_FUNCTION: a Lambda function name or ARN',
    );
  });
});
