import { ValidationError } from '../errors.ts';
import type {
  EffectClaim,
  EffectClaimResult,
  EffectCompletion,
  EffectOwner,
  EffectLedger,
  EffectListRequest,
  EffectRecord,
  Page,
} from '../ports.ts';
import { pageLimit } from '../store/cursor.ts';
import { epochSeconds } from '../store/keys.ts';

/** The table keeps `expiresAt` in epoch seconds: an expiry is compared at that grain, as there. */
const expired = (r: EffectRecord, now: Date): boolean =>
  epochSeconds(new Date(r.expiresAt)) < epochSeconds(now);

const holds = (r: EffectRecord | undefined, h: EffectOwner): r is EffectRecord =>
  r !== undefined && r.status === 'pending' && r.runId === h.runId && r.attempt === h.attempt;

/**
 * The effect ledger in memory, with the DynamoDB adapter's semantics
 * (test/contract/effect-ledger.contract.ts runs both): conditional on the
 * holder, expired records counting as absent, copies in and out. `writes`
 * and `reads` count calls as the adapter would pay them.
 */
export class MemoryEffectLedger implements EffectLedger {
  readonly items = new Map<string, EffectRecord>();
  writes = 0;
  reads = 0;

  #id(jobId: string, key: string): string {
    return `${jobId}\u0000${key}`;
  }

  claim(jobId: string, claim: EffectClaim, now: Date): Promise<EffectClaimResult> {
    this.writes++;
    const id = this.#id(jobId, claim.key);
    const held = this.items.get(id);
    if (held !== undefined && !expired(held, now)) {
      this.reads++;
      return Promise.resolve({ claimed: false, existing: structuredClone(held) });
    }
    this.items.set(id, {
      key: claim.key,
      status: 'pending',
      runId: claim.runId,
      attempt: claim.attempt,
      startedAt: claim.startedAt,
      heldUntil: claim.heldUntil,
      // Stored at the table's grain (epoch seconds).
      expiresAt: new Date(epochSeconds(new Date(claim.expiresAt)) * 1000).toISOString(),
    });
    return Promise.resolve({ claimed: true });
  }

  get(jobId: string, key: string, now: Date): Promise<EffectRecord | undefined> {
    this.reads++;
    const r = this.items.get(this.#id(jobId, key));
    return Promise.resolve(r === undefined || expired(r, now) ? undefined : structuredClone(r));
  }

  complete(jobId: string, key: string, holder: EffectOwner, done: EffectCompletion): Promise<boolean> {
    this.writes++;
    const id = this.#id(jobId, key);
    const r = this.items.get(id);
    if (!holds(r, holder)) return Promise.resolve(false);
    const next: EffectRecord = { ...r, status: 'done', doneAt: done.doneAt };
    if (done.resultJson !== undefined) next.resultJson = done.resultJson;
    if (done.reconciled === true) next.reconciled = true;
    if (done.resultProblem !== undefined) next.resultProblem = done.resultProblem;
    this.items.set(id, next);
    return Promise.resolve(true);
  }

  release(jobId: string, key: string, holder: EffectOwner): Promise<boolean> {
    this.writes++;
    const id = this.#id(jobId, key);
    if (!holds(this.items.get(id), holder)) return Promise.resolve(false);
    this.items.delete(id);
    return Promise.resolve(true);
  }

  takeOver(
    jobId: string,
    key: string,
    from: EffectOwner,
    to: EffectOwner & { startedAt: string; heldUntil: string },
  ): Promise<boolean> {
    this.writes++;
    const id = this.#id(jobId, key);
    const r = this.items.get(id);
    if (!holds(r, from)) return Promise.resolve(false);
    const { inDoubtNotifiedAt: _cleared, ...rest } = r;
    this.items.set(id, {
      ...rest,
      runId: to.runId,
      attempt: to.attempt,
      startedAt: to.startedAt,
      heldUntil: to.heldUntil,
    });
    return Promise.resolve(true);
  }

  markNotified(jobId: string, key: string, holder: EffectOwner, at: string): Promise<boolean> {
    this.writes++;
    const id = this.#id(jobId, key);
    const r = this.items.get(id);
    if (!holds(r, holder) || r.inDoubtNotifiedAt !== undefined) return Promise.resolve(false);
    this.items.set(id, { ...r, inDoubtNotifiedAt: at });
    return Promise.resolve(true);
  }

  list(jobId: string, request: EffectListRequest, now: Date): Promise<Page<EffectRecord>> {
    this.reads++;
    try {
      const limit = pageLimit(request.limit);
      const prefix = request.prefix ?? '';
      let after: string | undefined;
      if (request.cursor !== undefined) {
        const c = decode(request.cursor);
        if (c === undefined || c.jobId !== jobId || !c.last.startsWith(prefix)) {
          throw new ValidationError('invalid cursor', 'invalid_cursor');
        }
        after = c.last;
      }
      const ofJob = this.#id(jobId, '');
      const keys = [...this.items.keys()]
        .filter((id) => id.startsWith(ofJob))
        .map((id) => id.slice(ofJob.length))
        .filter((k) => k.startsWith(prefix))
        .filter((k) => after === undefined || k > after)
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      // As DynamoDB's Limit: counted before the expiry filter, so a page may come back short.
      const page = keys.slice(0, limit);
      const items = page
        .map((k) => this.items.get(this.#id(jobId, k)))
        .filter((r): r is EffectRecord => r !== undefined && !expired(r, now))
        .map((r) => structuredClone(r));
      const last = page.at(-1);
      if (keys.length <= limit || last === undefined) return Promise.resolve({ items });
      return Promise.resolve({ items, nextCursor: encode({ jobId, last }) });
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  forget(jobId: string, key: string): Promise<boolean> {
    this.writes++;
    return Promise.resolve(this.items.delete(this.#id(jobId, key)));
  }
}

interface Cursor {
  jobId: string;
  last: string;
}
const encode = (c: Cursor): string => Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
const decode = (cursor: string): Cursor | undefined => {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Cursor>;
    return typeof c.jobId === 'string' && typeof c.last === 'string'
      ? { jobId: c.jobId, last: c.last }
      : undefined;
  } catch {
    return undefined;
  }
};
