import type { Clock, DeliveryStore, JobStore, PayloadStore, Queue, RunStore, SecretStore } from '../ports.ts';
import type { IntegrationRegistry } from '../sdk/index.ts';

/** Tunables of the runtime, from config in AWS and from the local stack's options locally. */
export interface RuntimeSettings {
  /** The queue's redrive maxReceiveCount: the attempt that reaches it is the last. */
  maxReceiveCount: number;
  /** First retry back-off in seconds; doubles on every attempt, at most 15 minutes. */
  retryBaseSeconds: number;
  /** An event whose JSON is larger than this is kept in the payload store, not in the run item. */
  inlineEventLimitBytes: number;
}

export const DEFAULT_SETTINGS: RuntimeSettings = {
  maxReceiveCount: 3,
  retryBaseSeconds: 10,
  // DynamoDB items are at most 400 KB, and the run item also holds the log (≤ 128 KiB).
  inlineEventLimitBytes: 96 * 1024,
};

/** Everything the core needs, as ports: the same core runs in Lambda, `npm start` and tests. */
export interface Deps {
  jobs: JobStore;
  runs: RunStore;
  deliveries: DeliveryStore;
  queue: Queue;
  secrets: SecretStore;
  payloads: PayloadStore;
  clock: Clock;
  registry: IntegrationRegistry;
  settings: RuntimeSettings;
}
