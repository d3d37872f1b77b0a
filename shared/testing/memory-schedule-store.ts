import type { OccurrenceClaim, Page, PageRequest, ScheduleRecord, ScheduleStore } from '../ports.ts';
import { encodeMemoryCursor, lastOfMemoryCursor, pageLimit } from '../store/cursor.ts';

/** An instant in toISOString() form, as the adapter stores it (its index orders text). */
const canonical = (iso: string): string => new Date(iso).toISOString();

/**
 * Schedules with the DynamoDB adapter's semantics
 * (test/contract/schedule-store.contract.ts runs one suite against both): a
 * record is due-listed only while armed, `advance` moves it only from the
 * `through` its caller read, and an occurrence is claimed once. It hands out
 * copies, as a table does.
 */
export class MemoryScheduleStore implements ScheduleStore {
  readonly records = new Map<string, ScheduleRecord>();
  readonly claims = new Map<string, OccurrenceClaim>();
  writes = 0;
  /** Every call fails (a table outage). */
  fail = false;

  #check(): void {
    if (this.fail) throw new Error('schedule store unavailable');
  }

  #async<T>(fn: () => T): Promise<T> {
    try {
      this.#check();
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  get(jobId: string): Promise<ScheduleRecord | undefined> {
    return this.#async(() => {
      const r = this.records.get(jobId);
      return r === undefined ? undefined : { ...r };
    });
  }

  getMany(jobIds: readonly string[]): Promise<Map<string, ScheduleRecord>> {
    return this.#async(() => {
      const found = new Map<string, ScheduleRecord>();
      for (const id of jobIds) {
        const r = this.records.get(id);
        if (r !== undefined) found.set(id, { ...r });
      }
      return found;
    });
  }

  listDue(dueBy: string, page: PageRequest = {}): Promise<Page<ScheduleRecord>> {
    return this.#async(() => {
      const limit = pageLimit(page.limit);
      const upper = `${canonical(dueBy)}$`;
      const keyOf = (r: ScheduleRecord): string => `${r.nextRunAt ?? ''}#${r.jobId}`;
      let due = [...this.records.values()]
        .filter((r) => r.nextRunAt !== undefined && keyOf(r) < upper)
        .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
      if (page.cursor !== undefined) {
        const last = lastOfMemoryCursor(page.cursor, 'schedules-due');
        due = due.filter((r) => keyOf(r) > last);
      }
      const items = due.slice(0, limit).map((r) => ({ ...r }));
      const lastItem = items.at(-1);
      return due.length > limit && lastItem !== undefined
        ? { items, nextCursor: encodeMemoryCursor('schedules-due', keyOf(lastItem)) }
        : { items };
    });
  }

  arm(
    jobId: string,
    arm: { nextRunAt?: string; through?: string; scheduleHash?: string; resumedAt?: string; at: string },
  ): Promise<void> {
    return this.#async(() => {
      this.writes++;
      const record: ScheduleRecord = { jobId, updatedAt: arm.at };
      if (arm.nextRunAt !== undefined) record.nextRunAt = canonical(arm.nextRunAt);
      if (arm.through !== undefined) record.through = canonical(arm.through);
      if (arm.scheduleHash !== undefined) record.scheduleHash = arm.scheduleHash;
      if (arm.resumedAt !== undefined) record.resumedAt = canonical(arm.resumedAt);
      this.records.set(jobId, record);
    });
  }

  advance(
    jobId: string,
    advance: { from: string | undefined; through: string; nextRunAt?: string; at: string },
  ): Promise<boolean> {
    return this.#async(() => {
      this.writes++;
      const r = this.records.get(jobId);
      const from = advance.from === undefined ? undefined : canonical(advance.from);
      if (r === undefined || r.through !== from) return false;
      const next: ScheduleRecord = { ...r, through: canonical(advance.through), updatedAt: advance.at };
      if (advance.nextRunAt === undefined) delete next.nextRunAt;
      else next.nextRunAt = canonical(advance.nextRunAt);
      this.records.set(jobId, next);
      return true;
    });
  }

  remove(jobId: string): Promise<void> {
    return this.#async(() => {
      this.writes++;
      this.records.delete(jobId);
    });
  }

  claimOccurrence(
    jobId: string,
    scheduledFor: string,
    claim: { runId: string; at: string; expiresAt: string },
  ): Promise<boolean> {
    return this.#async(() => {
      this.writes++;
      const key = `${jobId}#${canonical(scheduledFor)}`;
      if (this.claims.has(key)) return false;
      // Whole seconds, as the table's TTL attribute keeps it.
      const expiresAt = new Date(Math.floor(Date.parse(claim.expiresAt) / 1000) * 1000).toISOString();
      this.claims.set(key, { runId: claim.runId, at: claim.at, expiresAt });
      return true;
    });
  }

  occurrence(jobId: string, scheduledFor: string): Promise<OccurrenceClaim | undefined> {
    return this.#async(() => {
      const c = this.claims.get(`${jobId}#${canonical(scheduledFor)}`);
      return c === undefined ? undefined : { ...c };
    });
  }

  markOverdueNotified(jobId: string, scheduledFor: string): Promise<boolean> {
    return this.#async(() => {
      this.writes++;
      const r = this.records.get(jobId);
      const at = canonical(scheduledFor);
      if (r === undefined || r.overdueNotifiedFor === at) return false;
      this.records.set(jobId, { ...r, overdueNotifiedFor: at });
      return true;
    });
  }
}
