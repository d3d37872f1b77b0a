import { describeStateStoreContract } from '../contract/state-store.contract.ts';
import { MemoryStateStore } from '../helpers/memory-state-store.ts';

// The fake the unit tests use must behave as the DynamoDB adapter it stands for: the same
// suite runs against dynalite in test/integration/state-store-dynamo.test.ts.

describeStateStoreContract('MemoryStateStore', () => Promise.resolve(new MemoryStateStore()));
