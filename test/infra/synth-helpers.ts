import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { createTriggerhubApp } from '../../infra/triggerhub-app.ts';
import type { TriggerhubAppOptions } from '../../infra/triggerhub-app.ts';
import type { TriggerhubStack, TriggerhubStackProps } from '../../infra/stack.ts';

/** App context that skips esbuild: a synth takes well under a second. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/**
 * The triggerhub app with bundling skipped and no account/region from the
 * caller's environment, so templates are the same on every machine. CDK's
 * built-in CloudFormation schema validation (~4 s on first use) is off unless
 * `appProps` turns it on; the cdk-nag test keeps it, as `npm run synth` does.
 */
export const createTestApp = (options: Omit<TriggerhubAppOptions, 'processEnv'> = {}) =>
  createTriggerhubApp({
    ...options,
    appProps: {
      builtinCloudFormationValidation: false,
      treeMetadata: false,
      ...options.appProps,
      context: { ...SKIP_BUNDLING, ...options.appProps?.context },
    },
    processEnv: {},
  });

/** Synthesizes the stack (bundling skipped, cdk-nag off) and returns its template. */
export const synthStack = (
  stackProps: TriggerhubStackProps = {},
): { readonly stack: TriggerhubStack; readonly template: Template } => {
  const { stack } = createTestApp({ stackProps, nag: false });
  return { stack, template: Template.fromStack(stack) };
};

/** The logical id of a construct's CloudFormation resource. */
export const logicalIdOf = (construct: IConstruct): string => {
  const child = construct.node.defaultChild;
  if (!CfnElement.isCfnElement(child))
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(child);
};

/** One IAM policy statement as CloudFormation holds it. */
export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** Every statement of every AWS::IAM::Policy attached to the role with logical id `roleId`. */
export const statementsOfRole = (template: Template, roleId: string): Statement[] =>
  Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);

/** The actions of a statement, always as a list. */
export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/**
 * A CloudFormation value as one readable string: `Fn::Join` joined, `Ref` as
 * `<Id>`, `Fn::GetAtt` as `<Id.Attr>` (the way cdk-nag names resources).
 */
export const flatten = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(flatten).join(',');
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const join = record['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, parts] = join as [string, unknown[]];
      return parts.map(flatten).join(delimiter);
    }
    if (typeof record['Ref'] === 'string') return `<${record['Ref']}>`;
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
  }
  return JSON.stringify(value);
};

/** The resources a statement applies to, each flattened. */
export const resourcesOf = (statement: Statement): string[] =>
  (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map(flatten);
