import type { CheckpointRecord, CheckpointStore } from '../../shared/ports.ts';

/** In-memory CheckpointStore for tests. Stub of the seam: its owner fills it in. */
export class MemoryCheckpointStore implements CheckpointStore {
  get(_jobId: string): Promise<CheckpointRecord | undefined> {
    return Promise.reject(new Error('not implemented'));
  }

  recordRun(
    _jobId: string,
    _run: { runId: string; startedAt: string; succeeded: boolean; cursor?: string },
  ): Promise<{ advanced: boolean }> {
    return Promise.reject(new Error('not implemented'));
  }

  rewind(
    _jobId: string,
    _rewind: { cursor?: string; lastSuccessfulRunAt?: string; by: string; at: string },
  ): Promise<CheckpointRecord> {
    return Promise.reject(new Error('not implemented'));
  }
}
