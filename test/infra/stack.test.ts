import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Runtime, RuntimeFamily } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { GSI1_ATTRIBUTES, GSI1_NAME, GSI2_NAME } from '../../infra/constructs/triggerhub-table.ts';
import {
  GSI1_NAME as LOCAL_GSI1_NAME,
  GSI2_NAME as LOCAL_GSI2_NAME,
  tableDefinition,
} from '../../shared/store/table-definition.ts';
import { LONGEST_JOB_TIMEOUT } from '../../infra/stack.ts';
import { JobSchema } from '../../shared/model/job.ts';
import { flatten, logicalIdOf, synthStack } from './synth-helpers.ts';

// One synth shared by the read-only assertions below (~0.5 s each).
const { stack, template } = synthStack();
const ids = {
  ingest: logicalIdOf(stack.ingest.lambdaFunction),
  worker: logicalIdOf(stack.worker.lambdaFunction),
  admin: logicalIdOf(stack.admin.lambdaFunction),
  sweeper: logicalIdOf(stack.sweeper.lambdaFunction),
  scheduler: logicalIdOf(stack.scheduler.lambdaFunction),
  scriptRunner: logicalIdOf(stack.scriptRunner.lambdaFunction),
  console: logicalIdOf(stack.console.lambdaFunction),
  consoleTokenClaims: logicalIdOf(stack.consoleTokenClaims.lambdaFunction),
  queue: logicalIdOf(stack.runQueue.queue),
  dlq: logicalIdOf(stack.runQueue.deadLetterQueue),
  table: logicalIdOf(stack.table.table),
  bucket: logicalIdOf(stack.payloads.bucket),
  topic: logicalIdOf(stack.alarmTopic.topic),
};

interface FunctionProperties {
  readonly [key: string]: unknown;
  readonly Environment: { Variables: Record<string, unknown> };
  readonly LoggingConfig: { LogGroup: { Ref: string } };
}
const functionProps = (logicalId: string): FunctionProperties => {
  const properties: FunctionProperties = template.toJSON().Resources[logicalId].Properties;
  return properties;
};

