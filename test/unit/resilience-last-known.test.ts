import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ServiceUnavailableError, ValidationError } from '../../shared/errors.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { lastKnown, withLastKnownJobs, withLastKnownSecrets } from '../../shared/resilience/last-known.ts';
import { ingest } from '../../shared/runtime/ingest.ts';
import { platformLogger } from '../../shared/runtime/platform-logger.ts';
import { SecretsManagerStore } from '../../shared/secrets/secrets-manager-store.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { repoRoot } from '../helpers/samples.ts';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A read that answers, fails or hangs as the test says. */
const controllable = () => {
  const state = { mode: 'answer' as 'answer' | 'fail' | 'hang', value: 'v1', calls: 0 };
  const read = (key: string): Promise<string> => {
    state.calls++;
    if (state.mode === 'fail') return Promise.reject(new ServiceUnavailableError('store unavailable'));
    if (state.mode === 'hang') return new Promise<string>(() => undefined);
    return Promise.resolve(`${key}=${state.value}`);
  };
  return { state, read };
};

describe('lastKnown', () => {
  it('reads through every time: a fresh answer always wins', async () => {
    const { state, read } = controllable();
    const get = lastKnown('test store', read);
    expect(await get('a')).toBe('a=v1');
    state.value = 'v2';
    expect(await get('a')).toBe('a=v2');
    expect(state.calls).toBe(2);
  });

  it('answers the last known value while the store fails, within maxStaleMs, then fails', async () => {
    let t = 1_000_000;
    const { state, read } = controllable();
    const get = lastKnown('test store', read, { maxStaleMs: 60_000, now: () => t });
    expect(await get('a')).toBe('a=v1');
    state.mode = 'fail';
    t += 59_000;
    expect(await get('a')).toBe('a=v1');
    t += 2_000;
    await expect(get('a')).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('fails as the store does when nothing is known', async () => {
    const { state, read } = controllable();
    state.mode = 'fail';
    await expect(lastKnown('test store', read)('a')).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('cuts a hanging lookup short only when it has something to fall back on', async () => {
    vi.useFakeTimers();
    const { state, read } = controllable();
    const get = lastKnown('test store', read, { timeoutMs: 500 });
    expect(await get('a')).toBe('a=v1');
    state.mode = 'hang';
    const answer = get('a');
    await vi.advanceTimersByTimeAsync(500);
    expect(await answer).toBe('a=v1');
    // Unknown key: no fallback, so no time-out either — it waits for the store.
    let settled = false;
    void get('b').finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(settled).toBe(false);
  });

  it('cuts each hanging lookup short at its own deadline, however they overlap', async () => {
    // Prepare
    vi.useFakeTimers();
    const { state, read } = controllable();
    const get = lastKnown('test store', read, { timeoutMs: 500 });
    expect(await get('a')).toBe('a=v1');
    expect(await get('b')).toBe('b=v1');
    state.mode = 'hang';
    const settled: string[] = [];

    // Act: b starts hanging 300 ms after a
    void get('a').then((v) => settled.push(v));
    await vi.advanceTimersByTimeAsync(300);
    void get('b').then((v) => settled.push(v));
    await vi.advanceTimersByTimeAsync(200);
    const atA = [...settled];
    await vi.advanceTimersByTimeAsync(299);
    const beforeB = [...settled];
    await vi.advanceTimersByTimeAsync(1);

    // Assess
    expect(atA).toEqual(['a=v1']);
    expect(beforeB).toEqual(['a=v1']);
    expect(settled).toEqual(['a=v1', 'b=v1']);
  });

  it('arms no timer per lookup: one watchdog serves the lookups of a warm function', async () => {
    // Prepare
    vi.useFakeTimers();
    const { read } = controllable();
    const get = lastKnown('test store', read, { timeoutMs: 500 });
    await get('a');
    const timers = vi.spyOn(globalThis, 'setTimeout');

    // Act: ten lookups with a fallback, each answered at once
    for (let i = 0; i < 10; i++) await get('a');

    // Assess
    expect(timers.mock.calls.length).toBeLessThanOrEqual(1);
  });

  it('forgets the oldest entries beyond maxEntries', async () => {
    const { state, read } = controllable();
    const get = lastKnown('test store', read, { maxEntries: 2 });
    await get('a');
    await get('b');
    await get('c');
    state.mode = 'fail';
    await expect(get('a')).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(await get('c')).toBe('c=v1');
  });
});

describe('lastKnown falls back only when the store is unavailable', () => {
  const networkError = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });
  const sdkError = (name: string, fault: 'client' | 'server', status: number): Error =>
    Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } });

  /** A read that answers once, then throws what the test gives it. */
  const failingWith = (error: () => Error) => {
    let calls = 0;
    return (key: string): Promise<string> => {
      calls++;
      if (calls === 1) return Promise.resolve(`${key}=v1`);
      return Promise.reject(error());
    };
  };

  it.each([
    ['a ServiceUnavailableError', () => new ServiceUnavailableError('store unavailable (get job)')],
    ['a refused connection (raw from the SDK)', () => networkError('ECONNREFUSED')],
    ['a DNS failure', () => networkError('EAI_AGAIN')],
    ['throttling', () => sdkError('ThrottlingException', 'client', 400)],
    ['a 500', () => sdkError('InternalServerError', 'server', 500)],
    [
      'an unavailability wrapped as a cause',
      () => new Error('get job failed', { cause: networkError('ECONNRESET') }),
    ],
  ])('answers the last known value for %s', async (_label, error) => {
    vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const get = lastKnown('test store', failingWith(error));
    expect(await get('a')).toBe('a=v1');
    expect(await get('a')).toBe('a=v1');
  });

  it.each([
    ['a validation error', () => new ValidationError('bad key')],
    ['a permission error', () => sdkError('AccessDeniedException', 'client', 400)],
    ['a secret marked for deletion', () => sdkError('InvalidRequestException', 'client', 400)],
    ['a bug', () => new TypeError("Cannot read properties of undefined (reading 'id')")],
    [
      'an aborted call',
      () => Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ECONNRESET' }),
    ],
  ])('throws %s as it is, never the last known value', async (_label, error) => {
    const warn = vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const thrown = error();
    const get = lastKnown(
      'test store',
      failingWith(() => thrown),
    );
    expect(await get('a')).toBe('a=v1');
    await expect(get('a')).rejects.toBe(thrown);
    expect(warn).not.toHaveBeenCalled();
  });

  it('forgets the last known value on such an error: a later outage cannot bring it back', async () => {
    const errors: Error[] = [new ValidationError('revoked'), new ServiceUnavailableError('down')];
    let calls = 0;
    const read = (key: string): Promise<string> =>
      calls++ === 0 ? Promise.resolve(`${key}=v1`) : Promise.reject(errors.shift() ?? new Error('no more'));
    const get = lastKnown('test store', read);
    expect(await get('a')).toBe('a=v1');
    await expect(get('a')).rejects.toBeInstanceOf(ValidationError);
    await expect(get('a')).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});

describe('a warm ingest whose Secrets Manager secret is revoked', () => {
  const SECRET = 'demo-secret-1';
  const client = new SecretsManagerClient({ region: 'us-east-1' });
  const sm = mockClient(client);
  const smError = (name: string, fault: 'client' | 'server', message: string) =>
    new SecretsManagerServiceException({
      name,
      $fault: fault,
      message,
      $metadata: { httpStatusCode: fault === 'server' ? 500 : 400 },
    });

  beforeEach(() => {
    sm.reset();
    sm.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({ message: 'no such secret value', $metadata: {} }),
    );
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/demo', VersionStage: 'AWSCURRENT' }).resolves({
      SecretString: SECRET,
    });
  });

  /** Ingest as create-deps wires it in Lambda: Secrets Manager behind the last-known wrapper. */
  const warmIngest = async () => {
    const base = memoryDeps();
    await base.jobs.put(
      JobSchema.parse({
        id: 'demo',
        name: 'Demo',
        integration: 'log-event',
        auth: { secret: 'demo' },
        dedupeWindowSeconds: 0,
      }),
    );
    // maxAge 0: each request reads Secrets Manager, as every request does once its 60 s cache expires.
    const deps = { ...base, secrets: withLastKnownSecrets(new SecretsManagerStore({ client, maxAge: 0 })) };
    const post = () =>
      ingest(deps, {
        jobId: 'demo',
        body: '{"a":1}',
        headers: { 'content-type': 'application/json', 'x-shared-secret': SECRET },
        query: {},
      });
    await expect(post()).resolves.toMatchObject({ kind: 'queued' });
    return { base, post };
  };

  it.each([
    ['marked for deletion', 'InvalidRequestException', 'it was marked for deletion.'],
    ['no longer readable by the function', 'AccessDeniedException', 'not authorized to perform'],
    ['no longer decryptable', 'DecryptionFailure', "can't decrypt the protected secret text"],
  ])('refuses the old secret with 401 at once when it is %s, storing nothing', async (_l, name, message) => {
    vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const { base, post } = await warmIngest();
    const runs = base.runs.items.size;
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/demo' }).rejects(smError(name, 'client', message));

    await expect(post()).rejects.toMatchObject({ status: 401 });
    expect(base.runs.items.size).toBe(runs);
    expect(base.queue.sent).toHaveLength(1);
  });

  it('still answers with the last known secret while Secrets Manager is down', async () => {
    vi.spyOn(platformLogger, 'warn').mockImplementation(() => undefined);
    const { base, post } = await warmIngest();
    sm.on(GetSecretValueCommand, { SecretId: 'triggerhub/demo' }).rejects(
      smError('InternalServiceError', 'server', 'An error occurred on the server side.'),
    );

    await expect(post()).resolves.toMatchObject({ kind: 'queued' });
    expect(base.queue.sent).toHaveLength(2);
  });
});

