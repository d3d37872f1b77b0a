import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoEffectLedger } from '../../shared/store/dynamo-effect-ledger.ts';
import { tableDefinition } from '../../shared/store/table-definition.ts';
import { describeEffectLedgerContract } from '../contract/effect-ledger.contract.ts';
import { testClients } from '../helpers/aws.ts';

/** A table of its own on dynalite, ACTIVE (dynalite turns it so a moment after answering). */
const freshEffectTable = async (): Promise<{
  client: ReturnType<typeof testClients>['ddb'];
  tableName: string;
}> => {
  const { ddb } = testClients();
  const tableName = `effects-${randomBytes(6).toString('hex')}`;
  await ddb.send(new CreateTableCommand(tableDefinition(tableName)));
  for (let i = 0; i < 200; i++) {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return { client: ddb, tableName };
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
};

// The adapter on dynalite with the real SDK, a table per test; test/unit/effect-ledger-memory.test.ts runs
// the same suite against the in-memory fake.
describeEffectLedgerContract(
  'DynamoEffectLedger',
  async () => new DynamoEffectLedger(await freshEffectTable()),
);
