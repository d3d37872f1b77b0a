import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../shared/errors.ts';
import { admin } from '../../shared/runtime/admin.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

const demo = { name: 'Demo', integration: 'log-event', auth: { secret: 'demo' } };

describe('admin.putJob', () => {
  it('creates with defaults, then replaces keeping createdAt', async () => {
    const deps = memoryDeps();
    const first = await admin.putJob(deps, 'demo', demo);
    expect(first.created).toBe(true);
    expect(first.job).toMatchObject({
      id: 'demo',
      enabled: true,
      mode: 'async',
      source: 'generic',
      maxBodyBytes: 1024 * 1024,
      auth: { type: 'shared-secret', header: 'X-Shared-Secret' },
    });
    const second = await admin.putJob(deps, 'demo', { ...demo, name: 'Renamed' });
    expect(second.created).toBe(false);
    expect(second.job.createdAt).toBe(first.job.createdAt);
    expect((await admin.getJob(deps, 'demo')).name).toBe('Renamed');
  });

  it.each([
    ['an id that differs from the path', { ...demo, id: 'other' }, 'id: "other" does not match'],
    ['an unknown integration', { ...demo, integration: 'nope' }, 'unknown integration "nope"'],
    ['a missing auth', { name: 'x', integration: 'log-event' }, 'auth: a job that accepts webhooks needs `auth` (or set "webhook": false)'],
    [
      'an hmac auth without its secret',
      { ...demo, auth: { type: 'hmac' } },
      'auth.secret: Invalid input: expected string',
    ],
    ['an auth of an unknown type', { ...demo, auth: { type: 'nope', secret: 's' } }, 'auth.type'],
    [
      'onMissingChanges on an async Check Point job',
      { ...demo, source: 'checkpoint', onMissingChanges: 'allow' },
      'onMissingChanges: only decision jobs (mode "decision") give a verdict on a publish',
    ],
    ['an unknown field', { ...demo, colour: 'red' }, 'colour'],
    ['a parameter the manifest does not know', { ...demo, params: { nope: 1 } }, 'nope'],
    ['a body over the limit', { ...demo, maxBodyBytes: 11 * 1024 * 1024 }, 'maxBodyBytes'],
    ['a decision time-out over 25 s', { ...demo, mode: 'decision', timeoutSeconds: 26 }, 'timeoutSeconds'],
    ['not an object', [1, 2], 'expected a JSON object'],
    [
      'onMissingChanges on a job that is not Check Point',
      { ...demo, onMissingChanges: 'allow' },
      'onMissingChanges: only Check Point jobs (source "checkpoint") have a change set',
    ],
    [
      'an onMissingChanges that is neither allow nor deny',
      { ...demo, source: 'checkpoint', onMissingChanges: 'maybe' },
      'onMissingChanges',
    ],
    [
      'a subjectPattern RE2 refuses',
      { ...demo, integration: 'securechange-ticket-gate', params: { subjectPattern: '(a)\\1' } },
      'parameter "subjectPattern": not a valid RE2 regular expression',
    ],
  ])('refuses %s with a message naming it', async (_name, body, fragment) => {
    const deps = memoryDeps();
    const error = await admin.putJob(deps, 'demo', body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(fragment);
    expect(deps.jobs.items.size).toBe(0);
  });

  it('refuses a bad job id in the path', async () => {
    await expect(admin.putJob(memoryDeps(), 'Bad Id!', demo)).rejects.toThrow(/id/);
  });
});

describe('admin reads', () => {
  it('404s unknown jobs and runs, and lists a known job with no runs', async () => {
    const deps = memoryDeps();
    await expect(admin.getJob(deps, 'x')).rejects.toBeInstanceOf(NotFoundError);
    await expect(admin.getRun(deps, 'x')).rejects.toBeInstanceOf(NotFoundError);
    await expect(admin.listRuns(deps, 'x', {})).rejects.toBeInstanceOf(NotFoundError);
    await expect(admin.deleteJob(deps, 'x')).rejects.toBeInstanceOf(NotFoundError);
    await admin.putJob(deps, 'demo', demo);
    await expect(admin.listRuns(deps, 'demo', {})).resolves.toEqual({ items: [] });
  });
});