describe('TriggerhubStack functions', () => {
  it('has exactly the eight triggerhub functions and no CDK-internal ones', () => {
    // Assess
    template.resourceCountIs('AWS::Lambda::Function', 8);
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).sort()).toEqual(
      [
        ids.ingest,
        ids.worker,
        ids.admin,
        ids.sweeper,
        ids.scheduler,
        ids.scriptRunner,
        ids.console,
        ids.consoleTokenClaims,
      ].sort(),
    );
  });

  it('runs every function on the newest Node.js runtime aws-cdk-lib offers, on arm64, traced', () => {
    // Prepare: the newest nodejsNN.x in this aws-cdk-lib, whatever version that is
    const newest = Runtime.ALL.filter((r) => r.family === RuntimeFamily.NODEJS)
      .map((r) => r.name)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
      .at(-1);
    expect(newest).toBe('nodejs24.x');
    // Assess
    for (const id of [ids.ingest, ids.worker, ids.admin, ids.sweeper, ids.scheduler]) {
      expect(functionProps(id)).toMatchObject({
        Runtime: newest,
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      });
      expect(functionProps(id)).not.toHaveProperty('ReservedConcurrentExecutions');
    }
    // The script runner alike, but untraced: X-Ray would need a grant on "*", and its role holds logs only.
    expect(functionProps(ids.scriptRunner)).toMatchObject({
      Runtime: newest,
      Architectures: ['arm64'],
      Handler: 'index.handler',
    });
    expect(functionProps(ids.scriptRunner)).not.toHaveProperty('TracingConfig');
    expect(functionProps(ids.scriptRunner)).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  // No NODE_OPTIONS: `--enable-source-maps` would read the whole .map at every cold start.
  const sharedEnvironment = {
    TRIGGERHUB_TABLE: { Ref: ids.table },
    TRIGGERHUB_QUEUE_URL: { Ref: ids.queue },
    TRIGGERHUB_PAYLOAD_BUCKET: { Ref: ids.bucket },
    TRIGGERHUB_SECRET_PREFIX: 'triggerhub/',
    TRIGGERHUB_MAX_RECEIVE_COUNT: '3',
    TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS: '1800',
    TRIGGERHUB_RETENTION_DAYS: '30',
    // Error notifications go to the alarm topic.
    TRIGGERHUB_NOTIFICATION_TOPIC_ARN: { Ref: ids.topic },
    POWERTOOLS_SERVICE_NAME: 'triggerhub',
    POWERTOOLS_LOG_LEVEL: 'INFO',
  };

  it('gives every function the whole environment contract of shared/config.ts', () => {
    for (const id of [ids.ingest, ids.scheduler]) {
      // Act
      const env = functionProps(id).Environment.Variables;
      // Assess
      expect(env).toEqual(sharedEnvironment);
    }
  });

  it('tells the worker its script runner, and admin the DLQ (GET /admin/dlq, redrive)', () => {
    expect(functionProps(ids.worker).Environment.Variables).toEqual({
      ...sharedEnvironment,
      TRIGGERHUB_SCRIPT_RUNNER_FUNCTION: { Ref: ids.scriptRunner },
    });
    expect(functionProps(ids.admin).Environment.Variables).toEqual({
      ...sharedEnvironment,
      TRIGGERHUB_DLQ_URL: { Ref: ids.dlq },
    });
  });

  it('gives the script runner no environment and no VPC: nothing a script could read or reach inside', () => {
    const props = functionProps(ids.scriptRunner);
    expect(props['Environment']).toBeUndefined();
    expect(props['VpcConfig']).toBeUndefined();
  });

  it('starts no function with eager source maps (the .map files stay build output)', () => {
    for (const id of [ids.ingest, ids.worker, ids.admin, ids.sweeper, ids.scheduler]) {
      expect(functionProps(id).Environment.Variables).not.toHaveProperty('NODE_OPTIONS');
    }
  });

  it('gives the sweeper the same environment plus the worker timeout', () => {
    // Act
    const env = functionProps(ids.sweeper).Environment.Variables;
    // Assess
    expect(env).toEqual({ ...sharedEnvironment, TRIGGERHUB_WORKER_TIMEOUT_SECONDS: '300' });
  });

  it('tells the sweeper the queue and worker settings actually in force', () => {
    // Prepare
    const resources = template.toJSON().Resources;
    const queue = resources[ids.queue].Properties;
    // Act
    const env = functionProps(ids.sweeper).Environment.Variables;
    // Assess
    expect(env.TRIGGERHUB_MAX_RECEIVE_COUNT).toBe(String(queue.RedrivePolicy.maxReceiveCount));
    expect(env.TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS).toBe(String(queue.VisibilityTimeout));
    expect(env.TRIGGERHUB_WORKER_TIMEOUT_SECONDS).toBe(String(resources[ids.worker].Properties.Timeout));
  });

  it('writes each function to its own log group kept one month', () => {
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    const used = new Set<string>();
    const all = [ids.ingest, ids.worker, ids.admin, ids.sweeper, ids.scheduler, ids.scriptRunner];
    for (const id of all) {
      // Act
      const { LoggingConfig } = functionProps(id);
      const logGroupId = LoggingConfig.LogGroup.Ref;
      // Assess
      expect(logGroups[logGroupId]?.Properties.RetentionInDays).toBe(30);
      used.add(logGroupId);
    }
    expect(used.size).toBe(all.length);
  });

  it('times the worker out after 5 minutes and the HTTP functions before the API does (30 s)', () => {
    expect(functionProps(ids.worker).Timeout).toBe(300);
    expect(functionProps(ids.ingest).Timeout).toBeLessThan(30);
    expect(functionProps(ids.admin).Timeout).toBeLessThan(30);
  });

  it('times the scheduler out within its one-minute tick', () => {
    expect(functionProps(ids.scheduler).Timeout).toBeLessThan(60);
  });

  it('times the script runner out after the longest job timeout (280 s) and a margin, with 1 GiB', () => {
    expect(LONGEST_JOB_TIMEOUT.toSeconds()).toBe(280);
    expect(functionProps(ids.scriptRunner).Timeout).toBe(300);
    expect(functionProps(ids.scriptRunner).MemorySize).toBe(1024);
  });

  it('takes the longest job timeout from the job schema: 280 s is a job’s, 281 s is not', () => {
    const job = { id: 'nightly', integration: 'http-forward', webhook: false };
    const accepted = (timeoutSeconds: number) =>
      JobSchema.safeParse({ ...job, timeoutSeconds }).error?.issues.some((i) =>
        i.path.includes('timeoutSeconds'),
      ) !== true;
    expect(accepted(LONGEST_JOB_TIMEOUT.toSeconds())).toBe(true);
    expect(accepted(LONGEST_JOB_TIMEOUT.toSeconds() + 1)).toBe(false);
  });

  it('times the sweeper out after 2 minutes, well within its 5-minute schedule', () => {
    expect(functionProps(ids.sweeper).Timeout).toBe(120);
    expect(functionProps(ids.sweeper).Timeout).toBeLessThan(5 * 60);
  });

  it('feeds the worker from the run queue in batches of 10 with partial batch failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: ids.worker },
      EventSourceArn: { 'Fn::GetAtt': [ids.queue, 'Arn'] },
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.anyValue(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const [mapping] = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mapping?.Properties.MaximumBatchingWindowInSeconds).toBeGreaterThanOrEqual(1);
    expect(mapping?.Properties.MaximumBatchingWindowInSeconds).toBeLessThanOrEqual(5);
  });
});

