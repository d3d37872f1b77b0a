import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TurnStore } from '../ports.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';

// SEAM PLACEHOLDER (issue 10): the helper who owns the TurnStore replaces this class whole
// (same name and constructor); every method throws until then.
const notBuilt = (what: string): never => {
  throw new Error(`DynamoTurnStore.${what}: not built yet (issue 10 seam)`);
};

export class DynamoTurnStore implements TurnStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
  }

  describe(): string {
    return `${this.#table} ${typeof this.#ddb}`;
  }

  enter(): ReturnType<TurnStore['enter']> {
    return Promise.resolve(notBuilt('enter'));
  }
  head(): ReturnType<TurnStore['head']> {
    return Promise.resolve(notBuilt('head'));
  }
  leave(): ReturnType<TurnStore['leave']> {
    return Promise.resolve(notBuilt('leave'));
  }
}
