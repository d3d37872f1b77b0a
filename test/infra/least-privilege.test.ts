import { describe, expect, it } from 'vitest';
import type { TriggerhubFunction } from '../../infra/constructs/triggerhub-function.ts';
import type { Statement } from './synth-helpers.ts';
import {
  actionsOf,
  flatten,
  logicalIdOf,
  resourcesOf,
  statementsOfRole,
  synthStack,
} from './synth-helpers.ts';

const { stack, template } = synthStack();
const queueArn = `<${logicalIdOf(stack.runQueue.queue)}.Arn>`;
const tableArn = `<${logicalIdOf(stack.table.table)}.Arn>`;
const bucket = `<${logicalIdOf(stack.payloads.bucket)}.Arn>`;
const bucketObjects = `${bucket}/*`;
const dlqArn = `<${logicalIdOf(stack.runQueue.deadLetterQueue)}.Arn>`;
const runnerArn = `<${logicalIdOf(stack.scriptRunner.lambdaFunction)}.Arn>`;
const secretsUnderPrefix =
  '<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:triggerhub/*';
const globalSecrets =
  'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:triggerhub/global/*';
const topicArn = `<${logicalIdOf(stack.alarmTopic.topic)}>`;
const topicKeyArn = `<${logicalIdOf(stack.alarmTopic.key)}.Arn>`;

const statementsOf = (fn: TriggerhubFunction): Statement[] =>
  statementsOfRole(template, logicalIdOf(fn.role));
/** Every (action, resource) pair the function's role allows. */
const allowed = (fn: TriggerhubFunction): { action: string; resource: string }[] =>
  statementsOf(fn)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) =>
      actionsOf(s).flatMap((action) => resourcesOf(s).map((resource) => ({ action, resource }))),
    );
const actionsFor = (fn: TriggerhubFunction, service: string): string[] =>
  [
    ...new Set(
      allowed(fn)
        .filter((p) => p.action.startsWith(`${service}:`))
        .map((p) => p.action),
    ),
  ].sort();
const resourcesFor = (fn: TriggerhubFunction, action: string): string[] => [
  ...new Set(
    allowed(fn)
      .filter((p) => p.action === action)
      .map((p) => p.resource),
  ),
];

const functions = {
  ingest: stack.ingest,
  worker: stack.worker,
  admin: stack.admin,
  sweeper: stack.sweeper,
  scheduler: stack.scheduler,
};

describe('least privilege: every function', () => {
  it.each(Object.entries(functions))('%s uses its own role with no AWS managed policy', (_name, fn) => {
    const role = template.toJSON().Resources[logicalIdOf(fn.role)];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
  });

  it.each(Object.entries(functions))(
    '%s has no wildcard action and "*" only for X-Ray (and BatchGetSecretValue, which names no resource)',
    (name, fn) => {
      for (const { action, resource } of allowed(fn)) {
        expect(action).not.toContain('*');
        if (resource === '*') {
          expect(action).toMatch(
            name === 'ingest' || name === 'worker' || name === 'admin'
              ? /^(xray:Put(TraceSegments|TelemetryRecords)|secretsmanager:BatchGetSecretValue)$/
              : /^xray:Put(TraceSegments|TelemetryRecords)$/,
          );
        }
      }
    },
  );

  it.each(Object.entries(functions))('%s writes logs only to its own log group', (_name, fn) => {
    expect(actionsFor(fn, 'logs')).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(resourcesFor(fn, 'logs:PutLogEvents')).toEqual([`<${logicalIdOf(fn.logGroup)}.Arn>`]);
  });

  it.each(Object.entries(functions))(
    '%s uses KMS only for the alarm topic’s key, through SNS (the table and the secrets use AWS-managed keys)',
    (_name, fn) => {
      const kms = statementsOf(fn).filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
      expect(kms).toHaveLength(1);
      expect(actionsOf(kms[0] ?? { Effect: '', Action: [], Resource: [] })).toEqual([
        'kms:GenerateDataKey',
        'kms:Decrypt',
      ]);
      expect(resourcesFor(fn, 'kms:Decrypt')).toEqual([topicKeyArn]);
      expect(flatten(kms[0]?.Condition)).toContain('"kms:ViaService"');
      expect(flatten(kms[0]?.Condition)).toContain('sns.');
    },
  );

  it.each(Object.entries(functions))(
    '%s may publish (error notifications) to the alarm topic only',
    (_name, fn) => {
      expect(actionsFor(fn, 'sns')).toEqual(['sns:Publish']);
      expect(resourcesFor(fn, 'sns:Publish')).toEqual([topicArn]);
    },
  );
});

