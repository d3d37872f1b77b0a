import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import type { TriggerhubStack } from '../../infra/stack.ts';
import { createTestApp, flatten, logicalIdOf, synthStack } from './synth-helpers.ts';

/** The app as `cdk synth -c key=value …` builds it (bundling and cdk-nag off). */
const fromContext = (context: Record<string, unknown>): { stack: TriggerhubStack; template: Template } => {
  const { stack } = createTestApp({ appProps: { context }, nag: false });
  return { stack, template: Template.fromStack(stack) };
};

const envOf = (template: Template, stack: TriggerhubStack): Record<string, unknown> => {
  const env: Record<string, unknown> =
    template.toJSON().Resources[logicalIdOf(stack.ingest.lambdaFunction)].Properties.Environment.Variables;
  return env;
};

/** The secret ARN patterns (after `secret:`) the ingest role may read. */
const secretPatterns = (template: Template, stack: TriggerhubStack): string[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${logicalIdOf(stack.ingest.role)}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
    .filter((s) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'))
    .map((s) => flatten(s.Resource).replace(/^.*:secret:/, ''));

/** IAM's `*` matching, for ARN patterns. */
const globMatches = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

/** The environment of the admin function, which answers `GET /admin/settings`. */
const adminEnvOf = (template: Template, stack: TriggerhubStack): Record<string, unknown> => {
  const env: Record<string, unknown> =
    template.toJSON().Resources[logicalIdOf(stack.admin.lambdaFunction)].Properties.Environment.Variables;
  return env;
};

describe('stage from CDK context', () => {
  it('tells the admin function the secret prefix and the stage, for GET /admin/settings', () => {
    const prod = fromContext({ stage: 'prod' });
    expect(adminEnvOf(prod.template, prod.stack)).toMatchObject({
      TRIGGERHUB_SECRET_PREFIX: 'triggerhub-prod/',
      TRIGGERHUB_STAGE: 'prod',
    });
    const custom = fromContext({ stage: 'prod', secretPrefix: 'acme/triggerhub/' });
    expect(adminEnvOf(custom.template, custom.stack).TRIGGERHUB_SECRET_PREFIX).toBe('acme/triggerhub/');
    const unnamed = fromContext({});
    expect(adminEnvOf(unnamed.template, unnamed.stack).TRIGGERHUB_SECRET_PREFIX).toBe('triggerhub/');
    expect(adminEnvOf(unnamed.template, unnamed.stack)).not.toHaveProperty('TRIGGERHUB_STAGE');
  });

  it('keeps the default stack name, secret prefix and names when no stage is given', () => {
    const { stack, template } = fromContext({});
    expect(stack.stackName).toBe('Triggerhub');
    expect(envOf(template, stack).TRIGGERHUB_SECRET_PREFIX).toBe('triggerhub/');
    expect(secretPatterns(template, stack)).toEqual(['triggerhub/*']);
    template.hasResourceProperties('AWS::Logs::QueryDefinition', { Name: 'triggerhub/refusals' });
  });

  it('names the stack, the secret prefix, the demo secret, the query and the namespace after -c stage=prod', () => {
    const { stack, template } = fromContext({ stage: 'prod' });
    expect(stack.stackName).toBe('Triggerhub-prod');
    expect(stack.secretPrefix).toBe('triggerhub-prod/');
    expect(envOf(template, stack).TRIGGERHUB_SECRET_PREFIX).toBe('triggerhub-prod/');
    expect(secretPatterns(template, stack)).toEqual(['triggerhub-prod/*']);
    template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'triggerhub-prod/demo' });
    template.hasResourceProperties('AWS::Logs::QueryDefinition', { Name: 'triggerhub-prod/refusals' });
    for (const filter of Object.values(template.findResources('AWS::Logs::MetricFilter'))) {
      expect(filter.Properties.MetricTransformations[0].MetricNamespace).toBe('Triggerhub/prod');
    }
    expect(template.toJSON().Outputs.SecretPrefix.Value).toBe('triggerhub-prod/');
  });

  it('lets no stage read the secrets of another (the default stage included)', () => {
    const stacks = [fromContext({}), fromContext({ stage: 'prod' }), fromContext({ stage: 'prod2' })];
    for (const [i, own] of stacks.entries()) {
      const patterns = secretPatterns(own.template, own.stack);
      for (const [j, other] of stacks.entries()) {
        const someSecret = `${other.stack.secretPrefix}checkpoint-AbCdEf`;
        expect(patterns.some((p) => globMatches(p, someSecret))).toBe(i === j);
      }
    }
  });

  it('takes an explicit secret prefix from -c secretPrefix', () => {
    const { stack, template } = fromContext({ stage: 'prod', secretPrefix: 'acme/triggerhub/' });
    expect(stack.stackName).toBe('Triggerhub-prod');
    expect(envOf(template, stack).TRIGGERHUB_SECRET_PREFIX).toBe('acme/triggerhub/');
    expect(secretPatterns(template, stack)).toEqual(['acme/triggerhub/*']);
  });

  it('reports every bad context value at once, before building anything', () => {
    let error: unknown;
    try {
      fromContext({
        stage: 'Prod_1',
        secretPrefix: 42,
        alarmEmail: 'ops.example.com',
        secretsKmsKeyArn: 'alias/triggerhub',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as ValidationError).message;
    expect(message).toMatch(/^triggerhub app: invalid props: /);
    for (const problem of [
      'context secretPrefix must be a string (got 42)',
      'stage "Prod_1" must be 1 to 20 lower-case letters, digits and "-"',
      'alarmEmail "ops.example.com" is not an e-mail address',
      'secretsKmsKeyArn "alias/triggerhub" must be a KMS key ARN',
    ]) {
      expect(message).toContain(problem);
    }
    expect(message.split('; ')).toHaveLength(4);
  });

  it('refuses a stage longer than 20 characters or ending with "-"', () => {
    expect(() => fromContext({ stage: 'a'.repeat(21) })).toThrow(/stage "a{21}" must be/);
    expect(() => fromContext({ stage: 'prod-' })).toThrow(/stage "prod-" must be/);
    expect(fromContext({ stage: 'a'.repeat(20) }).stack.stackName).toBe(`Triggerhub-${'a'.repeat(20)}`);
  });
});

describe('refused webhooks in CloudWatch', () => {
  const { stack, template } = synthStack();
  const ingestLogGroup = { Ref: logicalIdOf(stack.ingest.logGroup) };
  const filters = Object.values(template.findResources('AWS::Logs::MetricFilter'));

  it('counts refusals of known jobs as WebhookRefusals by jobId and reason, from the ingest log', () => {
    expect(filters.map((f): unknown => f.Properties)).toContainEqual({
      LogGroupName: ingestLogGroup,
      FilterPattern: '{ ($.message = "webhook refused") && ($.status != 404) }',
      MetricTransformations: [
        {
          MetricNamespace: 'Triggerhub',
          MetricName: 'WebhookRefusals',
          MetricValue: '1',
          Dimensions: [
            { Key: 'jobId', Value: '$.jobId' },
            { Key: 'reason', Value: '$.reason' },
          ],
        },
      ],
    });
  });

  it('counts refusals of unknown job ids by reason only (a caller cannot mint metrics)', () => {
    expect(filters).toHaveLength(2);
    expect(filters.map((f): unknown => f.Properties)).toContainEqual({
      LogGroupName: ingestLogGroup,
      FilterPattern: '{ ($.message = "webhook refused") && ($.status = 404) }',
      MetricTransformations: [
        {
          MetricNamespace: 'Triggerhub',
          MetricName: 'WebhookRefusals',
          MetricValue: '1',
          Dimensions: [{ Key: 'reason', Value: '$.reason' }],
        },
      ],
    });
  });

  it('ships a saved Logs Insights query listing refusals, newest first', () => {
    template.resourceCountIs('AWS::Logs::QueryDefinition', 1);
    template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'triggerhub/refusals',
      LogGroupNames: [ingestLogGroup],
      QueryString:
        'fields @timestamp, jobId, status, reason, sourceIp, requestId\n' +
        '| filter message = "webhook refused"\n' +
        '| sort @timestamp desc',
    });
  });
});

