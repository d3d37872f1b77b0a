import { describeCheckpointStoreContract } from '../contract/checkpoint-store.contract.ts';
import { MemoryCheckpointStore } from '../helpers/memory-checkpoint-store.ts';

// The fake the unit tests use behaves as the DynamoDB adapter: the same suite runs
// against it in test/integration/checkpoint-store-dynamo.test.ts.
describeCheckpointStoreContract('MemoryCheckpointStore', () => Promise.resolve(new MemoryCheckpointStore()));
