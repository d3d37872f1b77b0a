import { describe, expect, it } from 'vitest';
import logEvent from './index.ts';
import type { TriggerEvent } from '../../shared/model/index.ts';
import type { Clock } from '../../shared/ports.ts';
import type { AnyIntegration } from '../../shared/sdk/index.ts';
import { RunLogger, resolveParams } from '../../shared/sdk/index.ts';
import { contextOutsideRun } from '../../shared/runtime/toolbox/index.ts';

const clock: Clock = { now: () => new Date('2026-11-22T10:00:00.000Z') };
const noSecrets = { getVersions: () => Promise.resolve([]) };

const eventWith = (overrides: Partial<TriggerEvent> = {}): TriggerEvent => ({
  source: 'generic',
  trigger: 'webhook',
  deliveryId: 'dlv-1',
  receivedAt: '2026-11-22T09:59:59.000Z',
  headers: {},
  query: {},
  payload: { alert: 'disk full', host: 'db-1' },
  ...overrides,
});

/** Runs log-event the way the runtime does: params resolved from the job's stored ones. */
const runLogEvent = async (
  event: TriggerEvent,
  jobParams: Record<string, unknown> = {},
  signal: AbortSignal = new AbortController().signal,
) => {
  const { params } = await resolveParams(logEvent.manifest, jobParams, noSecrets);
  const logger = new RunLogger({ runId: 'run-1', jobId: 'job-1', clock });
  // Held as the registry holds it: params typed loosely, validated against the manifest.
  const integration: AnyIntegration = logEvent;
  const run = integration.run;
  if (!run) throw new Error('log-event has no run');
  const result = await run({
    event,
    params,
    logger,
    signal,
    runId: 'run-1',
    jobId: 'job-1',
    ...contextOutsideRun(),
  });
  return { result, messages: logger.lines.map((l) => l.message) };
};

describe('log-event', () => {
  it('has the manifest operators see', () => {
    // Assess
    expect(logEvent.manifest).toEqual({
      id: 'log-event',
      name: 'Log event',
      version: '1.1.0',
      description: expect.any(String),
      parameters: {
        prefix: { type: 'text', label: 'Line prefix', description: expect.any(String), default: '' },
        waitSeconds: { type: 'number', label: 'Wait (seconds)', description: expect.any(String), default: 0 },
      },
      entryPoints: ['run'],
    });
  });

  it('logs source, trigger, delivery and payload, and returns what it logged', async () => {
    // Act
    const { result, messages } = await runLogEvent(eventWith());

    // Assess
    expect(messages).toEqual([
      'generic/webhook event, delivery dlv-1, received 2026-11-22T09:59:59.000Z',
      'payload (35 bytes): {"alert":"disk full","host":"db-1"}',
    ]);
    expect(result).toEqual({
      message: 'logged generic/webhook event',
      output: { source: 'generic', trigger: 'webhook', bytes: 35 },
    });
  });

  it('logs the normalized ticket and session when present, each line with the prefix', async () => {
    // Prepare
    const event = eventWith({
      source: 'checkpoint',
      trigger: 'before-publish',
      ticket: { id: '42', subject: 'open 443' },
      session: {
        trigger: 'before-publish',
        userName: 'aa',
        changes: { added: [], modified: [], deleted: [] },
        customData: {},
      },
      payload: 'x',
    });

    // Act
    const { result, messages } = await runLogEvent(event, { prefix: '[lab] ' });

    // Assess
    expect(messages).toEqual([
      '[lab] checkpoint/before-publish event, delivery dlv-1, received 2026-11-22T09:59:59.000Z',
      '[lab] ticket: {"id":"42","subject":"open 443"}',
      '[lab] session: {"trigger":"before-publish","userName":"aa","changes":{"added":[],"modified":[],"deleted":[]},"customData":{}}',
      '[lab] payload (3 bytes): "x"',
    ]);
    expect(result.message).toBe('logged checkpoint/before-publish event');
  });

  it("cuts a large payload's log line at 8 KiB, once, but reports its full size", async () => {
    // Prepare
    const big = { data: 'é'.repeat(10_000) };

    // Act
    const { result, messages } = await runLogEvent(eventWith({ payload: big }));

    // Assess
    const payloadLine = messages[1] ?? '';
    const logged = payloadLine.replace(/^payload \(\d+ bytes\): /, '');
    expect(payloadLine.startsWith('payload (20011 bytes): {"data":"ééé')).toBe(true);
    expect(logged.endsWith(' …[cut]')).toBe(true);
    expect(Buffer.byteLength(payloadLine)).toBeLessThanOrEqual(8 * 1024);
    expect(Buffer.byteLength(payloadLine)).toBeGreaterThan(8 * 1024 - 12);
    expect(logged.match(/ …\[cut\]/g)).toHaveLength(1);
    expect(result.output).toEqual({ source: 'generic', trigger: 'webhook', bytes: 20_011 });
  });

  it('says so when there is no payload', async () => {
    // Act
    const { result, messages } = await runLogEvent(eventWith({ payload: undefined }));

    // Assess
    expect(messages[1]).toBe('payload: none');
    expect(result.output).toEqual({ source: 'generic', trigger: 'webhook', bytes: 0 });
  });

  describe('waitSeconds', () => {
    it('waits that long before it finishes', async () => {
      // Act
      const started = performance.now();
      const { result, messages } = await runLogEvent(eventWith(), { waitSeconds: 0.2 });

      // Assess: a lower bound only (a loaded machine may take longer, never less)
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      expect(messages.at(-1)).toBe('waiting 0.2 s');
      expect(result.message).toBe('logged generic/webhook event');
    });

    it('ends early when the run is stopped', async () => {
      // Prepare
      const controller = new AbortController();

      // Act: a 15-minute wait, stopped as soon as it starts waiting
      const running = runLogEvent(eventWith(), { waitSeconds: 900 }, controller.signal);
      await new Promise((r) => setImmediate(r));
      controller.abort(new Error('stopped by test'));
      const { result, messages } = await running;

      // Assess
      expect(messages.at(-2)).toBe('waiting 900 s');
      expect(messages.at(-1)).toMatch(/^stopped waiting after \d+\.\d s$/);
      expect(result.message).toBe('stopped while waiting');
    });

    it.each([-1, 901])('refuses %s seconds before logging anything', async (waitSeconds) => {
      // Act
      const failure = runLogEvent(eventWith(), { waitSeconds });

      // Assess
      await expect(failure).rejects.toThrow(`waitSeconds must be from 0 to 900, not ${waitSeconds}`);
    });
  });
});
