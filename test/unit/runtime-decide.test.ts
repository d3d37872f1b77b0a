import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../shared/errors.ts';
import type { Job, JobInput } from '../../shared/model/index.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { DEFAULT_SETTINGS } from '../../shared/runtime/deps.ts';
import type { IngestAnswer } from '../../shared/runtime/ingest.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { sweepSettings, sweepStaleRuns } from '../../shared/runtime/recovery.ts';
import type { AnyIntegration } from '../../shared/sdk/index.ts';
import { defineIntegration, parseManifest } from '../../shared/sdk/index.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { FakeClock, memoryDeps } from '../helpers/memory-deps.ts';
import { repoRoot } from '../helpers/samples.ts';

// ingest loads the decision path with its first decision request (a dynamic import: real I/O,
// which fake timers cannot advance). Loaded here first, so that no test's fake clock runs ahead
// of a decision that has not started yet, whichever test comes first.
beforeAll(async () => {
  await import('../../shared/runtime/decide.ts');
});

const SECRET = 'cp-secret-1';
const readExample = (...parts: string[]): string =>
  readFileSync(path.join(repoRoot, 'examples', ...parts), 'utf8');

/** `examples/jobs/checkpoint-before-publish.json`, as `npm start` loads it. */
const exampleJob = (over: Partial<JobInput> = {}): Job =>
  JobSchema.parse({
    ...(JSON.parse(readExample('jobs', 'checkpoint-before-publish.json')) as object),
    ...over,
  });

const violation = (): Record<string, unknown> =>
  JSON.parse(readExample('payloads', 'checkpoint-before-publish-violation.json')) as Record<string, unknown>;

const withOperationsRenamed = (): string => {
  const { operations, ...rest } = violation();
  return JSON.stringify({ ...rest, operationz: operations });
};

const clock = new FakeClock();
const setup = async (job: Job, integrations: AnyIntegration[] = []): Promise<MemoryDeps> => {
  const deps = memoryDeps({ secrets: { checkpoint: [SECRET] }, integrations, clock });
  await deps.jobs.put(job);
  return deps;
};

const post = (deps: MemoryDeps, jobId: string, body: string): Promise<IngestAnswer> =>
  ingest(deps, {
    jobId,
    body,
    headers: { 'content-type': 'application/json', 'x-chkp-shared-secret': SECRET },
    query: {},
  });

/** The Check Point answer of a decision. */
const verdictOf = (answer: IngestAnswer): { result: string; message: string } => {
  if (answer.kind !== 'verdict') throw new Error(`expected a verdict, got ${answer.kind}`);
  return JSON.parse(answer.response.body) as { result: string; message: string };
};

/** A checkpoint decision job running the given integration. */
const gateJob = (integration: string, over: Partial<JobInput> = {}): Job =>
  exampleJob({ id: 'gate', integration, params: {}, ...over });

/** An integration as plain code would hand it over, without defineIntegration's result checks. */
const raw = (id: string, entry: Partial<Pick<AnyIntegration, 'run' | 'decide'>>): AnyIntegration => ({
  manifest: parseManifest({
    id,
    name: id,
    version: '1.0.0',
    description: 'test',
    parameters: {},
    entryPoints: Object.keys(entry),
  }),
  ...entry,
});

