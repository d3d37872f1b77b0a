import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  GSI1_ATTRIBUTES,
  GSI1_NAME,
  GSI2_ATTRIBUTES,
  GSI2_NAME,
  TTL_ATTRIBUTE,
} from '../../shared/store/table-definition.ts';

// The layout the stores use (and the local table is created with): one definition for both.
export {
  GSI1_ATTRIBUTES,
  GSI1_NAME,
  GSI2_ATTRIBUTES,
  GSI2_NAME,
  TTL_ATTRIBUTE,
} from '../../shared/store/table-definition.ts';

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
 * checkpoints, state, globals): keys `pk`/`sk`, the listing index `gsi1`
 * (keys and {@link GSI1_ATTRIBUTES}: run summaries and job definitions), the
 * sparse open-runs index `gsi2` (keys and {@link GSI2_ATTRIBUTES}), on-demand billing, point-in-time recovery, TTL
 * on `expiresAt`, AWS-managed encryption.
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
    // INCLUDE rather than ALL (both indexes): every write of a run is copied to each index
    // that holds it, so each copy is kept to what its reader needs — a history page shows
    // summaries, not a run's event, output and log. CloudFormation cannot change an
    // index's projection in place: see the CHANGELOG for an existing stack.
    this.table.addGlobalSecondaryIndex({
      indexName: GSI1_NAME,
      partitionKey: { name: 'gsi1pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi1sk', type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...GSI1_ATTRIBUTES],
    });
    this.table.addGlobalSecondaryIndex({
      indexName: GSI2_NAME,
      partitionKey: { name: 'gsi2pk', type: AttributeType.STRING },
      sortKey: { name: 'gsi2sk', type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...GSI2_ATTRIBUTES],
    });
  }
}
