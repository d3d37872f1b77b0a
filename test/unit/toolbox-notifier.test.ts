import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '../../shared/model/index.ts';
import type { NotificationPublisher, NotificationRecord } from '../../shared/ports.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import {
  MAX_NOTIFICATIONS_PER_RUN,
  PAYLOAD_TOO_LARGE_EVERY_MS,
  createNotifier,
  raisePlatform,
  raiseThrottled,
} from '../../shared/runtime/toolbox/notifier.ts';
import { RunLogger, redact } from '../../shared/sdk/run-logger.ts';
import { FakeClock } from '../helpers/memory-deps.ts';
import { MemoryNotificationStore } from '../helpers/memory-notification-store.ts';
import { storedJob } from '../helpers/cli.ts';

const CANARY = 'canary-Pn7-secret';
const job: Job = storedJob('alerts');
const runId = '01KCCCCCCCCCCCCCCCCCCCCCCC';

const setup = (publisher?: NotificationPublisher) => {
  const notifications = new MemoryNotificationStore();
  const clock = new FakeClock();
  const logger = new RunLogger({ runId, jobId: job.id, clock, redact: [CANARY] });
  const deps = { notifications, clock, ...(publisher === undefined ? {} : { publisher }) };
  const scope = { logger, redact: (s: string) => redact(s, [CANARY]) };
  const made = createNotifier(deps, { job, runId }, scope);
  return { notifications, clock, logger, made };
};

const published = (): NotificationPublisher & { records: NotificationRecord[] } => {
  const records: NotificationRecord[] = [];
  return {
    records,
    publish: (n) => {
      records.push(n);
      return Promise.resolve();
    },
  };
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ctx.notifier', () => {
  it('stores info, warn and error with the job, run, severity and time, redacted', async () => {
    // Prepare
    const { notifications, clock, made } = setup(published());

    // Act
    await made.notifier.info(`token is ${CANARY}`);
    await made.notifier.warn('slow target');
    await made.notifier.error(`failed with ${encodeURIComponent(CANARY)}`);

    // Assess
    expect(notifications.items.map((n) => [n.severity, n.kind, n.jobId, n.runId, n.createdAt])).toEqual([
      ['info', 'integration', 'alerts', runId, clock.now().toISOString()],
      ['warn', 'integration', 'alerts', runId, clock.now().toISOString()],
      ['error', 'integration', 'alerts', runId, clock.now().toISOString()],
    ]);
    expect(JSON.stringify(notifications.items)).not.toContain(CANARY);
    expect(notifications.items[0]?.message).toBe('token is ***');
  });

  it('cuts a message to 2000 characters', async () => {
    // Prepare
    const { notifications, made } = setup();

    // Act
    await made.notifier.info('x'.repeat(5000));

    // Assess
    expect(notifications.items[0]?.message.length).toBeLessThanOrEqual(2001);
    expect(notifications.items[0]?.message.startsWith('x'.repeat(2000))).toBe(true);
  });

  it(`keeps at most ${MAX_NOTIFICATIONS_PER_RUN} per run, with one WARN for the rest`, async () => {
    // Prepare
    const { notifications, logger, made } = setup();

    // Act
    for (let i = 0; i < MAX_NOTIFICATIONS_PER_RUN + 5; i++) await made.notifier.info(`n${i}`);
    await made.platformNotify('rate_limited', 'warn', 'platform ones are not counted');

    // Assess
    expect(notifications.items).toHaveLength(MAX_NOTIFICATIONS_PER_RUN + 1);
    expect(logger.render().match(/notifications in one run/g)).toHaveLength(1);
  });

  it('never fails the run: a store that fails becomes a WARN line in the run log', async () => {
    // Prepare
    const { notifications, logger, made } = setup();
    notifications.failAdd = true;

    // Act
    const result = made.notifier.error('target down');

    // Assess
    await expect(result).resolves.toBeUndefined();
    expect(logger.render()).toMatch(/WARN.*error notification not stored: notification store unavailable/);
  });

  it('publishes error notifications only, redacted', async () => {
    // Prepare
    const sns = published();
    const { made } = setup(sns);

    // Act
    await made.notifier.info('info');
    await made.notifier.warn('warn');
    await made.notifier.error(`error ${CANARY}`);
    await made.platformNotify('egress_refused', 'error', 'refused evil.example');

    // Assess
    expect(sns.records.map((n) => [n.kind, n.message])).toEqual([
      ['integration', 'error ***'],
      ['egress_refused', 'refused evil.example'],
    ]);
  });

  it('writes one ERROR line where there is no topic (npm start)', async () => {
    // Prepare
    const error = vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    const { made } = setup();

    // Act
    await made.notifier.warn('not this one');
    await made.notifier.error(`broken ${CANARY}`);

    // Assess
    expect(error).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(error.mock.calls[0])).toContain('ERROR notification integration: broken ***');
    expect(JSON.stringify(error.mock.calls[0])).not.toContain(CANARY);
  });

  it('settle() awaits notifications the integration did not await', async () => {
    // Prepare
    const { notifications, made } = setup();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const add = notifications.add.bind(notifications);
    notifications.add = async (n) => {
      await gate;
      return add(n);
    };

    // Act: not awaited, as an integration might
    void made.notifier.info('fire and forget');
    // The write finishes only on a later turn of the event loop: settle must wait for it.
    setImmediate(release);
    await made.settle();

    // Assess
    expect(notifications.items.map((n) => n.message)).toEqual(['fire and forget']);
  });

  it('a publisher that fails is a WARN line, the notification is still stored', async () => {
    // Prepare
    const { notifications, logger, made } = setup({ publish: () => Promise.reject(new Error('sns down')) });

    // Act
    await made.notifier.error('x');

    // Assess
    expect(notifications.items).toHaveLength(1);
    expect(logger.render()).toMatch(/error notification not published: sns down/);
  });
});

