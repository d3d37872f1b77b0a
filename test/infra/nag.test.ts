import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { createTestApp, logicalIdOf } from './synth-helpers.ts';

/** Unacknowledged cdk-nag findings as "rule at path" lines, readable in a failed assertion. */
const findings = (report: ReturnType<AwsSolutionsChecks['validateScope']>): string[] =>
  report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath ?? '?'}`),
  );

/** Every acknowledged finding in a synthesized template: rule id → reasons. */
const acknowledgements = (template: {
  Resources: Record<
    string,
    { Metadata?: { cdk_nag?: { rules_to_suppress: { id: string; reason: string }[] } } }
  >;
}): Map<string, Set<string>> => {
  const result = new Map<string, Set<string>>();
  for (const resource of Object.values(template.Resources)) {
    for (const rule of resource.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
      result.set(rule.id, (result.get(rule.id) ?? new Set()).add(rule.reason));
    }
  }
  return result;
};

describe('cdk-nag AwsSolutions checks', () => {
  it('synthesizes the app with no unacknowledged finding', () => {
    // Prepare: CloudFormation schema validation on, as in `npm run synth`
    const { app } = createTestApp({ appProps: { builtinCloudFormationValidation: true } });
    // Act: under vitest (NODE_ENV=test) a failing validation throws from synth with the report
    const assembly = app.synth();
    const rescan = new AwsSolutionsChecks().validateScope(app);
    const report: { pluginReports: { violations: unknown[] }[] } = JSON.parse(
      readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
    );
    // Assess
    expect(findings(rescan)).toEqual([]);
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
  });

  it('acknowledges only the expected findings, each with a written reason', () => {
    // Act
    const { app, stack } = createTestApp();
    const template: Parameters<typeof acknowledgements>[0] = app
      .synth()
      .getStackByName(stack.stackName).template;
    const acknowledged = acknowledgements(template);
    // Assess
    expect([...acknowledged.keys()].sort()).toEqual(
      [
        'AwsSolutions-APIG4',
        'AwsSolutions-IAM5[Resource::*]',
        `AwsSolutions-IAM5[Resource::<${logicalIdOf(stack.table.table)}.Arn>/index/*]`,
        `AwsSolutions-IAM5[Resource::<${logicalIdOf(stack.payloads.bucket)}.Arn>/*]`,
        `AwsSolutions-IAM5[Resource::<${logicalIdOf(stack.payloads.bucket)}.Arn>/scripts/*]`,
        `AwsSolutions-IAM5[Resource::<${logicalIdOf(stack.payloads.bucket)}.Arn>/events/*]`,
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:triggerhub/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:triggerhub/global/*]',
        'AwsSolutions-SMG4',
      ].sort(),
    );
    for (const reasons of acknowledged.values()) {
      for (const reason of reasons) expect(reason.length).toBeGreaterThan(40);
    }
  });

  it('acknowledges the unauthorized $default route (to ingest) with its own reason', () => {
    // Act
    const { app, stack } = createTestApp();
    const template: Parameters<typeof acknowledgements>[0] = app
      .synth()
      .getStackByName(stack.stackName).template;
    const defaultRoute = Object.fromEntries(
      Object.entries(template.Resources).filter(
        ([id, r]) =>
          id.includes('DefaultRoute') && (r as { Type?: string }).Type === 'AWS::ApiGatewayV2::Route',
      ),
    );
    // Assess: one route resource, APIG4 alone, and a reason that says why it is safe
    expect(Object.keys(defaultRoute)).toHaveLength(1);
    const acknowledged = acknowledgements({ Resources: defaultRoute });
    expect([...acknowledged.keys()]).toEqual(['AwsSolutions-APIG4']);
    expect([...(acknowledged.get('AwsSolutions-APIG4') ?? [])].join()).toMatch(
      /\$default.*JSON.*404\/405.*IAM-authorized/s,
    );
  });

  it('acknowledges nothing on the sweeper role but X-Ray (its index grant names gsi2, no wildcard)', () => {
    // Act
    const { app, stack } = createTestApp();
    const template: Parameters<typeof acknowledgements>[0] = app
      .synth()
      .getStackByName(stack.stackName).template;
    const sweeperPolicies = Object.fromEntries(
      Object.entries(template.Resources).filter(([id]) => id.startsWith('SweeperRole')),
    );
    // Assess: the role and its default policy are both found
    expect(Object.keys(sweeperPolicies)).toHaveLength(2);
    expect([...acknowledgements({ Resources: sweeperPolicies }).keys()]).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
    ]);
  });

  it('acknowledges nothing on the scheduler role but X-Ray, and nothing at all on the script runner’s', () => {
    // Act
    const { app, stack } = createTestApp();
    const template: Parameters<typeof acknowledgements>[0] = app
      .synth()
      .getStackByName(stack.stackName).template;
    const resourcesOf = (prefix: string) =>
      Object.fromEntries(Object.entries(template.Resources).filter(([id]) => id.startsWith(prefix)));
    const scheduler = resourcesOf('SchedulerRole');
    const runner = resourcesOf('ScriptRunnerRole');
    // Assess: each role and its default policy are found
    expect(Object.keys(scheduler)).toHaveLength(2);
    expect(Object.keys(runner)).toHaveLength(2);
    expect([...acknowledgements({ Resources: scheduler }).keys()]).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
    ]);
    expect([...acknowledgements({ Resources: runner }).keys()]).toEqual([]);
  });

  it('fails the synth on a finding nobody acknowledged', () => {
    // Prepare: a queue without DLQ or TLS-only policy
    const { app, stack } = createTestApp();
    new Queue(stack, 'Careless');
    // Act + Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3[\s\S]*Triggerhub\/Careless/);
  });

  it('still passes with payload access logs turned off (S1 acknowledged with a reason)', () => {
    const { app } = createTestApp({ stackProps: { payloadAccessLogs: false } });
    expect(() => app.synth()).not.toThrow();
    expect(findings(new AwsSolutionsChecks().validateScope(app))).toEqual([]);
  });

  it('still passes with a stage, an alarm e-mail and a customer-managed secrets key from the context', () => {
    const { app } = createTestApp({
      appProps: {
        context: {
          stage: 'prod',
          alarmEmail: 'ops@example.com',
          secretsKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        },
      },
    });
    expect(() => app.synth()).not.toThrow();
    expect(findings(new AwsSolutionsChecks().validateScope(app))).toEqual([]);
  });
});