describe('a warm ingest while the table and Secrets Manager are down', () => {
  const SECRET = 'cp-secret-1';
  const job = JobSchema.parse(
    JSON.parse(
      readFileSync(path.join(repoRoot, 'examples', 'jobs', 'checkpoint-before-publish.json'), 'utf8'),
    ),
  );
  const body = readFileSync(
    path.join(repoRoot, 'examples', 'payloads', 'checkpoint-before-publish.json'),
    'utf8',
  );
  const request = {
    jobId: job.id,
    body,
    headers: { 'content-type': 'application/json', 'x-chkp-shared-secret': SECRET },
    query: {},
  };

  it("answers a decision job's onError verdict, not a 5xx, for a job it has seen", async () => {
    const base = memoryDeps({ secrets: { checkpoint: [SECRET] } });
    await base.jobs.put(job);
    const deps = { ...base, jobs: withLastKnownJobs(base.jobs), secrets: withLastKnownSecrets(base.secrets) };
    const first = await ingest(deps, request);
    expect(first.kind).toBe('verdict');

    const down = () => Promise.reject(new ServiceUnavailableError('store unavailable'));
    vi.spyOn(base.jobs, 'get').mockImplementation(down);
    vi.spyOn(base.secrets, 'getVersions').mockImplementation(down);
    vi.spyOn(base.runs, 'create').mockImplementation(down);

    const answer = await ingest(deps, request);
    if (answer.kind !== 'verdict') throw new Error(`expected a verdict, got ${answer.kind}`);
    expect(answer.response.status).toBe(200);
    expect(JSON.parse(answer.response.body)).toMatchObject({ result: 'failure' });
  });

  it('still refuses a wrong secret with the last known secret', async () => {
    const base = memoryDeps({ secrets: { checkpoint: [SECRET] } });
    await base.jobs.put(job);
    const deps = { ...base, jobs: withLastKnownJobs(base.jobs), secrets: withLastKnownSecrets(base.secrets) };
    await ingest(deps, request);
    vi.spyOn(base.secrets, 'getVersions').mockRejectedValue(new ServiceUnavailableError('down'));
    await expect(
      ingest(deps, { ...request, headers: { ...request.headers, 'x-chkp-shared-secret': 'wrong' } }),
    ).rejects.toMatchObject({ status: 401 });
  });
});