describe('TriggerhubStack sweep schedule', () => {
  const rules = template.findResources('AWS::Events::Rule');
  const ruleId = logicalIdOf(stack.sweepSchedule);

  it('has one rule, enabled, firing every 5 minutes', () => {
    expect(Object.keys(rules).sort()).toEqual([ruleId, logicalIdOf(stack.schedulerTick)].sort());
    expect(rules[ruleId]?.Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
    });
    expect(rules[ruleId]?.Properties).not.toHaveProperty('EventPattern');
  });

  it('targets only the sweeper, with a retry policy for failed invocations', () => {
    expect(rules[ruleId]?.Properties.Targets).toEqual([
      {
        Arn: { 'Fn::GetAtt': [ids.sweeper, 'Arn'] },
        Id: expect.any(String),
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 2 },
      },
    ]);
  });

  it('lets only this rule invoke the sweeper', () => {
    // Act
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes(`"${ids.sweeper}"`),
    );
    // Assess
    expect(permissions.map((p): unknown => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [ids.sweeper, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      },
    ]);
  });

  it('does not let Lambda retry a failed sweep (the next scheduled one redoes it)', () => {
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.sweeper },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
    });
  });
});

describe('TriggerhubStack scheduler tick', () => {
  const rules = template.findResources('AWS::Events::Rule');
  const ruleId = logicalIdOf(stack.schedulerTick);

  it('has one rule, enabled, firing every minute', () => {
    expect(rules[ruleId]?.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
    });
    expect(rules[ruleId]?.Properties).not.toHaveProperty('EventPattern');
  });

  it('targets only the scheduler, retrying a failed invocation for 5 minutes at most', () => {
    expect(rules[ruleId]?.Properties.Targets).toEqual([
      {
        Arn: { 'Fn::GetAtt': [ids.scheduler, 'Arn'] },
        Id: expect.any(String),
        RetryPolicy: { MaximumEventAgeInSeconds: 300, MaximumRetryAttempts: 2 },
      },
    ]);
  });

  it('lets only this rule invoke the scheduler', () => {
    // Act
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes(`"${ids.scheduler}"`),
    );
    // Assess
    expect(permissions.map((p): unknown => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [ids.scheduler, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
      },
    ]);
  });

  it('keeps Lambda’s retries of a failed tick (fencing makes one harmless) within 5 minutes', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ids.scheduler },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 300,
    });
  });
});