describe('DLQ alarm notifications', () => {
  const { stack, template } = synthStack();
  const topicId = logicalIdOf(stack.alarmTopic.topic);
  const keyId = logicalIdOf(stack.alarmTopic.key);
  const alarmId = logicalIdOf(stack.runQueue.deadLetterAlarm);

  it('publishes the DLQ alarm to the topic', () => {
    expect(template.toJSON().Resources[alarmId].Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('encrypts the topic with its own rotated key, which CloudWatch may use', () => {
    const resources = template.toJSON().Resources;
    expect(resources[topicId].Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(resources[keyId].Properties.EnableKeyRotation).toBe(true);
    expect(resources[keyId].Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );
  });

  it('accepts TLS only, and lets CloudWatch publish for this alarm only', () => {
    const [policy] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    expect(policy?.Properties.Topics).toEqual([{ Ref: topicId }]);
    const statements = policy?.Properties.PolicyDocument.Statement as unknown[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: {
          ArnLike: { 'aws:SourceArn': [{ 'Fn::GetAtt': [alarmId, 'Arn'] }] },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        },
      }),
    );
  });

  it('subscribes no one unless -c alarmEmail is given, then that address', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const withEmail = fromContext({ alarmEmail: 'ops@example.com' });
    withEmail.template.resourceCountIs('AWS::SNS::Subscription', 1);
    withEmail.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: logicalIdOf(withEmail.stack.alarmTopic.topic) },
    });
  });
});
