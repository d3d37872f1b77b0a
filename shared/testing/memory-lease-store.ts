import type { LeaseRecord, LeaseResult, LeaseStore } from '../ports.ts';

/**
 * Job leases with the DynamoDB adapter's semantics
 * (test/contract/lease-store.contract.ts runs one suite against both): a
 * lease is free when absent or past its `until`, and only its holder renews
 * or releases it. It hands out copies, as a table does.
 */
export class MemoryLeaseStore implements LeaseStore {
  readonly items = new Map<string, LeaseRecord>();
  writes = 0;

  acquire(jobId: string, name: string, lease: LeaseRecord, now: string): Promise<LeaseResult> {
    const key = `${jobId}#${name}`;
    const current = this.items.get(key);
    if (current !== undefined && current.until >= now && current.holder !== lease.holder) {
      return Promise.resolve({ acquired: false, current: { ...current } });
    }
    this.writes++;
    this.items.set(key, { holder: lease.holder, until: lease.until });
    return Promise.resolve({ acquired: true });
  }

  renew(jobId: string, name: string, holder: string, until: string): Promise<boolean> {
    const key = `${jobId}#${name}`;
    if (this.items.get(key)?.holder !== holder) return Promise.resolve(false);
    this.writes++;
    this.items.set(key, { holder, until });
    return Promise.resolve(true);
  }

  release(jobId: string, name: string, holder: string): Promise<boolean> {
    const key = `${jobId}#${name}`;
    if (this.items.get(key)?.holder !== holder) return Promise.resolve(false);
    this.writes++;
    this.items.delete(key);
    return Promise.resolve(true);
  }

  get(jobId: string, name: string): Promise<LeaseRecord | undefined> {
    const lease = this.items.get(`${jobId}#${name}`);
    return Promise.resolve(lease === undefined ? undefined : { ...lease });
  }

  getMany(jobIds: readonly string[], name: string): Promise<Map<string, LeaseRecord>> {
    const found = new Map<string, LeaseRecord>();
    for (const jobId of jobIds) {
      const lease = this.items.get(`${jobId}#${name}`);
      if (lease !== undefined) found.set(jobId, { ...lease });
    }
    return Promise.resolve(found);
  }
}