const GOOD = (): string => readExample('payloads', 'checkpoint-before-publish.json');

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('the example publish gate never allows what it cannot read', () => {
  it.each([['{}'], ['{"foo":"bar"}']])(
    'refuses %s with 400 naming the session, storing nothing',
    async (body) => {
      const deps = await setup(exampleJob());
      const error = await post(deps, 'checkpoint-before-publish', body).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(/"session" is missing/);
      expect(deps.runs.items.size).toBe(0);
    },
  );

  it.each([
    ['the violating payload with operations renamed', withOperationsRenamed],
    [
      'the payload without a change set',
      () => readExample('payloads', 'checkpoint-before-publish-missing-changes.json'),
    ],
  ])('denies %s by onMissingChanges (absent: deny), saying the changes were missing', async (_l, body) => {
    const deps = await setup(exampleJob());
    const answer = await post(deps, 'checkpoint-before-publish', body());
    const verdict = verdictOf(answer);
    expect(verdict.result).toBe('failure');
    expect(verdict.message).toBe(
      'the publish came without its change set (Check Point sends none when its management API server is unavailable), so the changes could not be checked; onMissingChanges=deny: denied',
    );
    expect(deps.runs.items.get(answer.runId)).toMatchObject({
      status: 'failed',
      verdict: { allow: false, fallback: true },
    });
  });

  it('with onMissingChanges: allow, lets the gate check what it can, never saying "0 changes checked"', async () => {
    const deps = await setup(exampleJob({ onMissingChanges: 'allow' }));
    const verdict = verdictOf(await post(deps, 'checkpoint-before-publish', withOperationsRenamed()));
    expect(verdict.result).toBe('success');
    expect(verdict.message).toMatch(
      /^the change set was missing .*: no rule on changes was checked; no other violation$/,
    );
    expect(verdict.message).not.toMatch(/changes checked/);
  });

  it('with onMissingChanges: allow, still denies an administrator who is not listed', async () => {
    const job = exampleJob({ onMissingChanges: 'allow', params: { allowedAdmins: 'bob' } });
    const deps = await setup(job);
    const verdict = verdictOf(await post(deps, 'checkpoint-before-publish', withOperationsRenamed()));
    expect(verdict.result).toBe('failure');
    expect(verdict.message).toMatch(
      /^administrator "aa" is not allowed to publish; the change set was missing/,
    );
  });

  it('still answers the README payloads as before', async () => {
    const deps = await setup(exampleJob());
    expect(verdictOf(await post(deps, 'checkpoint-before-publish', GOOD()))).toEqual({
      result: 'success',
      message: '3 changes checked, no violation',
    });
    expect(verdictOf(await post(deps, 'checkpoint-before-publish', JSON.stringify(violation())))).toEqual({
      result: 'failure',
      message: 'access rule 408c7054-eb6d-4557-8a15-cb1b6160b80b has no comments',
    });
  });
});

describe('a decision without a verdict gets the job’s onError, never an allow', () => {
  it.each([
    [
      'decide returns nothing',
      raw('silent', { decide: () => Promise.resolve(undefined as never) }),
      'decide returned no verdict',
    ],
    [
      'decide returns allow as text',
      raw('texty', { decide: () => Promise.resolve({ allow: 'true', message: 'ok' } as never) }),
      'decide returned no verdict',
    ],
    [
      'run (no decide) returns nothing',
      raw('runner', { run: () => Promise.resolve(undefined as never) }),
      'has no decide entry point and its run returned no verdict',
    ],
    [
      'run (no decide) returns a message only',
      raw('chatty', { run: () => Promise.resolve({ message: 'looked fine' }) }),
      'has no decide entry point and its run returned no verdict',
    ],
  ])('%s → onError deny by default, onError allow when the job says so', async (_l, integration, why) => {
    const deps = await setup(gateJob(integration.manifest.id), [integration]);
    const denied = await post(deps, 'gate', GOOD());
    expect(verdictOf(denied)).toEqual({
      result: 'failure',
      message: `integration ${integration.manifest.id} ${why} (allow: true or false); onError=deny: denied`,
    });
    expect(deps.runs.items.get(denied.runId)).toMatchObject({
      status: 'failed',
      verdict: { allow: false, fallback: true },
    });

    await deps.jobs.put(gateJob(integration.manifest.id, { onError: 'allow' }));
    const allowed = verdictOf(await post(deps, 'gate', GOOD()));
    expect(allowed.result).toBe('success');
    expect(allowed.message).toMatch(/onError=allow: allowed$/);
  });

  it.each([
    [true, 'success'],
    [false, 'failure'],
  ])('takes an explicit allow=%s from a run entry (an integration with no decide)', async (allow, result) => {
    const runOnly = defineIntegration({
      id: 'run-only',
      name: 'Run only',
      version: '1.0.0',
      description: 'Gives its verdict from run.',
      parameters: {},
      run: () => ({ allow, message: 'explicit' }),
    });
    const deps = await setup(gateJob('run-only'), [runOnly]);
    expect(verdictOf(await post(deps, 'gate', GOOD()))).toEqual({ result, message: 'explicit' });
  });
});

