import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Name of the one global secondary index (`gsi1pk` / `gsi1sk`). */
export const GSI1_NAME = 'gsi1';

/** Item attribute DynamoDB TTL reads (epoch seconds), set by the stores on runs and deliveries. */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * Props of {@link TriggerhubTable}.
 */
export interface TriggerhubTableProps {
  /**
   * What happens to the table when it leaves the stack. It holds jobs, run
   * history and state: keep it unless you mean to lose them.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The single DynamoDB table behind every store (jobs, runs, deliveries,
 * checkpoints, state, globals): keys `pk`/`sk`, one GSI `gsi1`, on-demand
 * billing, point-in-time recovery, TTL on `expiresAt`, AWS-managed encryption.
 * The name is left to CloudFormation; functions get it as `TRIGGERHUB_TABLE`.
 */
export class TriggerhubTable extends Construct {
  public readonly table: Table;

  constructor(scope: Construct, id: string, props: TriggerhubTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: GSI1_NAME,
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }
}
