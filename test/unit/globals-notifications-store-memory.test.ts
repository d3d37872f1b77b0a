import { describeGlobalStoreContract } from '../contract/global-store.contract.ts';
import { describeNotificationStoreContract } from '../contract/notification-store.contract.ts';
import { MemoryGlobalStore } from '../helpers/memory-global-store.ts';
import { MemoryNotificationStore } from '../helpers/memory-notification-store.ts';

// The in-memory fakes the unit tests use behave as the DynamoDB adapters do
// (test/integration/globals-notifications-store-dynamo.test.ts runs the same suites).
describeGlobalStoreContract('MemoryGlobalStore', () => Promise.resolve(new MemoryGlobalStore()));
describeNotificationStoreContract('MemoryNotificationStore', () =>
  Promise.resolve(new MemoryNotificationStore()),
);
