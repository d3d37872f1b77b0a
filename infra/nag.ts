import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
// Not in cdk-nag's index, but it is how IAM5 names a resource finding; using
// it keeps the acknowledged ids equal to the reported ones (cdk-nag is pinned).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for one wildcard resource
 * (`arn:…:secret:triggerhub/*`, `<Table.Arn>/index/*`) on `scope` (a role or
 * its parent), and only that one: any other wildcard is still reported.
 */
export const acknowledgeWildcardResource = (scope: IConstruct, resource: string, reason: string): void => {
  const finding = flattenCfnReference(Stack.of(scope).resolve(resource));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${finding}]`, reason });
};
