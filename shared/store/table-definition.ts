import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Job listing and each job's run history. */
export const GSI1_NAME = 'gsi1';
/** Sparse: open (queued or running) runs only, by when they last moved; read by the sweeper and recovery. */
export const GSI2_NAME = 'gsi2';
/** What gsi2 projects besides the keys: all the sweeper reads. */
export const GSI2_ATTRIBUTES = ['jobId', 'status', 'attempt', 'mode', 'startedAt', 'createdAt'];
/**
 * The TTL attribute (epoch seconds). The CDK table declares it; dynalite cannot
 * (no UpdateTimeToLive), so locally items simply stay.
 */
export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * The single table's CreateTable input (on demand), for the local stack and the
 * integration tests. The CDK construct declares the same layout.
 */
export const tableDefinition = (tableName: string): CreateTableCommandInput => ({
  TableName: tableName,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
    { AttributeName: 'gsi2pk', AttributeType: 'S' },
    { AttributeName: 'gsi2sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: GSI1_NAME,
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: GSI2_NAME,
      KeySchema: [
        { AttributeName: 'gsi2pk', KeyType: 'HASH' },
        { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: GSI2_ATTRIBUTES },
    },
  ],
});
