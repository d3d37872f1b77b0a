import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import { JobSecret } from '../../infra/constructs/job-secret.ts';
import { PayloadBucket } from '../../infra/constructs/payload-bucket.ts';
import { RunQueue } from '../../infra/constructs/run-queue.ts';
import { TriggerhubFunction } from '../../infra/constructs/triggerhub-function.ts';
import type { LogLevel } from '../../infra/stack.ts';
import { TriggerhubStack, checkTriggerhubStackProps } from '../../infra/stack.ts';

/** What a construct constructor threw, or a failure if it did not throw. */
const thrownBy = (build: () => unknown): ValidationError => {
  try {
    build();
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
};

const emptyStack = (): Stack => new Stack(new App(), 'Test');

describe('TriggerhubStack props check', () => {
  it('accepts the defaults', () => {
    expect(checkTriggerhubStackProps({})).toEqual([]);
  });

  it('throws once, naming every problem, before creating anything', () => {
    // Prepare
    const app = new App();
    // Act
    const error = thrownBy(
      () =>
        new TriggerhubStack(app, 'Bad', {
          maxReceiveCount: 0,
          retentionDays: 0,
          workerTimeout: Duration.minutes(10),
          queueVisibilityTimeout: Duration.minutes(30),
          secretPrefix: 'trigger hub',
          demoSecretName: 'demo!',
          // deliberately outside the type, as a JavaScript caller could pass it
          logLevel: 'LOUD' as LogLevel,
          apiThrottle: { rateLimit: -1, burstLimit: 1.5 },
        }),
    );
    // Assess
    expect(error.code).toBe('invalid_construct_props');
    expect(error.message).toMatch(/^TriggerhubStack Bad: invalid props: /);
    for (const problem of [
      'secretPrefix "trigger hub" must be made of',
      'secretPrefix "trigger hub" must end with "/"',
      'demoSecretName "demo!" must be made of',
      'retentionDays must be an integer from 1 to 3650 (got 0)',
      'maxReceiveCount must be an integer from 1 to 1000 (got 0)',
      'queueVisibilityTimeout (1800 s) must be at least 6 × the consumer timeout (600 s) = 3600 s',
      'logLevel must be one of DEBUG, INFO, WARN, ERROR (got LOUD)',
      'apiThrottle.rateLimit must be positive (got -1)',
      'apiThrottle.burstLimit must be a positive integer (got 1.5)',
    ]) {
      expect(error.message).toContain(problem);
    }
    expect(error.message.split('; ')).toHaveLength(9);
    expect(app.node.findAll().filter((c) => c.node.path.startsWith('Bad/'))).toEqual([]);
  });

  it('rejects a worker timeout beyond the Lambda limit', () => {
    expect(checkTriggerhubStackProps({ workerTimeout: Duration.minutes(16) })).toEqual([
      'workerTimeout (960 s) must be from 1 s to 15 minutes (Lambda limits)',
    ]);
  });

  it('accepts a visibility timeout of exactly 6 × the worker timeout', () => {
    expect(
      checkTriggerhubStackProps({
        workerTimeout: Duration.minutes(2),
        queueVisibilityTimeout: Duration.minutes(12),
      }),
    ).toEqual([]);
  });
});

describe('construct props checks', () => {
  it('RunQueue refuses a visibility timeout under 6 × the consumer timeout', () => {
    const error = thrownBy(
      () =>
        new RunQueue(emptyStack(), 'Queue', {
          consumerTimeout: Duration.minutes(1),
          visibilityTimeout: Duration.seconds(359),
          maxReceiveCount: 1001,
        }),
    );
    expect(error.message).toBe(
      'RunQueue: invalid props: maxReceiveCount must be an integer from 1 to 1000 (got 1001); ' +
        'visibilityTimeout (359 s) must be at least 6 × the consumer timeout (60 s) = 360 s',
    );
  });

  it('RunQueue derives a legal visibility timeout when none is given', () => {
    // Prepare
    const stack = emptyStack();
    // Act
    const queue = new RunQueue(stack, 'Queue', { consumerTimeout: Duration.minutes(1) });
    // Assess
    expect(queue.maxReceiveCount).toBe(3);
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 360,
      RedrivePolicy: { maxReceiveCount: 3 },
    });
  });

  it('PayloadBucket refuses a non-positive expiry', () => {
    const error = thrownBy(
      () => new PayloadBucket(emptyStack(), 'Payloads', { expiryDays: 0, accessLogsExpiryDays: 2.5 }),
    );
    expect(error.message).toContain('expiryDays must be an integer from 1 to 3650 (got 0)');
    expect(error.message).toContain('accessLogsExpiryDays must be an integer from 1 to 3650 (got 2.5)');
  });

  it('JobSecret refuses a prefix without a trailing slash (the IAM wildcard would overreach)', () => {
    const error = thrownBy(
      () => new JobSecret(emptyStack(), 'Secret', { jobSecretName: 'demo', prefix: 'triggerhub' }),
    );
    expect(error.message).toBe(
      'JobSecret Secret: invalid props: secretPrefix "triggerhub" must end with "/"',
    );
  });

  it('TriggerhubFunction names a missing entry, bad memory and bad timeout together', () => {
    const error = thrownBy(
      () =>
        new TriggerhubFunction(emptyStack(), 'Fn', {
          entry: 'functions/nope/index.ts',
          memorySize: 64,
          timeout: Duration.minutes(20),
        }),
    );
    expect(error.message).toContain('memorySize must be an integer from 128 to 10240 (got 64)');
    expect(error.message).toContain('timeout (1200 s) must be from 1 s to 15 minutes');
    expect(error.message).toMatch(/entry .*functions\/nope\/index\.ts does not exist/);
  });
});