describe('raisePlatform', () => {
  it('stores the notification and never rejects, even when the store fails', async () => {
    // Prepare
    const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const notifications = new MemoryNotificationStore();
    const deps = { notifications, clock: new FakeClock() };

    // Act
    await raisePlatform(deps, {
      jobId: 'a',
      kind: 'payload_too_large',
      severity: 'warn',
      message: 'too big',
    });
    notifications.failAdd = true;
    const failing = raisePlatform(deps, { jobId: 'a', kind: 'run_failed', severity: 'warn', message: 'x' });

    // Assess
    await expect(failing).resolves.toBeUndefined();
    expect(notifications.items.map((n) => [n.kind, n.message, n.runId])).toEqual([
      ['payload_too_large', 'too big', undefined],
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('redacts with the given function', async () => {
    // Prepare
    const notifications = new MemoryNotificationStore();

    // Act
    await raisePlatform(
      { notifications, clock: new FakeClock() },
      {
        jobId: 'a',
        kind: 'run_failed',
        severity: 'warn',
        message: `x ${CANARY}`,
        redact: (s) => redact(s, [CANARY]),
      },
    );

    // Assess
    expect(notifications.items[0]?.message).toBe('x ***');
  });
});

describe('raiseThrottled', () => {
  it('raises once per key and window, again after it', async () => {
    // Prepare
    const notifications = new MemoryNotificationStore();
    const clock = new FakeClock();
    const deps = { notifications, clock };
    const n = {
      jobId: 'big',
      kind: 'payload_too_large' as const,
      severity: 'warn' as const,
      message: 'too big',
    };

    // Act
    const raised = [
      await raiseThrottled(deps, 'throttle-test:big', PAYLOAD_TOO_LARGE_EVERY_MS, n),
      await raiseThrottled(deps, 'throttle-test:big', PAYLOAD_TOO_LARGE_EVERY_MS, n),
      await raiseThrottled(deps, 'throttle-test:other', PAYLOAD_TOO_LARGE_EVERY_MS, { ...n, jobId: 'other' }),
    ];
    clock.advance(PAYLOAD_TOO_LARGE_EVERY_MS);
    raised.push(await raiseThrottled(deps, 'throttle-test:big', PAYLOAD_TOO_LARGE_EVERY_MS, n));

    // Assess
    expect(raised).toEqual([true, false, true, true]);
    expect(notifications.items.map((i) => i.jobId)).toEqual(['big', 'other', 'big']);
  });
});