describe('TriggerhubStack script runner', () => {
  it('is invoked by nothing but the worker’s role: no resource policy, event source or rule', () => {
    const mentions = (type: string) =>
      Object.values(template.findResources(type)).filter((r) =>
        JSON.stringify(r.Properties).includes(`"${ids.scriptRunner}"`),
      );
    expect(mentions('AWS::Lambda::Permission')).toEqual([]);
    expect(mentions('AWS::Lambda::EventSourceMapping')).toEqual([]);
    expect(mentions('AWS::Events::Rule')).toEqual([]);
    expect(mentions('AWS::Lambda::EventInvokeConfig')).toEqual([]);
  });
});

describe('TriggerhubStack HTTP API', () => {
  const routes = template.findResources('AWS::ApiGatewayV2::Route');
  const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
  /** The function a route's integration invokes. */
  const targetOf = (routeKey: string): unknown => {
    const route = Object.values(routes).find((r) => r.Properties.RouteKey === routeKey);
    const integrationId = route?.Properties.Target['Fn::Join'][1][1].Ref;
    return integrations[integrationId]?.Properties.IntegrationUri;
  };

  it('has one HTTP API with exactly the seven routes', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    expect(
      Object.values(routes)
        .map((r) => String(r.Properties.RouteKey))
        .sort(),
    ).toEqual(
      [
        '$default',
        'ANY /admin/{proxy+}',
        'GET /health',
        'POST /hooks/{jobId}',
        'GET /console',
        'GET /console/{proxy+}',
        'ANY /console/admin/{proxy+}',
      ].sort(),
    );
  });

  it('sends every request no other route matches to ingest ($default), which answers it in JSON', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: '$default',
      AuthorizationType: 'NONE',
    });
    expect(targetOf('$default')).toEqual({ 'Fn::GetAtt': [ids.ingest, 'Arn'] });
  });

  it('keeps /admin behind IAM: the only unauthorized routes go to ingest or the console files, none to admin', () => {
    // Act
    const unauthorized = Object.values(routes).filter((r) => r.Properties.AuthorizationType === 'NONE');
    // Assess: a catch-all that is not $default (e.g. ANY /{proxy+}) would also compete with /admin/{proxy+}
    expect(unauthorized.map((r) => String(r.Properties.RouteKey)).sort()).toEqual([
      '$default',
      'GET /console',
      'GET /console/{proxy+}',
      'GET /health',
      'POST /hooks/{jobId}',
    ]);
    for (const route of unauthorized) {
      const key = String(route.Properties.RouteKey);
      expect(targetOf(key)).toEqual({
        'Fn::GetAtt': [key.includes('/console') ? ids.console : ids.ingest, 'Arn'],
      });
    }
    // Admin is reached by two routes: IAM (the CLI) and the console's JWT; nothing else.
    const toAdmin = Object.values(routes).filter((r) => String(r.Properties.RouteKey).includes('/admin'));
    expect(
      toAdmin
        .map((r): string[] => [String(r.Properties.RouteKey), String(r.Properties.AuthorizationType)])
        .sort(),
    ).toEqual([
      ['ANY /admin/{proxy+}', 'AWS_IAM'],
      ['ANY /console/admin/{proxy+}', 'JWT'],
    ]);
    for (const route of toAdmin) {
      expect(targetOf(String(route.Properties.RouteKey))).toEqual({ 'Fn::GetAtt': [ids.admin, 'Arn'] });
    }
  });

  it('lets API Gateway invoke ingest on every route and method, admin only through /admin', () => {
    // Act
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter(
      (p) => p.Properties.Principal === 'apigateway.amazonaws.com',
    );
    const sourceArnsOf = (fn: string) =>
      permissions
        .filter((p) => JSON.stringify(p.Properties.FunctionName).includes(fn))
        .map((p) => JSON.stringify(p.Properties.SourceArn));
    // Assess
    expect(sourceArnsOf(ids.admin).length).toBeGreaterThan(0);
    for (const arn of sourceArnsOf(ids.admin)) expect(arn).toContain('/admin/');
    // The $default route carries any path, so its permission is the API's `/*/*`: this API only.
    const api = logicalIdOf(stack.api.httpApi);
    expect(sourceArnsOf(ids.ingest)).toHaveLength(3);
    for (const arn of [...sourceArnsOf(ids.ingest), ...sourceArnsOf(ids.admin)]) {
      expect(arn).toContain(`{"Ref":"${api}"}`);
    }
  });

  it('sends webhooks and the health check to ingest without an authorizer', () => {
    for (const key of ['POST /hooks/{jobId}', 'GET /health']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: key,
        AuthorizationType: 'NONE',
      });
      expect(targetOf(key)).toEqual({ 'Fn::GetAtt': [ids.ingest, 'Arn'] });
    }
  });

  it('sends the admin API to admin behind IAM authorization', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'ANY /admin/{proxy+}',
      AuthorizationType: 'AWS_IAM',
    });
    expect(targetOf('ANY /admin/{proxy+}')).toEqual({ 'Fn::GetAtt': [ids.admin, 'Arn'] });
  });

  it('uses payload format 2.0 for every integration', () => {
    for (const integration of Object.values(integrations)) {
      expect(integration.Properties).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
      });
    }
  });

  it('throttles the $default stage and writes JSON access logs with the fields operators need', () => {
    // Act
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const format: unknown = JSON.parse(String(stage?.Properties.AccessLogSettings.Format));
    const logGroupId = stage?.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0];
    // Assess
    expect(stage?.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      routeKey: '$context.routeKey',
      status: '$context.status',
    });
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 } });
    expect(template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(30);
  });
});

