import type { GlobalRecord, GlobalStore } from '../../shared/ports.ts';

/** In-memory GlobalStore for tests. Stub of the seam: its owner fills it in. */
export class MemoryGlobalStore implements GlobalStore {
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
