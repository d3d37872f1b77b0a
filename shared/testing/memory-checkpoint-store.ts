import type { CheckpointRecord, CheckpointStore } from '../ports.ts';

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
 * forward only. It hands out copies, as a table does.
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
    if (item === undefined) return Promise.resolve(undefined);
    const { successKey: _key, ...record } = item;
    return Promise.resolve({ ...record });
  }

  recordRun(
    jobId: string,
    r: { runId: string; startedAt: string; succeeded: boolean; cursor?: string; at: string },
  ): Promise<{ advanced: boolean }> {
    this.writes++;
    if (this.fail) return Promise.reject(new Error('checkpoint store unavailable'));
    const started = canonical(r.startedAt);
    const at = canonical(r.at);
    const key = `${started}#${r.runId}`;
    const old = this.items.get(jobId);
    const next: Item = { ...(old ?? { jobId }), updatedAt: at };
    const successOk =
      r.succeeded &&
      (old?.successKey === undefined || old.successKey < key) &&
      (old?.rewoundAt === undefined || old.rewoundAt <= started);
    if (successOk) {
      next.lastSuccessfulRunAt = started;
      next.successKey = key;
      if (r.cursor !== undefined) next.cursor = r.cursor;
      if (old?.lastRunAt === undefined || old.lastRunAt <= started) next.lastRunAt = started;
      this.items.set(jobId, next);
      return Promise.resolve({ advanced: true });
    }
    // A failure, or a refused success (the run still happened): lastRunAt alone, forward only.
    const moved = old?.lastRunAt === undefined || old.lastRunAt < started;
    if (moved) {
      next.lastRunAt = started;
      this.items.set(jobId, next);
    }
    // A failure "advances" when it moved lastRunAt; a refused success never does.
    return Promise.resolve({ advanced: !r.succeeded && moved });
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
    const { successKey: _key, ...record } = next;
    return Promise.resolve({ ...record });
  }
}