describe('TriggerhubStack run queue', () => {
  const resources = template.toJSON().Resources;

  it('moves a message to the DLQ after 3 receives', () => {
    expect(resources[ids.queue].Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [ids.dlq, 'Arn'] },
      maxReceiveCount: 3,
    });
  });

  it('alarms as soon as the DLQ holds a message', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ids.dlq, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  it('encrypts both queues and keeps dead letters 14 days', () => {
    expect(resources[ids.queue].Properties.SqsManagedSseEnabled).toBe(true);
    expect(resources[ids.dlq].Properties.SqsManagedSseEnabled).toBe(true);
    expect(resources[ids.dlq].Properties.MessageRetentionPeriod).toBe(Duration.days(14).toSeconds());
    const sourceRetention: number = resources[ids.queue].Properties.MessageRetentionPeriod;
    expect(resources[ids.dlq].Properties.MessageRetentionPeriod).toBeGreaterThan(sourceRetention);
  });

  it('hides a received message for at least 6 × the worker timeout', () => {
    const visibility: number = resources[ids.queue].Properties.VisibilityTimeout;
    const workerTimeout: number = resources[ids.worker].Properties.Timeout;
    expect(visibility).toBeGreaterThanOrEqual(6 * workerTimeout);
    expect(visibility).toBe(1800);
  });

  it('denies every request to either queue that does not use TLS', () => {
    for (const queueId of [ids.queue, ids.dlq]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });
});

