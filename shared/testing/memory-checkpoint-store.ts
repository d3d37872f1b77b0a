import type { CheckpointRecord, CheckpointStore, LastRun } from '../ports.ts';

interface Item extends CheckpointRecord {
  successKey?: string;
}

/** An instant in toISOString() form, as the adapter stores it (its conditions compare text). */
const canonical = (iso: string): string => new Date(iso).toISOString();

/**
 * Checkpoints with the DynamoDB adapter's semantics
 * (test/contract/checkpoint-store.contract.ts runs one suite against both): a
 * success moves `lastRunAt`, `lastSuccessfulRunAt` and the cursor unless a
 * newer success or a later rewind is recorded; any run moves `lastRunAt`
 * forward only; the run that moves `lastRunAt` is kept as `lastRun` and
 * moves the count of failures in a row. It hands out copies, as a table does.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly items = new Map<string, Item>();
  reads = 0;
  writes = 0;
  /** Every call fails (a table outage). */
  fail = false;

  get(jobId: string): Promise<CheckpointRecord | undefined> {
    this.reads++;
    if (this.fail) return Promise.reject(new Error('checkpoint store unavailable'));
    const item = this.items.get(jobId);
    return Promise.resolve(item === undefined ? undefined : recordOf(item));
  }

  getMany(jobIds: readonly string[]): Promise<Map<string, CheckpointRecord>> {
    this.reads++;
    if (this.fail) return Promise.reject(new Error('checkpoint store unavailable'));
    const found = new Map<string, CheckpointRecord>();
    for (const jobId of jobIds) {
      const item = this.items.get(jobId);
      if (item !== undefined) found.set(jobId, recordOf(item));
    }
    return Promise.resolve(found);
  }

  recordRun(
    jobId: string,
    r: Parameters<CheckpointStore['recordRun']>[1],
  ): ReturnType<CheckpointStore['recordRun']> {
    this.writes++;
    if (this.fail) return Promise.reject(new Error('checkpoint store unavailable'));
    const started = canonical(r.startedAt);
    const at = canonical(r.at);
    const key = `${started}#${r.runId}`;
    const old = this.items.get(jobId);
    const next: Item = { ...(old ?? { jobId }), updatedAt: at };
    const previousFailures = old?.consecutiveFailures ?? 0;
    // The run that moves lastRunAt (the newest) is the last run and moves the count; no other does.
    const asLast = (): { failures: number; previousFailures: number } => {
      next.lastRunAt = started;
      if (r.lastRun !== undefined) next.lastRun = structuredClone(r.lastRun);
      const failures = r.succeeded ? 0 : previousFailures + 1;
      if (failures === 0) delete next.consecutiveFailures;
      else next.consecutiveFailures = failures;
      return { failures, previousFailures };
    };
    const successOk =
      r.succeeded &&
      (old?.successKey === undefined || old.successKey < key) &&
      (old?.rewoundAt === undefined || old.rewoundAt <= started);
    if (successOk) {
      next.lastSuccessfulRunAt = started;
      next.successKey = key;
      if (r.cursor !== undefined) next.cursor = r.cursor;
      const counted = old?.lastRunAt === undefined || old.lastRunAt <= started ? asLast() : {};
      this.items.set(jobId, next);
      return Promise.resolve({ advanced: true, ...counted });
    }
    // A failure, or a refused success (the run still happened): lastRunAt alone, forward only.
    const moved = old?.lastRunAt === undefined || old.lastRunAt < started;
    if (!moved) return Promise.resolve({ advanced: false });
    const counted = asLast();
    this.items.set(jobId, next);
    // A failure "advances" when it moved lastRunAt; a refused success never does.
    return Promise.resolve({ advanced: !r.succeeded, ...counted });
  }

  recordLastRun(
    jobId: string,
    r: { lastRun: LastRun & { startedAt: string }; at: string },
  ): Promise<boolean> {
    this.writes++;
    if (this.fail) return Promise.reject(new Error('checkpoint store unavailable'));
    const started = canonical(r.lastRun.startedAt);
    const old = this.items.get(jobId);
    // Only the newest run: started after lastRunAt and after the last run kept.
    const newer =
      (old?.lastRunAt === undefined || old.lastRunAt < started) &&
      (old?.lastRun?.startedAt === undefined || old.lastRun.startedAt < started);
    if (!newer) return Promise.resolve(false);
    this.items.set(jobId, {
      ...(old ?? { jobId }),
      lastRun: { ...structuredClone(r.lastRun), startedAt: started },
      updatedAt: canonical(r.at),
    });
    return Promise.resolve(true);
  }

  rewind(
    jobId: string,
    r: { cursor?: string; lastSuccessfulRunAt?: string; by: string; at: string },
  ): Promise<CheckpointRecord> {
    this.writes++;
    if (this.fail) return Promise.reject(new Error('checkpoint store unavailable'));
    const at = canonical(r.at);
    const old = this.items.get(jobId);
    const next: Item = {
      jobId,
      // A rewind moves the cursor, not the run history: the last run and the count stay.
      ...(old?.lastRun === undefined ? {} : { lastRun: old.lastRun }),
      ...(old?.consecutiveFailures === undefined ? {} : { consecutiveFailures: old.consecutiveFailures }),
      ...(old?.lastRunAt === undefined ? {} : { lastRunAt: old.lastRunAt }),
      ...(r.cursor === undefined ? {} : { cursor: r.cursor }),
      ...(r.lastSuccessfulRunAt === undefined
        ? {}
        : { lastSuccessfulRunAt: canonical(r.lastSuccessfulRunAt) }),
      updatedAt: at,
      rewoundAt: at,
      rewoundBy: r.by,
    };
    this.items.set(jobId, next);
    return Promise.resolve(recordOf(next));
  }
}

/** The record an item holds, as a copy: the success key (the store's own) left out. */
const recordOf = (item: Item): CheckpointRecord => {
  const { successKey: _key, ...record } = item;
  return structuredClone(record);
};
