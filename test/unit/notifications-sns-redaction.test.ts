import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { globalSecretName } from '../../shared/model/global.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { SnsPublisher } from '../../shared/notifications/sns-publisher.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import canary from '../fixtures/integrations/canary/index.ts';
import { leaksIn } from '../helpers/leak-forms.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun } from '../helpers/runs.ts';

/**
 * Issue 8 §3 for the one sink the e2e canary test cannot see: the text
 * published to the stack's SNS topic (AWS only). The canary integration
 * pushes a password parameter and a masked global, in every form, through
 * `ctx.notifier.error` and its thrown error; on its last attempt the worker
 * publishes both its error notification and `run_failed`. No form of either
 * secret is in any Subject or Message published.
 */

const client = new SNSClient({ region: 'us-east-1' });
const sns = mockClient(client);
const topicArn = 'arn:aws:sns:us-east-1:123456789012:triggerhub-Alarms';

const paramValue = 'sns-c4n4ry "\\/+&=é…param';
const globalValue = 'sns-c4n4ry-gl0bal "\\/+&=…';

beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('SNS publish text', () => {
  it('holds no form of a password parameter or a masked global, from ctx.notifier.error or run_failed', async () => {
    // Prepare: the canary job on its last attempt, a masked global, SNS publishing (mocked client)
    const deps = memoryDeps({
      integrations: [canary],
      secrets: {
        demo: ['s3cr3t-value'],
        'canary-param': [paramValue],
        [globalSecretName('canary')]: [globalValue],
      },
    });
    deps.publisher = new SnsPublisher({ topicArn, stage: 'test', client: () => client });
    await deps.globals.put({ name: 'canary', masked: true, at: '2026-11-22T10:00:00.000Z' });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'canary-sns',
        name: 'canary',
        integration: 'canary',
        auth: { secret: 'demo' },
        params: { secret: { secret: 'canary-param' }, sinks: ['notifier'], fail: true },
      }),
    );
    await deps.runs.create(
      queuedWebhookRun({ jobId: 'canary-sns', attempt: deps.settings.maxReceiveCount - 1 }),
    );

    // Act: the last attempt fails; the worker may throw to leave the message to the DLQ
    await processRunMessage(deps, {
      body: JSON.stringify({ runId: 'R1', jobId: 'canary-sns' }),
      receiveCount: deps.settings.maxReceiveCount,
      receiptHandle: 'rh-last',
    }).catch(() => undefined);

    // Assess: both error notifications were published, redacted
    expect(deps.runs.items.get('R1')?.status).toBe('failed');
    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    const kinds = published.map((p) => /^kind: (\S+)$/m.exec(p.Message ?? '')?.[1]).sort();
    expect(kinds).toEqual(['integration', 'run_failed']);
    const leaks = published.flatMap((p) => {
      const text = `${p.Subject ?? ''}\n${p.Message ?? ''}`;
      return [
        ...leaksIn(text, paramValue).map((f) => `password parameter as ${f}`),
        ...leaksIn(text, globalValue).map((f) => `masked global as ${f}`),
      ];
    });
    expect(leaks).toEqual([]);
    // The canary did push its forms through: they show as redacted.
    expect(published.every((p) => (p.Message ?? '').includes('***'))).toBe(true);
  });
});