describe('TriggerhubStack table', () => {
  it('has pk/sk, the gsi1 and gsi2 indexes, on-demand billing, PITR, TTL on expiresAt and encryption', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...GSI1_ATTRIBUTES] },
        },
        {
          IndexName: 'gsi2',
          KeySchema: [
            { AttributeName: 'gsi2pk', KeyType: 'HASH' },
            { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: ['jobId', 'status', 'attempt', 'mode', 'startedAt', 'createdAt', 'requeues'],
          },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('copies to its indexes neither a run’s event, output or log, nor anything but what their readers show', () => {
    // Prepare
    const indexes: {
      IndexName: string;
      Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
    }[] = template.toJSON().Resources[ids.table].Properties.GlobalSecondaryIndexes;
    const projection = (name: string) => indexes.find((i) => i.IndexName === name)?.Projection;

    // Assess: ALL would copy every run write whole (event up to 96 KiB, log up to 192 KiB)
    for (const name of [GSI1_NAME, GSI2_NAME]) {
      expect(projection(name)?.ProjectionType).toBe('INCLUDE');
      for (const heavy of ['eventJson', 'outputJson', 'logs']) {
        expect(projection(name)?.NonKeyAttributes).not.toContain(heavy);
      }
    }
    expect(projection(GSI1_NAME)?.NonKeyAttributes).toEqual(
      expect.arrayContaining(['status', 'message', 'name']),
    );
  });

  it('declares every index key attribute as a string', () => {
    const definitions: { AttributeName: string; AttributeType: string }[] =
      template.toJSON().Resources[ids.table].Properties.AttributeDefinitions;
    expect([...definitions].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName))).toEqual(
      ['gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'pk', 'sk'].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
    );
  });

  it('has the layout of the local table the stores are tested against (shared/store/table-definition.ts)', () => {
    // Prepare
    const local = tableDefinition('local');
    const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }): number =>
      String(a.AttributeName).localeCompare(String(b.AttributeName));
    // Act
    const deployed = template.toJSON().Resources[ids.table].Properties;
    // Assess
    expect(deployed.KeySchema).toEqual(local.KeySchema);
    expect([...deployed.AttributeDefinitions].sort(byName)).toEqual(
      [...(local.AttributeDefinitions ?? [])].sort(byName),
    );
    expect(deployed.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
    expect([GSI1_NAME, GSI2_NAME]).toEqual([LOCAL_GSI1_NAME, LOCAL_GSI2_NAME]);
  });

  it('is retained and named by CloudFormation', () => {
    const table = template.toJSON().Resources[ids.table];
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).not.toHaveProperty('TableName');
  });
});

describe('TriggerhubStack payload bucket', () => {
  const bucket = template.toJSON().Resources[ids.bucket];

  it('is private, encrypted, retained, and expires payloads after the retention', () => {
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([
          expect.objectContaining({ ExpirationInDays: 30, Prefix: 'events/', Status: 'Enabled' }),
        ]),
      },
    });
  });

  it('expires stored events only: no expiry rule covers uploaded scripts under scripts/', () => {
    const rules: { Prefix?: string; ExpirationInDays?: number; ExpirationDate?: string; Status: string }[] =
      bucket.Properties.LifecycleConfiguration.Rules;
    const expiring = rules.filter(
      (r) => r.Status === 'Enabled' && (r.ExpirationInDays !== undefined || r.ExpirationDate !== undefined),
    );
    expect(expiring.length).toBeGreaterThan(0);
    // A rule without a prefix (or one scripts/ keys start with) would delete the scripts jobs run.
    for (const rule of expiring) {
      expect(rule.Prefix ?? '').not.toBe('');
      expect('scripts/1/1-abc.js'.startsWith(rule.Prefix ?? '')).toBe(false);
    }
    // Abandoned multipart uploads are still cleaned up, everywhere.
    expect(rules).toContainEqual(
      expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
    );
  });

  it('logs server access to a retained log bucket', () => {
    const logBucketId = logicalIdOf(stack.payloads.accessLogsBucket!);
    expect(bucket.Properties.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logBucketId });
    expect(template.toJSON().Resources[logBucketId].DeletionPolicy).toBe('Retain');
  });

  it('denies requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: ids.bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('TriggerhubStack demo secret and outputs', () => {
  it('creates triggerhub/demo with a generated 32-character value, retained', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: {
        Name: 'triggerhub/demo',
        GenerateSecretString: { PasswordLength: 32, ExcludePunctuation: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('outputs the API URL, admin ARN, table, queues, bucket, secrets, alarm topic, refusals query and the new functions', () => {
    const outputs: Record<string, { Value: unknown }> = template.toJSON().Outputs;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AdminInvokeArn',
        'AlarmTopicArn',
        'ApiUrl',
        'ConsoleUrl',
        'ConsoleUserPoolId',
        'DeadLetterAlarmName',
        'DemoSecretArn',
        'DemoSecretName',
        'DlqUrl',
        'PayloadBucketName',
        'QueueUrl',
        'RefusalsMetric',
        'RefusalsQueryName',
        'SchedulerFunctionName',
        'ScriptRunnerFunctionName',
        'SecretPrefix',
        'TableName',
      ].sort(),
    );
    expect(outputs.SchedulerFunctionName?.Value).toEqual({ Ref: ids.scheduler });
    expect(outputs.ScriptRunnerFunctionName?.Value).toEqual({ Ref: ids.scriptRunner });
    expect(outputs.QueueUrl?.Value).toEqual({ Ref: ids.queue });
    expect(outputs.DlqUrl?.Value).toEqual({ Ref: ids.dlq });
    expect(outputs.TableName?.Value).toEqual({ Ref: ids.table });
    expect(outputs.DemoSecretName?.Value).toBe('triggerhub/demo');
    expect(outputs.SecretPrefix?.Value).toBe('triggerhub/');
    expect(outputs.RefusalsQueryName?.Value).toBe('triggerhub/refusals');
    expect(outputs.RefusalsMetric?.Value).toBe('Triggerhub WebhookRefusals');
    expect(outputs.AlarmTopicArn?.Value).toEqual({ Ref: logicalIdOf(stack.alarmTopic.topic) });
    expect(flatten(outputs.AdminInvokeArn?.Value)).toBe(
      `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${logicalIdOf(stack.api.httpApi)}>/*/*/admin/*`,
    );
  });
});