/** Every DynamoDB action the function's role allows → the sorted resources it is allowed on. */
const dynamoGrants = (fn: TriggerhubFunction): Record<string, string[]> =>
  Object.fromEntries(actionsFor(fn, 'dynamodb').map((action) => [action, resourcesFor(fn, action).sort()]));

describe('least privilege: DynamoDB', () => {
  const tableIndexes = `${tableArn}/index/*`;

  // The run path's toolbox (state, checkpoint, globals, notifications, effects) reads and writes
  // items of the table and queries partitions of it; none of it touches an index.
  const toolboxOnTable = {
    'dynamodb:DeleteItem': [tableArn],
    'dynamodb:GetItem': [tableArn],
    'dynamodb:PutItem': [tableArn],
    'dynamodb:Query': [tableArn],
    'dynamodb:UpdateItem': [tableArn],
  };

  it('ingest: gets, puts, deletes, updates and queries items of the table (a decision’s toolbox), no index', () => {
    expect(dynamoGrants(stack.ingest)).toEqual(toolboxOnTable);
  });

  it('worker: the run (get, update) and its toolbox (put, delete, query) on the table, no index', () => {
    expect(dynamoGrants(stack.worker)).toEqual(toolboxOnTable);
  });

  it('admin: items of the table, batched reads of it (the jobs grid), and queries of the table and its indexes', () => {
    expect(dynamoGrants(stack.admin)).toEqual({
      ...toolboxOnTable,
      'dynamodb:BatchGetItem': [tableArn],
      'dynamodb:Query': [tableArn, tableIndexes].sort(),
    });
  });

  it('sweeper: gets and updates runs, puts notifications, deletes turns, queries gsi2 (open runs) and gsi1 (overdue schedules) only', () => {
    expect(dynamoGrants(stack.sweeper)).toEqual({
      'dynamodb:DeleteItem': [tableArn],
      'dynamodb:GetItem': [tableArn],
      'dynamodb:PutItem': [tableArn],
      'dynamodb:Query': [`${tableArn}/index/gsi1`, `${tableArn}/index/gsi2`],
      'dynamodb:UpdateItem': [tableArn],
    });
  });

  it('scheduler: reads, claims, creates, advances and removes items of the table, queries gsi1 (due schedules) only', () => {
    expect(dynamoGrants(stack.scheduler)).toEqual({
      'dynamodb:DeleteItem': [tableArn],
      'dynamodb:GetItem': [tableArn],
      'dynamodb:PutItem': [tableArn],
      'dynamodb:Query': [`${tableArn}/index/gsi1`],
      'dynamodb:UpdateItem': [tableArn],
    });
  });

  it('no role in the stack may scan or write in batches; only admin may read in batches', () => {
    // Act: every action string anywhere in the template (attached, inline and resource policies)
    const actions = JSON.stringify(template.toJSON()).match(/"dynamodb:[^"]*"/g) ?? [];
    // Assess: the functions' grants are found, so a changed template shape cannot empty the list unnoticed
    expect(actions).toContain('"dynamodb:Query"');
    expect(actions.filter((a) => /^"dynamodb:(scan|batch(?!GetItem)|\*)/i.test(a))).toEqual([]);
    for (const [name, fn] of Object.entries(functions)) {
      expect(actionsFor(fn, 'dynamodb').includes('dynamodb:BatchGetItem'), name).toBe(name === 'admin');
    }
  });
});

describe('least privilege: ingest', () => {
  it('may send to the run queue and nothing else in SQS', () => {
    expect(actionsFor(stack.ingest, 'sqs')).toEqual([
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    expect(resourcesFor(stack.ingest, 'sqs:SendMessage')).toEqual([queueArn]);
  });

  it('may only put payload objects in the bucket', () => {
    expect(actionsFor(stack.ingest, 's3')).toEqual(['s3:PutObject']);
    expect(resourcesFor(stack.ingest, 's3:PutObject')).toEqual([bucketObjects]);
  });

  it('may read secret values only under the triggerhub/ prefix (BatchGet is bound by GetSecretValue)', () => {
    expect(actionsFor(stack.ingest, 'secretsmanager')).toEqual([
      'secretsmanager:BatchGetSecretValue',
      'secretsmanager:GetSecretValue',
    ]);
    expect(resourcesFor(stack.ingest, 'secretsmanager:GetSecretValue')).toEqual([
      `arn:${secretsUnderPrefix}`,
    ]);
    expect(resourcesFor(stack.ingest, 'secretsmanager:BatchGetSecretValue')).toEqual(['*']);
  });
});

describe('least privilege: worker', () => {
  it('may consume the run queue, change visibility for back-off, and send to it only (a deferred run)', () => {
    expect(actionsFor(stack.worker, 'sqs')).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
    expect(resourcesFor(stack.worker, 'sqs:ReceiveMessage')).toEqual([queueArn]);
    expect(resourcesFor(stack.worker, 'sqs:ChangeMessageVisibility')).toEqual([queueArn]);
    expect(resourcesFor(stack.worker, 'sqs:SendMessage')).toEqual([queueArn]);
  });

  it('may only get payload objects from the bucket, and list it (a missing key is NoSuchKey, not 403)', () => {
    expect(actionsFor(stack.worker, 's3')).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(resourcesFor(stack.worker, 's3:GetObject')).toEqual([bucketObjects]);
    expect(resourcesFor(stack.worker, 's3:ListBucket')).toEqual([bucket]);
  });

  it('may invoke the script runner and no other function (unqualified: no version or alias)', () => {
    expect(actionsFor(stack.worker, 'lambda')).toEqual(['lambda:InvokeFunction']);
    expect(resourcesFor(stack.worker, 'lambda:InvokeFunction')).toEqual([runnerArn]);
    for (const fn of [stack.ingest, stack.admin, stack.sweeper, stack.scheduler, stack.scriptRunner]) {
      expect(actionsFor(fn, 'lambda')).toEqual([]);
    }
  });

  it('may read secret values only under the triggerhub/ prefix (BatchGet is bound by GetSecretValue)', () => {
    expect(actionsFor(stack.worker, 'secretsmanager')).toEqual([
      'secretsmanager:BatchGetSecretValue',
      'secretsmanager:GetSecretValue',
    ]);
    expect(resourcesFor(stack.worker, 'secretsmanager:GetSecretValue')).toEqual([
      `arn:${secretsUnderPrefix}`,
    ]);
    expect(resourcesFor(stack.worker, 'secretsmanager:BatchGetSecretValue')).toEqual(['*']);
  });
});

describe('least privilege: admin', () => {
  it('may send to the run queue (run now, replays, redrives), and peek at and delete from the DLQ only', () => {
    expect(actionsFor(stack.admin, 'sqs')).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
    expect(resourcesFor(stack.admin, 'sqs:SendMessage')).toEqual([queueArn]);
    for (const action of ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage']) {
      expect(resourcesFor(stack.admin, action)).toEqual([dlqArn]);
    }
  });

  it('may put and get uploaded scripts under scripts/ and events under events/, nothing else in the bucket', () => {
    expect(actionsFor(stack.admin, 's3')).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(resourcesFor(stack.admin, 's3:PutObject').sort()).toEqual(
      [`${bucket}/events/*`, `${bucket}/scripts/*`].sort(),
    );
    // events/: a replay checks its original's stored event still exists (a ranged GetObject).
    expect(resourcesFor(stack.admin, 's3:GetObject').sort()).toEqual(
      [`${bucket}/events/*`, `${bucket}/scripts/*`].sort(),
    );
  });

  it('may list the payload bucket (a missing event is then 404, not 403), and no other bucket', () => {
    expect(resourcesFor(stack.admin, 's3:ListBucket')).toEqual([bucket]);
  });

  it('may write the masked globals’ secrets, under triggerhub/global/ only', () => {
    for (const action of [
      'secretsmanager:CreateSecret',
      'secretsmanager:DeleteSecret',
      'secretsmanager:PutSecretValue',
    ]) {
      expect(resourcesFor(stack.admin, action)).toEqual([globalSecrets]);
    }
  });

  it('may read secret values only under the triggerhub/ prefix, as the worker (a ticket job’s target calls)', () => {
    expect(actionsFor(stack.admin, 'secretsmanager')).toEqual([
      'secretsmanager:BatchGetSecretValue',
      'secretsmanager:CreateSecret',
      'secretsmanager:DeleteSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ]);
    expect(resourcesFor(stack.admin, 'secretsmanager:GetSecretValue')).toEqual([`arn:${secretsUnderPrefix}`]);
    expect(resourcesFor(stack.admin, 'secretsmanager:BatchGetSecretValue')).toEqual(['*']);
  });

  it('is allowed nothing beyond logs, tracing, the table, masked globals, the queues, scripts and the alarm topic', () => {
    const services = new Set(allowed(stack.admin).map((p) => p.action.split(':')[0]));
    expect([...services].sort()).toEqual([
      'dynamodb',
      'kms',
      'logs',
      's3',
      'secretsmanager',
      'sns',
      'sqs',
      'xray',
    ]);
  });
});

describe('least privilege: secret prefix', () => {
  it('follows the secretPrefix prop', () => {
    // Act
    const custom = synthStack({ secretPrefix: 'acme/' });
    const statements = statementsOfRole(custom.template, logicalIdOf(custom.stack.ingest.role));
    const secretResources = statements
      .filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))
      .flatMap(resourcesOf);
    // Assess
    expect(secretResources).toEqual([
      'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:acme/*',
    ]);
  });
});

describe('least privilege: sweeper', () => {
  it('may only send to the run queue in SQS (no receive, delete or DLQ access)', () => {
    expect(actionsFor(stack.sweeper, 'sqs')).toEqual(['sqs:SendMessage']);
    expect(resourcesFor(stack.sweeper, 'sqs:SendMessage')).toEqual([queueArn]);
  });

  it('has no S3 or Secrets Manager access', () => {
    expect(actionsFor(stack.sweeper, 's3')).toEqual([]);
    expect(actionsFor(stack.sweeper, 'secretsmanager')).toEqual([]);
  });

  it('is allowed nothing beyond logs, tracing, the table, the run queue and the alarm topic', () => {
    const services = new Set(allowed(stack.sweeper).map((p) => p.action.split(':')[0]));
    expect([...services].sort()).toEqual(['dynamodb', 'kms', 'logs', 'sns', 'sqs', 'xray']);
  });

  it('is not invoked by any event source mapping (only by its schedule)', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings.map((m): unknown => m.Properties.FunctionName)).toEqual([
      { Ref: logicalIdOf(stack.worker.lambdaFunction) },
    ]);
  });
});

describe('least privilege: scheduler', () => {
  it('may only send to the run queue in SQS', () => {
    expect(actionsFor(stack.scheduler, 'sqs')).toEqual(['sqs:SendMessage']);
    expect(resourcesFor(stack.scheduler, 'sqs:SendMessage')).toEqual([queueArn]);
  });

  it('is allowed nothing beyond logs, tracing, the table, the run queue and the alarm topic', () => {
    const services = new Set(allowed(stack.scheduler).map((p) => p.action.split(':')[0]));
    expect([...services].sort()).toEqual(['dynamodb', 'kms', 'logs', 'sns', 'sqs', 'xray']);
  });
});

describe('least privilege: script runner', () => {
  it('uses its own role, assumed by Lambda only, with no managed or inline policy', () => {
    const role = template.toJSON().Resources[logicalIdOf(stack.scriptRunner.role)];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    expect(role.Properties.Policies).toBeUndefined();
  });

  it('may write its own log group and nothing else: no table, queue, bucket, secret, key or tracing', () => {
    expect(allowed(stack.scriptRunner)).toEqual(
      expect.arrayContaining([
        { action: 'logs:PutLogEvents', resource: `<${logicalIdOf(stack.scriptRunner.logGroup)}.Arn>` },
      ]),
    );
    for (const { action, resource } of allowed(stack.scriptRunner)) {
      expect(action).toMatch(/^logs:(CreateLogStream|PutLogEvents)$/);
      expect(resource).toBe(`<${logicalIdOf(stack.scriptRunner.logGroup)}.Arn>`);
    }
    expect(statementsOf(stack.scriptRunner).every((s) => s.Effect === 'Allow')).toBe(true);
  });

  it('is named in no other policy of the stack but the worker’s invoke grant', () => {
    const mentioning = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, policy]) =>
        JSON.stringify(policy.Properties.PolicyDocument).includes(
          `"${logicalIdOf(stack.scriptRunner.lambdaFunction)}"`,
        ),
      )
      .map(([, policy]): unknown => policy.Properties.Roles);
    expect(mentioning).toEqual([[{ Ref: logicalIdOf(stack.worker.role) }]]);
  });
});

