import type { AppProps } from 'aws-cdk-lib';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { TriggerhubStackProps } from './stack.ts';
import { TriggerhubStack } from './stack.ts';

/** Name of the stack in the cloud assembly and in CloudFormation. */
export const STACK_NAME = 'Triggerhub';

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
   * Props of the stack.
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
 * The triggerhub CDK app: one {@link TriggerhubStack}, checked by cdk-nag's
 * AwsSolutions pack through CDK's policy validation (cdk-nag 3).
 */
export const createTriggerhubApp = (
  options: TriggerhubAppOptions = {},
): { readonly app: App; readonly stack: TriggerhubStack } => {
  const app = new App(options.appProps);
  const env = defaultEnv(options.processEnv ?? process.env);
  const stack = new TriggerhubStack(app, STACK_NAME, {
    description: 'triggerhub: serverless integration hub (webhooks and schedules run your integration code)',
    ...(env ? { env } : {}),
    ...options.stackProps,
  });
  if (options.nag ?? true) {
    // writeSuppressionsToCloudFormation: every acknowledged finding and its
    // reason is also written to the resource's Metadata, an audit trail that
    // travels with the template.
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
  }
  return { app, stack };
};
