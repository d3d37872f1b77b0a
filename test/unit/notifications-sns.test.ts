import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors.ts';
import type { NotificationRecord } from '../../shared/ports.ts';
import {
  SnsPublisher,
  notificationBody,
  notificationSubject,
} from '../../shared/notifications/sns-publisher.ts';

const client = new SNSClient({ region: 'us-east-1' });
const sns = mockClient(client);
const topicArn = 'arn:aws:sns:us-east-1:123456789012:triggerhub-Alarms';

const note: NotificationRecord = {
  id: '01KAAAAAAAAAAAAAAAAAAAAAAA',
  jobId: 'jira-sync',
  runId: '01KBBBBBBBBBBBBBBBBBBBBBBB',
  severity: 'error',
  kind: 'run_failed',
  message: 'run failed: 401 from jira',
  createdAt: '2026-11-22T10:00:00.000Z',
};

beforeEach(() => {
  sns.reset();
});

describe('SnsPublisher', () => {
  it('publishes the message and the ids to the topic, the stage and job in the subject', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const publisher = new SnsPublisher({ topicArn, stage: 'prod', client: () => client });

    // Act
    await publisher.publish(note);

    // Assess
    const [call] = sns.commandCalls(PublishCommand);
    expect(call?.args[0].input).toEqual({
      TopicArn: topicArn,
      Subject: 'triggerhub prod error: jira-sync',
      Message: notificationBody(note),
    });
    expect(notificationBody(note)).toContain('run failed: 401 from jira');
    expect(notificationBody(note)).toContain(`run: ${note.runId}`);
    expect(notificationBody(note)).toContain('kind: run_failed');
  });

  it('keeps the subject to one printable line of at most 100 characters', () => {
    const subject = notificationSubject({ jobId: `a\nb${'x'.repeat(200)}` });
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).not.toMatch(/[\n\r]/);
    expect(subject.startsWith('triggerhub error: a b')).toBe(true);
  });

  it('creates its client on the first publish only, and turns an outage into a ServiceUnavailableError', async () => {
    // Prepare
    const make = vi.fn(() => client);
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const publisher = new SnsPublisher({ topicArn, client: make });

    // Act
    const before = make.mock.calls.length;
    const publishing = publisher.publish(note);

    // Assess
    await expect(publishing).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(before).toBe(0);
    expect(make).toHaveBeenCalledTimes(1);
  });
});
