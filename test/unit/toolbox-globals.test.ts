import { afterEach, describe, expect, it, vi } from 'vitest';
import { PermanentError, ServiceUnavailableError } from '../../shared/errors.ts';
import { JobSchema } from '../../shared/model/index.ts';
import type { SecretStore } from '../../shared/ports.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { executeIntegration } from '../../shared/runtime/execute.ts';
import { GLOBALS_CACHE_MS, loadGlobals } from '../../shared/runtime/toolbox/globals.ts';
import { prepareToolbox } from '../../shared/runtime/toolbox/index.ts';
import { defineIntegration } from '../../shared/sdk/index.ts';
import { FakeClock, MemorySecrets, memoryDeps } from '../helpers/memory-deps.ts';
import { MemoryGlobalStore } from '../helpers/memory-global-store.ts';

const CANARY = 'canary-Qm4-masked';
const at = '2026-11-22T10:00:00.000Z';

const setup = async (secrets: SecretStore = new MemorySecrets({ 'global/token': [CANARY, 'old-value'] })) => {
  const globals = new MemoryGlobalStore();
  await globals.put({ name: 'region', masked: false, value: 'eu-west-1', at });
  await globals.put({ name: 'token', masked: true, at });
  return { globals, secrets, clock: new FakeClock() };
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ctx.globals (loadGlobals)', () => {
  it('resolves masked values (current only) and lists them for redaction', async () => {
    // Prepare
    const deps = await setup();

    // Act
    const { values, maskedValues } = await loadGlobals(deps);

    // Assess
    expect({ ...values }).toEqual({ region: 'eu-west-1', token: CANARY });
    expect(maskedValues).toEqual([CANARY]);
  });

  it('is a frozen object without a prototype', async () => {
    // Prepare
    const deps = await setup();

    // Act
    const { values } = await loadGlobals(deps);

    // Assess
    expect(Object.isFrozen(values)).toBe(true);
    expect(Object.getPrototypeOf(values)).toBeNull();
    expect(() => {
      (values as Record<string, string>).region = 'changed';
    }).toThrow(TypeError);
    expect('toString' in values).toBe(false);
  });

  it('reads the masked values in one batch where the store has getMany', async () => {
    // Prepare
    const getMany = vi.fn((names: readonly string[]) =>
      Promise.resolve(new Map(names.map((n) => [n, `value of ${n}`]))),
    );
    const getVersions = vi.fn(() => Promise.resolve([] as string[]));
    const deps = await setup({ getVersions, getMany });
    await deps.globals.put({ name: 'other', masked: true, at });

    // Act
    const { values } = await loadGlobals(deps);

    // Assess
    expect(getMany).toHaveBeenCalledTimes(1);
    expect(getMany).toHaveBeenCalledWith(['global/other', 'global/token']);
    expect(getVersions).not.toHaveBeenCalled();
    expect(values.other).toBe('value of global/other');
  });

  it('leaves out a masked global whose secret is missing, with a WARN naming it (never a value)', async () => {
    // Prepare
    const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const deps = await setup(new MemorySecrets({}));

    // Act
    const { values, maskedValues } = await loadGlobals(deps);

    // Assess
    expect({ ...values }).toEqual({ region: 'eu-west-1' });
    expect(maskedValues).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(warn.mock.calls[0])).toContain('token');
  });

  it('serves what it read for 10 s, then reads again', async () => {
    // Prepare
    const deps = await setup();
    await loadGlobals(deps);
    await deps.globals.put({ name: 'region', masked: false, value: 'us-east-1', at });

    // Act
    deps.clock.advance(GLOBALS_CACHE_MS - 1);
    const cached = await loadGlobals(deps);
    deps.clock.advance(1);
    const fresh = await loadGlobals(deps);

    // Assess
    expect(cached.values.region).toBe('eu-west-1');
    expect(fresh.values.region).toBe('us-east-1');
    expect(deps.globals.listCalls).toBe(2);
  });

  it('reads once for runs that start together', async () => {
    // Prepare
    const deps = await setup();

    // Act
    const all = await Promise.all(Array.from({ length: 10 }, () => loadGlobals(deps)));

    // Assess
    expect(deps.globals.listCalls).toBe(1);
    expect(new Set(all.map((g) => g.values)).size).toBe(1);
  });

  it('stands in the last answer while the table is unavailable, and fails without one', async () => {
    // Prepare
    vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const deps = await setup();
    const cold = await setup();
    await loadGlobals(deps);
    const down = () => Promise.reject(new ServiceUnavailableError('store unavailable (list globals)'));
    deps.globals.list = down;
    cold.globals.list = down;

    // Act
    deps.clock.advance(GLOBALS_CACHE_MS);
    const stale = await loadGlobals(deps);

    // Assess
    expect(stale.values.token).toBe(CANARY);
    await expect(loadGlobals(cold)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});

describe('ctx.globals in a run', () => {
  const runWith = async (fail: boolean) => {
    const deps = memoryDeps({ secrets: { 'global/token': [CANARY] } });
    await deps.globals.put({ name: 'token', masked: true, at });
    await deps.globals.put({ name: 'region', masked: false, value: 'eu-west-1', at });
    const probe = defineIntegration({
      id: 'globals-unit-probe',
      name: 'Probe',
      version: '1.0.0',
      description: 'uses its masked global everywhere',
      parameters: {},
      async run({ globals, logger, notifier }) {
        logger.info(`token=${globals.token ?? '-'} region=${globals.region ?? '-'}`);
        await notifier.warn(`token ${globals.token ?? '-'}`);
        if (fail) throw new PermanentError(`failed with ${globals.token ?? '-'}`);
        return { message: `used ${globals.token ?? '-'}`, output: { token: globals.token } };
      },
    });
    const job = JobSchema.parse({
      id: 'g',
      name: 'G',
      integration: probe.manifest.id,
      auth: { secret: 'demo' },
    });
    const now = deps.clock.now();
    const toolbox = await prepareToolbox(deps, {
      job,
      runId: 'R1',
      attempt: 1,
      startedAt: now,
      deadlineAt: now.getTime() + 60_000,
      decision: false,
    });
    const outcome = await executeIntegration({
      integration: probe,
      job,
      runId: 'R1',
      event: {
        source: 'generic',
        trigger: 'webhook',
        deliveryId: 'D',
        receivedAt: at,
        headers: {},
        query: {},
        payload: {},
      },
      entry: 'run',
      secrets: deps.secrets,
      clock: deps.clock,
      toolbox,
    });
    return { deps, outcome };
  };

  it('hands the run its masked value, and redacts it from the log, message, output and notification', async () => {
    // Act
    const { deps, outcome } = await runWith(false);

    // Assess
    expect(outcome.status).toBe('succeeded');
    expect(outcome.message).toBe('used ***');
    expect(outcome.logs.map((l) => l.message)).toContain('token=*** region=eu-west-1');
    expect(JSON.stringify(outcome)).not.toContain(CANARY);
    expect(deps.notifications.items.map((n) => n.message)).toEqual(['token ***']);
  });

  it('redacts it from a failed run’s error', async () => {
    // Act
    const { outcome } = await runWith(true);

    // Assess
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toContain('failed with ***');
    expect(JSON.stringify(outcome)).not.toContain(CANARY);
  });
});
