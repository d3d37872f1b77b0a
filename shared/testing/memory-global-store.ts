import type { GlobalRecord, GlobalStore } from '../ports.ts';
import { globalMaskedError } from '../model/global.ts';

/** The in-memory GlobalStore: the DynamoDB adapter's behaviour (test/contract/global-store.contract.ts). */
export class MemoryGlobalStore implements GlobalStore {
  readonly items = new Map<string, GlobalRecord>();
  /** Calls of `list`, for the tests of the toolbox's cache. */
  listCalls = 0;

  list(): Promise<GlobalRecord[]> {
    this.listCalls++;
    return Promise.resolve(
      [...this.items.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((g) => ({ ...g })),
    );
  }

  get(name: string): Promise<GlobalRecord | undefined> {
    const g = this.items.get(name);
    return Promise.resolve(g === undefined ? undefined : { ...g });
  }

  put(g: { name: string; masked: boolean; value?: string; at: string; by?: string }): Promise<{
    created: boolean;
  }> {
    const old = this.items.get(g.name);
    if (!g.masked && old?.masked === true) return Promise.reject(globalMaskedError(g.name));
    this.items.set(g.name, {
      name: g.name,
      masked: g.masked,
      ...(g.masked || g.value === undefined ? {} : { value: g.value }),
      createdAt: old?.createdAt ?? g.at,
      updatedAt: g.at,
      ...(g.by === undefined ? {} : { updatedBy: g.by }),
    });
    return Promise.resolve({ created: old === undefined });
  }

  delete(name: string): Promise<boolean> {
    return Promise.resolve(this.items.delete(name));
  }
}
