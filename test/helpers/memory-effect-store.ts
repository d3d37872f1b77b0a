import type { EffectClaim, EffectLedger, EffectRecord, Page } from '../../shared/ports.ts';

/** In-memory EffectLedger for tests. Stub of the seam: its owner fills it in. */
export class MemoryEffectLedger implements EffectLedger {
  claim(
    _jobId: string,
    _key: string,
    _claim: EffectClaim,
    _now: Date,
  ): Promise<{ claimed: true } | { claimed: false; found: EffectRecord }> {
    return Promise.reject(new Error('not implemented'));
  }

  complete(
    _jobId: string,
    _key: string,
    _holder: { runId: string; attempt: number },
    _done: { doneAt: string; resultJson?: string; reconciled?: boolean; resultProblem?: string },
  ): Promise<boolean> {
    return Promise.reject(new Error('not implemented'));
  }

  release(_jobId: string, _key: string, _holder: { runId: string; attempt: number }): Promise<void> {
    return Promise.reject(new Error('not implemented'));
  }

  takeOver(
    _jobId: string,
    _key: string,
    _from: { runId: string; attempt: number },
    _claim: EffectClaim,
  ): Promise<boolean> {
    return Promise.reject(new Error('not implemented'));
  }

  markNotified(_jobId: string, _key: string, _at: string): Promise<boolean> {
    return Promise.reject(new Error('not implemented'));
  }

  list(
    _jobId: string,
    _query: { prefix?: string; limit?: number; cursor?: string },
    _now: Date,
  ): Promise<Page<EffectRecord>> {
    return Promise.reject(new Error('not implemented'));
  }

  forget(_jobId: string, _key: string): Promise<boolean> {
    return Promise.reject(new Error('not implemented'));
  }
}