describe('a decision whose bookkeeping fails still answers onError within its deadline', () => {
  const allowAll = defineIntegration({
    id: 'allow-all',
    name: 'Allow all',
    version: '1.0.0',
    description: 'Allows everything.',
    parameters: {},
    decide: () => ({ allow: true, message: 'fine' }),
  });
  const denyAll = defineIntegration({
    id: 'deny-all',
    name: 'Deny all',
    version: '1.0.0',
    description: 'Denies everything.',
    parameters: {},
    decide: () => ({ allow: false, message: 'rule 12 has no comment' }),
  });
  let calls = 0;
  /** Takes all the time it is given: answers only when its signal fires. */
  const slowAllow = defineIntegration({
    id: 'slow-allow',
    name: 'Slow',
    version: '1.0.0',
    description: 'Uses its whole deadline.',
    parameters: {},
    decide: ({ signal }) => {
      calls++;
      return new Promise((resolve) =>
        signal.addEventListener('abort', () => resolve({ allow: true, message: 'too late' })),
      );
    },
  });
  /** Allows after 3.9 s of a 5 s deadline. */
  const takes3900 = defineIntegration({
    id: 'takes-3900',
    name: 'Slow',
    version: '1.0.0',
    description: 'Uses most of its deadline.',
    parameters: {},
    decide: () =>
      new Promise((resolve) => setTimeout(() => resolve({ allow: true, message: 'fine, eventually' }), 3900)),
  });
  const throttled = (): Promise<never> =>
    Promise.reject(
      new Error('ProvisionedThroughputExceededException: rate of requests exceeds the allowed throughput'),
    );
  const never = (): Promise<never> => new Promise<never>(() => undefined);

  it.each([
    ['deny', 'failure'],
    ['allow', 'success'],
  ] as const)(
    'answers onError=%s when the run cannot be created, without running the integration, logging one ERROR line',
    async (onError, result) => {
      const deps = await setup(gateJob('allow-all', { onError }), [allowAll]);
      deps.runs.create = throttled;
      const logged = vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
      const answer = await post(deps, 'gate', GOOD());
      expect(verdictOf(answer)).toEqual({
        result,
        message: `the decision could not be recorded; onError=${onError}: ${onError === 'allow' ? 'allowed' : 'denied'}`,
      });
      expect(deps.runs.items.size).toBe(0);
      expect(logged).toHaveBeenCalledWith(
        'decision verdict not recorded',
        expect.objectContaining({
          jobId: 'gate',
          runId: answer.runId,
          stage: 'create',
          answered: onError,
          error: expect.stringContaining('ProvisionedThroughputExceededException') as unknown,
        }),
      );
    },
  );

  it('keeps a decision’s event inline above the async limit: no S3 call on the verdict’s path', async () => {
    // Prepare: a publish padded past the async runs' inline limit
    const deps = await setup(exampleJob());
    const body = JSON.stringify({
      ...violation(),
      padding: 'p'.repeat(2 * DEFAULT_SETTINGS.inlineEventLimitBytes),
    });

    // Act
    const answer = await post(deps, 'checkpoint-before-publish', body);

    // Assess
    expect(answer.kind).toBe('verdict');
    expect(deps.payloads.items.size).toBe(0);
    expect(deps.runs.items.get(answer.runId)?.event).toBeDefined();
  });

  it('answers onError when the payload store fails for a large event', async () => {
    const deps = memoryDeps({
      secrets: { checkpoint: [SECRET] },
      settings: { decisionInlineEventLimitBytes: 10 },
    });
    await deps.jobs.put(exampleJob());
    deps.payloads.failPut = true;
    vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    const verdict = verdictOf(await post(deps, 'checkpoint-before-publish', GOOD()));
    expect(verdict).toEqual({
      result: 'failure',
      message: 'the decision could not be recorded; onError=deny: denied',
    });
    expect(deps.runs.items.size).toBe(0);
  });

  it('answers by the deadline when creating the run hangs, without running the integration', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    calls = 0;
    const deps = await setup(gateJob('slow-allow', { timeoutSeconds: 2 }), [slowAllow]);
    deps.runs.create = never;
    vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    let answer: IngestAnswer | undefined;
    void post(deps, 'gate', GOOD()).then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(2000);
    expect(answer && verdictOf(answer)).toEqual({
      result: 'failure',
      message: 'the decision could not be recorded; onError=deny: denied',
    });
    expect(calls).toBe(0);
  });

  it('answers by the deadline when the integration takes most of it and recording the verdict hangs; the sweeper records it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const deps = await setup(gateJob('takes-3900', { timeoutSeconds: 5 }), [takes3900]);
    const finish = deps.runs.finish.bind(deps.runs);
    deps.runs.finish = never;
    const logged = vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    let answer: IngestAnswer | undefined;
    void post(deps, 'gate', GOOD()).then((a) => (answer = a));

    await vi.advanceTimersByTimeAsync(4999);
    expect(answer).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(answer && verdictOf(answer)).toEqual({
      result: 'failure',
      message: 'the verdict could not be recorded; onError=deny: denied',
    });
    expect(logged).toHaveBeenCalledWith(
      'decision verdict not recorded',
      expect.objectContaining({ jobId: 'gate', stage: 'finish', answered: 'deny' }),
    );
    vi.useRealTimers();

    // Left running; once the table is back, five minutes on, the sweeper records it failed with the verdict the caller got.
    deps.runs.finish = finish;
    const runId = answer?.runId ?? '';
    expect(deps.runs.items.get(runId)?.status).toBe('running');
    clock.advance(6 * 60_000);
    expect(await sweepStaleRuns(deps, sweepSettings(1800, 300))).toEqual({ requeued: 0, failed: 1 });
    expect(deps.runs.items.get(runId)).toMatchObject({
      status: 'failed',
      verdict: { allow: false, fallback: true },
    });
  });

  it('cuts an integration that takes all it gets at the deadline less the time kept for recording', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const deps = await setup(gateJob('slow-allow', { timeoutSeconds: 5 }), [slowAllow]);
    deps.runs.finish = never;
    vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    let answer: IngestAnswer | undefined;
    void post(deps, 'gate', GOOD()).then((a) => (answer = a));

    await vi.advanceTimersByTimeAsync(5000);
    expect(answer && verdictOf(answer)).toEqual({
      result: 'failure',
      message: 'run timed out after 4000 ms; onError=deny: denied',
    });
  });

  it('turns an unrecorded allow into onError=deny when recording the verdict throws', async () => {
    const deps = await setup(gateJob('allow-all'), [allowAll]);
    deps.runs.finish = throttled;
    vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    expect(verdictOf(await post(deps, 'gate', GOOD()))).toEqual({
      result: 'failure',
      message: 'the verdict could not be recorded; onError=deny: denied',
    });
  });

  it('keeps a deny when recording fails, even with onError=allow', async () => {
    const deps = await setup(gateJob('deny-all', { onError: 'allow' }), [denyAll]);
    deps.runs.finish = throttled;
    vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    expect(verdictOf(await post(deps, 'gate', GOOD()))).toEqual({
      result: 'failure',
      message: 'rule 12 has no comment',
    });
  });

  it('treats a finish that finds the run taken over as unrecorded', async () => {
    const deps = await setup(gateJob('allow-all'), [allowAll]);
    deps.runs.finish = () => Promise.resolve(false);
    vi.spyOn(platformLogger, 'error').mockImplementation(() => undefined);
    expect(verdictOf(await post(deps, 'gate', GOOD())).result).toBe('failure');
  });
});
