import type { Page, StateItem, StateStore } from '../../shared/ports.ts';

/** In-memory StateStore for tests. Stub of the seam: its owner fills it in. */
export class MemoryStateStore implements StateStore {
  get(_jobId: string, _key: string, _now: Date): Promise<StateItem | undefined> {
    return Promise.reject(new Error('not implemented'));
  }

  set(
    _jobId: string,
    _key: string,
    _valueJson: string,
    _options: { ttlSeconds?: number; ifVersion?: number },
    _now: Date,
  ): Promise<{ version: number }> {
    return Promise.reject(new Error('not implemented'));
  }

  delete(_jobId: string, _key: string, _options: { ifVersion?: number }, _now: Date): Promise<boolean> {
    return Promise.reject(new Error('not implemented'));
  }

  list(
    _jobId: string,
    _query: { prefix?: string; limit?: number; cursor?: string },
    _now: Date,
  ): Promise<Page<StateItem>> {
    return Promise.reject(new Error('not implemented'));
  }
}
