import type { TurnStore } from '../ports.ts';

/**
 * Turns with the DynamoDB adapter's semantics (test/contract/turn-store.contract.ts):
 * a line per job and order key, sorted by run id (ULIDs sort by arrival).
 */
export class MemoryTurnStore implements TurnStore {
  /** `<jobId>\0<orderKey>` → run id → expiresAt. */
  readonly lines = new Map<string, Map<string, string>>();
  writes = 0;
  reads = 0;

  enter(jobId: string, orderKey: string, runId: string, expiresAt: string): Promise<void> {
    this.writes++;
    const k = `${jobId}\0${orderKey}`;
    const line = this.lines.get(k) ?? new Map<string, string>();
    line.set(runId, expiresAt);
    this.lines.set(k, line);
    return Promise.resolve();
  }

  head(jobId: string, orderKey: string, limit: number): Promise<string[]> {
    this.reads++;
    const line = this.lines.get(`${jobId}\0${orderKey}`);
    return Promise.resolve(line === undefined ? [] : [...line.keys()].sort().slice(0, limit));
  }

  leave(jobId: string, orderKey: string, runId: string): Promise<void> {
    this.writes++;
    this.lines.get(`${jobId}\0${orderKey}`)?.delete(runId);
    return Promise.resolve();
  }
}
