import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { FilePayloadStore } from '../../shared/payloads/file-payload-store.ts';
import { describeDeliveryStoreContract } from '../contract/delivery-store.contract.ts';
import { describeJobStoreContract } from '../contract/job-store.contract.ts';
import { describeLeaseStoreContract } from '../contract/lease-store.contract.ts';
import { describePayloadStoreContract } from '../contract/payload-store.contract.ts';
import { describeQueueContract } from '../contract/queue.contract.ts';
import { describeRunStoreContract } from '../contract/run-store.contract.ts';
import { describeScheduleStoreContract } from '../contract/schedule-store.contract.ts';
import { describeScriptStoreContract } from '../contract/script-store.contract.ts';
import { MemoryScriptStore } from '../../shared/testing/memory-script-store.ts';
import {
  MemoryDeliveryStore,
  MemoryJobStore,
  MemoryPayloads,
  MemoryQueue,
  MemoryRunStore,
} from '../helpers/memory-deps.ts';
import { MemoryScheduleStore } from '../../shared/testing/memory-schedule-store.ts';
import { MemoryLeaseStore } from '../helpers/memory-lease-store.ts';

// The in-memory fakes the unit tests use must behave as the adapters they
// stand for: the same suites run against DynamoDB and S3 in
// test/integration/store-contract-dynamo.test.ts.

describeJobStoreContract('MemoryJobStore', () => Promise.resolve(new MemoryJobStore()));
describeRunStoreContract('MemoryRunStore', () => Promise.resolve(new MemoryRunStore()));
describeScheduleStoreContract('MemoryScheduleStore', () => Promise.resolve(new MemoryScheduleStore()));
describeDeliveryStoreContract('MemoryDeliveryStore', () => Promise.resolve(new MemoryDeliveryStore()));
describePayloadStoreContract('MemoryPayloads', () => Promise.resolve(new MemoryPayloads()));
describeScriptStoreContract('MemoryScriptStore', () =>
  Promise.resolve(new MemoryScriptStore({ payloads: new MemoryPayloads() })),
);
describeQueueContract('MemoryQueue', () => {
  const queue = new MemoryQueue();
  return Promise.resolve({ queue, received: () => Promise.resolve(queue.sent.splice(0)) });
});

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
describePayloadStoreContract('FilePayloadStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'triggerhub-payloads-'));
  dirs.push(dir);
  return new FilePayloadStore({ dir });
});

describeLeaseStoreContract('MemoryLeaseStore', () => Promise.resolve(new MemoryLeaseStore()));
