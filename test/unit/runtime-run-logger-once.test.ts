import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobSchema } from '../../shared/model/index.ts';
import { executeIntegration } from '../../shared/runtime/execute.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { processRunMessage } from '../../shared/runtime/worker.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import type * as RunLoggerModule from '../../shared/sdk/run-logger.ts';
import { FakeClock, MemorySecrets, memoryDeps } from '../helpers/memory-deps.ts';
import { queuedWebhookRun, webhookEvent } from '../helpers/runs.ts';

/** Every RunLogger built, counted through the module every importer gets. */
const built = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../shared/sdk/run-logger.ts', async (importOriginal) => {
  const original = await importOriginal<typeof RunLoggerModule>();
  class CountedRunLogger extends original.RunLogger {
    constructor(...args: ConstructorParameters<typeof original.RunLogger>) {
      super(...args);
      built.count++;
    }
  }
  return { ...original, RunLogger: CountedRunLogger };
});

afterEach(() => {
  vi.restoreAllMocks();
  built.count = 0;
});

const TOKEN = 'tok-value-1234';

const chatty = defineIntegration({
  id: 'chatty',
  name: 'Chatty',
  version: '1.0.0',
  description: 'logs and may fail',
  parameters: { token: { type: 'password', mandatory: true } },
  run: ({ params, logger, event }) => {
    logger.info(`calling with ${params.token}`);
    logger.info('second line', { token: params.token });
    if (event.trigger === 'fail') throw new Error(`rejected ${params.token}`);
    return { message: 'ok' };
  },
});

const run = (trigger: string, secrets = new MemorySecrets({ tok: [TOKEN] })) =>
  executeIntegration({
    integration: chatty,
    job: JobSchema.parse({
      id: 'j1',
      name: 'J',
      integration: 'chatty',
      auth: { secret: 'demo' },
      params: { token: { secret: 'tok' } },
    }),
    runId: 'R1',
    event: {
      source: 'generic',
      trigger,
      deliveryId: 'D1',
      receivedAt: '2026-11-22T10:00:00.000Z',
      headers: {},
      query: {},
      payload: {},
    },
    entry: 'run',
    secrets,
    clock: new FakeClock(),
    attempt: 2,
  });

describe('one run logger per run', () => {
  it('builds one RunLogger and no Powertools child logger, and redacts the secret in every line', async () => {
    const children = vi.spyOn(Logger.prototype, 'createChild');
    vi.spyOn(platformLogger, 'info').mockImplementation(() => undefined);
    vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    for (const trigger of ['ok', 'fail']) {
      built.count = 0;
      const outcome = await run(trigger);
      expect(built.count).toBe(1);
      expect(outcome.logs.length).toBeGreaterThanOrEqual(3);
      expect(JSON.stringify(outcome)).not.toContain(TOKEN);
    }
    expect(children).not.toHaveBeenCalled();
  });

  it('builds one when the secrets cannot be resolved', async () => {
    vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    const outcome = await run('ok', new MemorySecrets({}));
    expect(outcome.status).toBe('failed');
    expect(built.count).toBe(1);
  });

  it('gives every stdout line of the run its runId and jobId', async () => {
    const info = vi.spyOn(platformLogger, 'info').mockImplementation(() => undefined);
    await run('ok');
    const lines = info.mock.calls.filter(([m]) => typeof m === 'string' && m.startsWith('calling'));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.[1]).toMatchObject({ runId: 'R1', jobId: 'j1' });
    expect(platformLogger.getPersistentLogAttributes()).not.toHaveProperty('runId');
  });
});

describe('the worker’s own log line', () => {
  const runOnce = async (trigger: string) => {
    const deps = memoryDeps({ integrations: [chatty], secrets: { demo: ['x'], tok: [TOKEN] } });
    await deps.jobs.put(
      JobSchema.parse({
        id: 'j1',
        name: 'J',
        integration: 'chatty',
        auth: { secret: 'demo' },
        params: { token: { secret: 'tok' } },
      }),
    );
    await deps.runs.create(queuedWebhookRun({ trigger, event: webhookEvent({ trigger }) }));
    const info = vi.spyOn(platformLogger, 'info').mockImplementation(() => undefined);
    const debug = vi.spyOn(platformLogger, 'debug').mockImplementation(() => undefined);
    vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    // The last receive: a failed run is recorded rather than retried.
    await processRunMessage(deps, {
      body: JSON.stringify({ runId: 'R1', jobId: 'j1' }),
      receiveCount: 3,
      receiptHandle: 'rh',
    }).catch(() => undefined);
    const finished = (spy: typeof info) => spy.mock.calls.filter(([m]) => m === 'run finished');
    return { info: finished(info), debug: finished(debug) };
  };

  it.each([
    ['ok', 'succeeded'],
    ['fail', 'failed'],
  ])('is one INFO line per run (%s → %s)', async (trigger, status) => {
    const lines = await runOnce(trigger);
    expect(lines.info).toHaveLength(1);
    expect(lines.info[0]?.[1]).toMatchObject({ runId: 'R1', jobId: 'j1', status });
    expect(lines.debug).toHaveLength(0);
  });
});
