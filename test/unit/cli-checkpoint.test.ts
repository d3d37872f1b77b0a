import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { JobSchema } from '../../shared/model/index.ts';
import { runCli } from '../helpers/cli.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';

// The CLI against the real admin routes over the memory stores (no network): what it
// sends is what the routes take, and what it prints is what they answer.

const ENDPOINT = ['--endpoint', 'http://127.0.0.1:3999'];

let deps: MemoryDeps;
const fetchOf =
  (d: MemoryDeps): typeof fetch =>
  (input, init) =>
    Promise.resolve(createAdminApp(d).request(new Request(input, init)));
const cli = (args: string[]) => runCli([...ENDPOINT, ...args], { fetch: fetchOf(deps) });

beforeEach(async () => {
  deps = memoryDeps();
  await deps.jobs.put(
    JobSchema.parse({ id: 'j1', name: 'J', integration: 'log-event', auth: { secret: 'demo' } }),
  );
  await deps.checkpoints.recordRun('j1', {
    runId: '01KXXX00000000000000000001',
    startedAt: '2026-11-22T09:00:00.000Z',
    succeeded: true,
    cursor: 'page-7',
    at: '2026-11-22T09:00:01.000Z',
  });
});

describe('triggerhub checkpoint show', () => {
  it('prints the cursor, the last successful run and the last run', async () => {
    const out = await cli(['checkpoint', 'show', 'j1']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Cursor: +page-7$/m);
    expect(out.stdout).toMatch(/^Last successful run: +2026-11-22T09:00:00.000Z$/m);
    expect(out.stdout).toMatch(/^Last run: +2026-11-22T09:00:00.000Z$/m);
  });

  it('prints the API JSON with --json', async () => {
    const out = await cli(['--json', 'checkpoint', 'show', 'j1']);
    expect(JSON.parse(out.stdout)).toEqual(await deps.checkpoints.get('j1'));
  });

  it('fails with the API’s 404 for an unknown job', async () => {
    const out = await cli(['checkpoint', 'show', 'nope']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('no job nope (HTTP 404 not_found)');
  });
});

describe('triggerhub checkpoint set', () => {
  it('sets the cursor, prints before and after, and warns that the last successful run time was cleared', async () => {
    const out = await cli(['checkpoint', 'set', 'j1', '--cursor', 'page-2']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Before:\n(.*\n)*Cursor: +page-7\n(.*\n)*After:\n(.*\n)*Cursor: +page-2\n/);
    expect(out.stdout).toMatch(/^Rewound: +2026-11-22T10:00:00.000Z by local$/m);
    expect(out.stderr).toBe(
      'warning: cleared the last successful run time (no --last-successful-run-at given)\n',
    );
    expect(await deps.checkpoints.get('j1')).toMatchObject({ cursor: 'page-2', rewoundBy: 'local' });
    expect((await deps.checkpoints.get('j1'))?.lastSuccessfulRunAt).toBeUndefined();
  });

  it('sets both fields without a warning', async () => {
    const out = await cli([
      'checkpoint',
      'set',
      'j1',
      '--cursor',
      'page-2',
      '--last-successful-run-at',
      '2026-11-22T08:00:00Z',
    ]);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    expect(await deps.checkpoints.get('j1')).toMatchObject({
      cursor: 'page-2',
      lastSuccessfulRunAt: '2026-11-22T08:00:00.000Z',
    });
  });

  it('starts over with no flag, saying both were cleared', async () => {
    const out = await cli(['checkpoint', 'set', 'j1']);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe(
      'warning: cleared the cursor and the last successful run time (no --cursor, no --last-successful-run-at given)\n',
    );
    expect((await deps.checkpoints.get('j1'))?.cursor).toBeUndefined();
  });

  it('prints before and after as JSON with --json', async () => {
    const out = await cli([
      '--json',
      'checkpoint',
      'set',
      'j1',
      '--cursor',
      'page-3',
      '--last-successful-run-at',
      '2026-11-22T08:00:00Z',
    ]);
    expect(JSON.parse(out.stdout)).toMatchObject({
      before: { cursor: 'page-7' },
      after: { cursor: 'page-3' },
    });
  });

  it('refuses a time that is not ISO 8601 as a usage error, before any request', async () => {
    const out = await cli(['checkpoint', 'set', 'j1', '--last-successful-run-at', 'yesterday']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('ISO 8601');
    expect((await deps.checkpoints.get('j1'))?.cursor).toBe('page-7');
  });
});
