import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.ts';

const required = { TRIGGERHUB_TABLE: 't', TRIGGERHUB_QUEUE_URL: 'q', TRIGGERHUB_PAYLOAD_BUCKET: 'b' };

describe('loadConfig', () => {
  it('fills in every default', () => {
    expect(loadConfig(required)).toEqual({
      ...required,
      TRIGGERHUB_SECRET_PREFIX: 'triggerhub/',
      TRIGGERHUB_MAX_RECEIVE_COUNT: 3,
      TRIGGERHUB_RETRY_BASE_SECONDS: 10,
      TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS: 1800,
      TRIGGERHUB_WORKER_TIMEOUT_SECONDS: 300,
      TRIGGERHUB_RETENTION_DAYS: 30,
      TRIGGERHUB_SECRET_CACHE_SECONDS: 60,
      AWS_REGION: 'us-east-1',
    });
  });

  it('reads numbers from text and keeps the endpoints', () => {
    // Act
    const config = loadConfig({
      ...required,
      TRIGGERHUB_RETRY_BASE_SECONDS: '0',
      TRIGGERHUB_RETENTION_DAYS: '3650',
      TRIGGERHUB_DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
    });
    // Assess
    expect(config).toMatchObject({
      TRIGGERHUB_RETRY_BASE_SECONDS: 0,
      TRIGGERHUB_RETENTION_DAYS: 3650,
      TRIGGERHUB_DYNAMODB_ENDPOINT: 'http://127.0.0.1:4567',
    });
  });

  it.each([
    [{ TRIGGERHUB_MAX_RECEIVE_COUNT: '1.5' }, 'TRIGGERHUB_MAX_RECEIVE_COUNT: Invalid input: expected int'],
    [
      { TRIGGERHUB_MAX_RECEIVE_COUNT: '0' },
      'TRIGGERHUB_MAX_RECEIVE_COUNT: Too small: expected number to be >=1',
    ],
    [{ TRIGGERHUB_WORKER_TIMEOUT_SECONDS: '901' }, 'TRIGGERHUB_WORKER_TIMEOUT_SECONDS: Too big'],
    [
      { TRIGGERHUB_SECRET_CACHE_SECONDS: 'soon' },
      'TRIGGERHUB_SECRET_CACHE_SECONDS: Invalid input: expected number',
    ],
    [{ TRIGGERHUB_RETENTION_DAYS: '' }, 'TRIGGERHUB_RETENTION_DAYS: Too small: expected number to be >=1'],
    [{ TRIGGERHUB_RETENTION_DAYS: 'ten' }, 'TRIGGERHUB_RETENTION_DAYS: Invalid input: expected number'],
    [{ TRIGGERHUB_RETENTION_DAYS: 'Infinity' }, 'TRIGGERHUB_RETENTION_DAYS: Invalid input: expected int'],
    [{ TRIGGERHUB_SQS_ENDPOINT: 'not a url' }, 'TRIGGERHUB_SQS_ENDPOINT: Invalid URL'],
    [{ TRIGGERHUB_TABLE: '' }, 'TRIGGERHUB_TABLE: Too small'],
    [{ TRIGGERHUB_STAGE: 'Prod' }, 'TRIGGERHUB_STAGE: a stage name'],
    [{ TRIGGERHUB_NOTIFICATION_TOPIC_ARN: 'alarms' }, 'TRIGGERHUB_NOTIFICATION_TOPIC_ARN: an SNS topic ARN'],
  ])('refuses %o', (bad, message) => {
    expect(() => loadConfig({ ...required, ...bad })).toThrow(message);
  });

  it('reads a blank number as 0 and trims an endpoint, as the schema it replaced did', () => {
    expect(
      loadConfig({
        ...required,
        TRIGGERHUB_RETRY_BASE_SECONDS: '',
        TRIGGERHUB_SECRET_CACHE_SECONDS: ' ',
        TRIGGERHUB_SQS_ENDPOINT: ' http://127.0.0.1:9324 ',
      }),
    ).toMatchObject({
      TRIGGERHUB_RETRY_BASE_SECONDS: 0,
      TRIGGERHUB_SECRET_CACHE_SECONDS: 0,
      TRIGGERHUB_SQS_ENDPOINT: 'http://127.0.0.1:9324',
    });
  });

  it('reads the notification topic as the stack sets it, and leaves it out when unset', () => {
    const arn = 'arn:aws:sns:eu-west-1:123456789012:triggerhub-AlarmsTopic-1A2B3C';
    expect(loadConfig({ ...required, TRIGGERHUB_NOTIFICATION_TOPIC_ARN: arn })).toMatchObject({
      TRIGGERHUB_NOTIFICATION_TOPIC_ARN: arn,
    });
    expect(loadConfig(required)).not.toHaveProperty('TRIGGERHUB_NOTIFICATION_TOPIC_ARN');
  });

  it('names every problem at once', () => {
    expect(() => loadConfig({ TRIGGERHUB_RETENTION_DAYS: '0' })).toThrow(
      /TRIGGERHUB_TABLE: .*; TRIGGERHUB_QUEUE_URL: .*; TRIGGERHUB_PAYLOAD_BUCKET: .*; TRIGGERHUB_RETENTION_DAYS: /,
    );
  });
});
