import { DynamoTaskStore } from '../../shared/store/dynamo-task-store.ts';
import { DynamoTurnStore } from '../../shared/store/dynamo-turn-store.ts';
import { describeTaskStoreContract } from '../contract/task-store.contract.ts';
import { describeTurnStoreContract } from '../contract/turn-store.contract.ts';
import { freshTable } from '../helpers/aws.ts';

// The DynamoDB adapters on dynalite, each test on a table of its own;
// test/unit/task-turn-store-memory.test.ts runs the same suites on the fakes.

describeTaskStoreContract('DynamoTaskStore', async () => new DynamoTaskStore(await freshTable('tasks')));
describeTurnStoreContract('DynamoTurnStore', async () => new DynamoTurnStore(await freshTable('turns')));
