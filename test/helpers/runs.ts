import { ulid } from 'ulid';
import type { Run, TriggerEvent } from '../../shared/model/index.ts';

/** The time the unit fixtures are set at. */
export const RUN_AT = '2026-11-22T10:00:00.000Z';

/** A generic webhook's event: delivery `D1` at RUN_AT, empty payload, unless `over` says otherwise. */
export const webhookEvent = (over: Partial<TriggerEvent> = {}): TriggerEvent => ({
  source: 'generic',
  trigger: 'webhook',
  deliveryId: 'D1',
  receivedAt: RUN_AT,
  headers: {},
  query: {},
  payload: {},
  ...over,
});

/** Run `R1` of job `j1` as the ingest leaves it for the worker (queued, no attempt yet), unless `over` says otherwise. */
export const queuedWebhookRun = (over: Partial<Run> = {}): Run => ({
  id: 'R1',
  jobId: 'j1',
  source: 'generic',
  trigger: 'webhook',
  mode: 'async',
  status: 'queued',
  attempt: 0,
  createdAt: RUN_AT,
  logs: [],
  event: webhookEvent(),
  ...over,
});

/** Queued run `id` of `jobId`, made and delivered (`D-<id>`) at `at`, its event carrying `payload`. */
export const queuedRunAt = (id: string, jobId: string, at: Date | string, payload: unknown = {}): Run => {
  const time = typeof at === 'string' ? at : at.toISOString();
  return queuedWebhookRun({
    id,
    jobId,
    createdAt: time,
    event: webhookEvent({ deliveryId: `D-${id}`, receivedAt: time, payload }),
  });
};

/**
 * A webhook run of `jobId` made `minutes` after `t0` (its id the ULID of that time) that used up
 * its attempts (`maxReceiveCount` 3) and was recorded failed, unless `over` says otherwise.
 */
export const failedRunAt = (t0: number, jobId: string, minutes: number, over: Partial<Run> = {}): Run => {
  const time = new Date(t0 + minutes * 60_000).toISOString();
  return {
    id: ulid(t0 + minutes * 60_000),
    jobId,
    source: 'generic',
    trigger: 'webhook',
    mode: 'async',
    status: 'failed',
    attempt: 3,
    createdAt: time,
    endedAt: time,
    error: 'target answered 503',
    message: 'target answered 503',
    logs: [],
    event: webhookEvent(),
    firedBy: 'webhook',
    ...over,
  };
};
