import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TaskStore } from '../ports.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';

// SEAM PLACEHOLDER (issue 10): the helper who owns the TaskStore replaces this class whole
// (same name and constructor); every method throws until then.
const notBuilt = (what: string): never => {
  throw new Error(`DynamoTaskStore.${what}: not built yet (issue 10 seam)`);
};

export class DynamoTaskStore implements TaskStore {
  readonly #ddb: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoStoreOptions) {
    this.#ddb = options.client;
    this.#table = options.tableName;
  }

  describe(): string {
    return `${this.#table} ${typeof this.#ddb}`;
  }

  get(): ReturnType<TaskStore['get']> {
    return Promise.resolve(notBuilt('get'));
  }
  put(): ReturnType<TaskStore['put']> {
    return Promise.resolve(notBuilt('put'));
  }
  openFor(): ReturnType<TaskStore['openFor']> {
    return Promise.resolve(notBuilt('openFor'));
  }
  update(): ReturnType<TaskStore['update']> {
    return Promise.resolve(notBuilt('update'));
  }
  list(): ReturnType<TaskStore['list']> {
    return Promise.resolve(notBuilt('list'));
  }
  listOpen(): ReturnType<TaskStore['listOpen']> {
    return Promise.resolve(notBuilt('listOpen'));
  }
}
