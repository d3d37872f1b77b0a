import type { AppProps } from 'aws-cdk-lib';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { throwIfProblems } from './props-check.ts';
import type { TriggerhubStackProps } from './stack.ts';
import { TriggerhubStack, checkTriggerhubStackProps } from './stack.ts';

/** Name of the default stage's stack in the cloud assembly and in CloudFormation. */
export const STACK_NAME = 'Triggerhub';

/** The stack of a stage: `Triggerhub` for the default stage, `Triggerhub-<stage>` otherwise. */
export const stackNameOf = (stage: string | undefined): string =>
  stage === undefined ? STACK_NAME : `${STACK_NAME}-${stage}`;

/** The CDK context keys the app reads (`cdk deploy -c stage=prod -c alarmEmail=ops@example.com`). */
export const CONTEXT_KEYS = [
  'stage',
  'secretPrefix',
  'secretsKmsKeyArn',
  'alarmEmail',
  'consoleDomainPrefix',
] as const;
type ContextKey = (typeof CONTEXT_KEYS)[number];

/**
 * The stack props given as CDK context, and the problems with them (a value
 * that is not a string). An empty value counts as not given, so
 * `-c alarmEmail=` turns a default back on.
 */
export const propsFromContext = (
  app: App,
): { props: Pick<TriggerhubStackProps, ContextKey>; problems: string[] } => {
  const props: Partial<Record<ContextKey, string>> = {};
  const problems: string[] = [];
  for (const key of CONTEXT_KEYS) {
    const value: unknown = app.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') continue;
    if (typeof value === 'string') props[key] = value;
    else problems.push(`context ${key} must be a string (got ${JSON.stringify(value)})`);
  }
  return { props, problems };
};

/**
 * Options of {@link createTriggerhubApp}.
 */
export interface TriggerhubAppOptions {
  /**
   * Props of the App (context, outdir). Tests pass
   * `{ context: { 'aws:cdk:bundling-stacks': [] } }` to skip bundling.
   *
   * @default {}
   */
  readonly appProps?: AppProps;
  /**
   * Props of the stack, over those given as CDK context (`stage`,
   * `secretPrefix`, `secretsKmsKeyArn`, `alarmEmail`, `consoleDomainPrefix`).
   *
   * @default env from CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION when set, otherwise environment-agnostic
   */
  readonly stackProps?: TriggerhubStackProps;
  /**
   * Run cdk-nag's AwsSolutions checks at synth; an unacknowledged error finding fails the synth.
   *
   * @default true
   */
  readonly nag?: boolean;
  /**
   * Where CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION are read from.
   *
   * @default process.env
   */
  readonly processEnv?: NodeJS.ProcessEnv;
}

/** The environment the CDK CLI resolved from the caller's profile, when it did. */
const defaultEnv = (env: NodeJS.ProcessEnv): TriggerhubStackProps['env'] => {
  const account = env['CDK_DEFAULT_ACCOUNT'];
  const region = env['CDK_DEFAULT_REGION'];
  if (!account && !region) return undefined;
  return { ...(account ? { account } : {}), ...(region ? { region } : {}) };
};

/**
 * The triggerhub CDK app: one {@link TriggerhubStack} per stage (CDK context
 * `stage`; stack `Triggerhub` for the default stage, `Triggerhub-<stage>`
 * otherwise), checked by cdk-nag's AwsSolutions pack through CDK's policy
 * validation (cdk-nag 3). Every problem in the context and the props is
 * reported at once, before anything is built.
 */
export const createTriggerhubApp = (
  options: TriggerhubAppOptions = {},
): { readonly app: App; readonly stack: TriggerhubStack } => {
  const app = new App(options.appProps);
  const env = defaultEnv(options.processEnv ?? process.env);
  const fromContext = propsFromContext(app);
  const props: TriggerhubStackProps = {
    description: 'triggerhub: serverless integration hub (webhooks and schedules run your integration code)',
    ...(env ? { env } : {}),
    ...fromContext.props,
    ...options.stackProps,
  };
  throwIfProblems('triggerhub app', [...fromContext.problems, ...checkTriggerhubStackProps(props)]);
  const stack = new TriggerhubStack(app, stackNameOf(props.stage), props);
  if (options.nag ?? true) {
    // writeSuppressionsToCloudFormation: every acknowledged finding and its
    // reason is also written to the resource's Metadata, an audit trail that
    // travels with the template.
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  }
  return { app, stack };
};
