import type { GlobalRecord, GlobalStore } from '../ports.ts';
import type { DynamoStoreOptions } from './dynamo-job-store.ts';

/** Global parameters in the single table: `GLOBAL` / `<name>` (a masked one without its value). Stub of the seam: its owner fills it in. */
export class DynamoGlobalStore implements GlobalStore {
  constructor(readonly options: DynamoStoreOptions) {}

  list(): Promise<GlobalRecord[]> {
    return Promise.reject(new Error('not implemented'));
  }

  get(_name: string): Promise<GlobalRecord | undefined> {
    return Promise.reject(new Error('not implemented'));
  }

  put(_global: {
    name: string;
    masked: boolean;
    value?: string;
    at: string;
    by?: string;
  }): Promise<{ created: boolean }> {
    return Promise.reject(new Error('not implemented'));
  }

  delete(_name: string): Promise<boolean> {
    return Promise.reject(new Error('not implemented'));
  }
}
