import { MemoryTaskStore } from '../../shared/testing/memory-task-store.ts';
import { MemoryTurnStore } from '../../shared/testing/memory-turn-store.ts';
import { describeTaskStoreContract } from '../contract/task-store.contract.ts';
import { describeTurnStoreContract } from '../contract/turn-store.contract.ts';

// The fakes the unit tests use (memoryDeps' `tasks`, `turns`) behave as the
// DynamoDB adapters: the same suites run on dynalite in
// test/integration/task-turn-store-dynamo.test.ts.

describeTaskStoreContract('MemoryTaskStore', () => Promise.resolve(new MemoryTaskStore()));
describeTurnStoreContract('MemoryTurnStore', () => Promise.resolve(new MemoryTurnStore()));