describe('least privilege: secrets under a customer-managed KMS key', () => {
  const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const custom = synthStack({ secretsKmsKeyArn: keyArn });
  /** The KMS statements on that key (the alarm topic's own key is checked above). */
  const kmsStatements = (fn: TriggerhubFunction): Statement[] =>
    statementsOfRole(custom.template, logicalIdOf(fn.role)).filter(
      (s) => actionsOf(s).some((a) => a.startsWith('kms:')) && s.Resource === keyArn,
    );

  it.each([
    ['ingest', custom.stack.ingest],
    ['worker', custom.stack.worker],
  ] as const)('%s may decrypt with that key only, and only through Secrets Manager', (_name, fn) => {
    const statements = kmsStatements(fn);
    expect(statements).toHaveLength(1);
    const [statement] = statements;
    expect(statement?.Effect).toBe('Allow');
    expect(actionsOf(statement ?? { Effect: '', Action: [], Resource: [] })).toEqual(['kms:Decrypt']);
    expect(statement?.Resource).toBe(keyArn);
    expect(flatten(statement?.Condition)).toBe(
      JSON.stringify({
        StringEquals: {
          'kms:ViaService': {
            'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
          },
        },
      }),
    );
  });

  it('admin may use that key only through Secrets Manager, as writing and reading a secret under it need: GenerateDataKey and Decrypt', () => {
    const statements = kmsStatements(custom.stack.admin);
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0] ?? { Effect: '', Action: [], Resource: [] })).toEqual([
      'kms:GenerateDataKey',
      'kms:Decrypt',
    ]);
    expect(flatten(statements[0]?.Condition)).toContain('secretsmanager.');
  });

  it('admin, alone, is told the key, so that the masked globals it creates are created under it', () => {
    const environmentOf = (fn: TriggerhubFunction): Record<string, unknown> =>
      (
        custom.template.toJSON().Resources[logicalIdOf(fn.lambdaFunction)].Properties as {
          Environment: { Variables: Record<string, unknown> };
        }
      ).Environment.Variables;
    expect(environmentOf(custom.stack.admin).TRIGGERHUB_SECRETS_KMS_KEY_ARN).toBe(keyArn);
    for (const fn of [custom.stack.ingest, custom.stack.worker, custom.stack.sweeper]) {
      expect(environmentOf(fn)).not.toHaveProperty('TRIGGERHUB_SECRETS_KMS_KEY_ARN');
    }
  });

  it('the sweeper, the scheduler and the script runner, which touch no secret, have no access to that key', () => {
    expect(kmsStatements(custom.stack.sweeper)).toEqual([]);
    expect(kmsStatements(custom.stack.scheduler)).toEqual([]);
    expect(kmsStatements(custom.stack.scriptRunner)).toEqual([]);
  });
});