describe('TriggerhubStack with custom props', () => {
  it('keeps the queue, the environment, the bucket expiry and the secret names in step', () => {
    // Act
    const custom = synthStack({
      maxReceiveCount: 5,
      retentionDays: 7,
      secretPrefix: 'acme/',
      demoSecretName: 'smarttasks',
      workerTimeout: Duration.minutes(2),
      logLevel: 'DEBUG',
    });
    const resources = custom.template.toJSON().Resources;
    const queue = resources[logicalIdOf(custom.stack.runQueue.queue)].Properties;
    const env = resources[logicalIdOf(custom.stack.worker.lambdaFunction)].Properties.Environment.Variables;
    const sweeperEnv =
      resources[logicalIdOf(custom.stack.sweeper.lambdaFunction)].Properties.Environment.Variables;
    const bucket = resources[logicalIdOf(custom.stack.payloads.bucket)].Properties;
    // Assess
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(5);
    expect(env.TRIGGERHUB_MAX_RECEIVE_COUNT).toBe('5');
    expect(queue.VisibilityTimeout).toBe(720);
    expect(env.TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS).toBe('720');
    expect(sweeperEnv.TRIGGERHUB_MAX_RECEIVE_COUNT).toBe('5');
    expect(sweeperEnv.TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS).toBe('720');
    expect(sweeperEnv.TRIGGERHUB_WORKER_TIMEOUT_SECONDS).toBe('120');
    expect(env.TRIGGERHUB_RETENTION_DAYS).toBe('7');
    expect(bucket.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ Prefix: 'events/', ExpirationInDays: 7 }),
    );
    expect(env.TRIGGERHUB_SECRET_PREFIX).toBe('acme/');
    expect(env.POWERTOOLS_LOG_LEVEL).toBe('DEBUG');
    custom.template.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'acme/smarttasks' });
  });

  it('passes an explicit queue visibility timeout to every function', () => {
    // Act
    const custom = synthStack({ queueVisibilityTimeout: Duration.hours(1) });
    const resources = custom.template.toJSON().Resources;
    // Assess
    expect(resources[logicalIdOf(custom.stack.runQueue.queue)].Properties.VisibilityTimeout).toBe(3600);
    for (const fn of [
      custom.stack.ingest,
      custom.stack.worker,
      custom.stack.admin,
      custom.stack.sweeper,
      custom.stack.scheduler,
    ]) {
      const env = resources[logicalIdOf(fn.lambdaFunction)].Properties.Environment.Variables;
      expect(env.TRIGGERHUB_VISIBILITY_TIMEOUT_SECONDS).toBe('3600');
    }
  });
});
