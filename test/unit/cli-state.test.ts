import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { makeJob } from '../contract/fixtures.ts';
import { runCli } from '../helpers/cli.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import type { MemoryDeps } from '../helpers/memory-deps.ts';

/** The CLI against the real admin app over memory ports, every request recorded. */
const stack = async (): Promise<{
  deps: MemoryDeps;
  cli: (args: string[]) => ReturnType<typeof runCli>;
  requests: string[];
}> => {
  const deps = memoryDeps();
  await deps.jobs.put(makeJob('demo'));
  const app = createAdminApp(deps);
  const requests: string[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    return app.fetch(request);
  };
  return { deps, requests, cli: (args) => runCli(args, { fetch }) };
};

const set = (deps: MemoryDeps, key: string, value: unknown, options: { ttlSeconds?: number } = {}) =>
  deps.state.set('demo', key, JSON.stringify(value), options, deps.clock.now());

describe('triggerhub state', () => {
  it('lists keys as a table, values cut to 60 characters, and whole with --json', async () => {
    // Prepare
    const { deps, cli } = await stack();
    const long = { text: 'x'.repeat(100) };
    await set(deps, 'cursor', 'abc');
    await set(deps, 'cursor', 'abd');
    await set(deps, 'long', long, { ttlSeconds: 60 });
    const now = deps.clock.now().toISOString();
    const expires = new Date(deps.clock.now().getTime() + 60_000).toISOString();

    // Act
    const table = await cli(['state', 'list', 'demo']);
    const json = await cli(['--json', 'state', 'list', 'demo']);

    // Assess
    expect(table.code).toBe(0);
    expect(table.stderr).toBe('');
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^KEY +VERSION +UPDATED +EXPIRES +VALUE$/);
    expect(lines[1]).toMatch(new RegExp(`^cursor +2 +${now} +- +"abd"$`));
    expect(lines[2]).toMatch(new RegExp(`^long +1 +${now} +${expires} +\\{"text":"x+…$`));
    expect(lines[2]?.split('  ').at(-1)).toHaveLength(60);
    expect(JSON.parse(json.stdout)).toEqual({
      items: [
        { key: 'cursor', value: 'abd', version: 2, updatedAt: now },
        { key: 'long', value: long, version: 1, updatedAt: now, expiresAt: expires },
      ],
    });
  });

  it('pages with --prefix, --limit and --cursor, and says so when nothing matches', async () => {
    // Prepare
    const { deps, cli, requests } = await stack();
    for (const key of ['p/1', 'p/2', 'p/3', 'q']) await set(deps, key, 1);

    // Act
    const first = await cli(['state', 'list', 'demo', '--prefix', 'p/', '--limit', '2']);
    const cursor = /--cursor (\S+)/.exec(first.stdout)?.[1] ?? '';
    const second = await cli(['state', 'list', 'demo', '--prefix', 'p/', '--limit', '2', '--cursor', cursor]);
    const none = await cli(['state', 'list', 'demo', '--prefix', 'zz']);

    // Assess
    expect(first.stdout).toContain('p/1');
    expect(first.stdout).toContain('p/2');
    expect(first.stdout).not.toContain('p/3');
    expect(first.stdout).toContain(
      `More results: triggerhub state list demo --prefix p/ --limit 2 --cursor ${cursor}`,
    );
    expect(second.stdout).toContain('p/3');
    expect(second.stdout).not.toContain('More results');
    expect(none.stdout).toBe('No state keys starting with "zz" in demo.\n');
    expect(requests[0]).toBe('GET /admin/jobs/demo/state?prefix=p%2F&limit=2');
  });

  it('deletes a key through the path, or through ?key= when the path cannot carry it', async () => {
    // Prepare
    const { deps, cli, requests } = await stack();
    const keys = ['tickets/OPS-1', '100% done', '../up', 'a//b'];
    for (const key of keys) await set(deps, key, 1);

    // Act
    const outs = [];
    for (const key of keys) outs.push(await cli(['state', 'delete', 'demo', key]));
    const json = await cli(['--json', 'state', 'delete', 'demo', 'x']).catch((e: unknown) => e);
    await set(deps, 'y', 1);
    const jsonOk = await cli(['state', 'delete', 'demo', 'y', '--json']);

    // Assess
    expect(outs.map((o) => o.code)).toEqual([0, 0, 0, 0]);
    expect(outs[0]?.stdout).toBe('deleted  demo  tickets/OPS-1\n');
    expect(requests.slice(0, 4)).toEqual([
      'DELETE /admin/jobs/demo/state/tickets/OPS-1',
      'DELETE /admin/jobs/demo/state?key=100%25+done',
      'DELETE /admin/jobs/demo/state?key=..%2Fup',
      'DELETE /admin/jobs/demo/state?key=a%2F%2Fb',
    ]);
    expect(await deps.state.keys('demo', '', deps.clock.now())).toEqual([]);
    expect(json).toMatchObject({ code: 1 });
    expect(JSON.parse(jsonOk.stdout)).toEqual({ jobId: 'demo', key: 'y', deleted: true });
  });

  it('says when a key or a job does not exist', async () => {
    // Prepare
    const { cli } = await stack();

    // Act
    const noKey = await cli(['state', 'delete', 'demo', 'nope']);
    const noJob = await cli(['state', 'list', 'nope']);

    // Assess
    expect(noKey.code).not.toBe(0);
    expect(noKey.stderr).toContain('no state key "nope" in job demo');
    expect(noJob.code).not.toBe(0);
    expect(noJob.stderr).toContain('no job nope');
  });
});
