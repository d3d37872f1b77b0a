import { emptyCliFolder } from '../helpers/cli.ts';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  endpointRecordPath,
  localDataDir,
  readEndpointRecord,
  removeEndpointRecord,
  writeEndpointRecord,
} from '../../cli/local/endpoint-record.ts';
import { run } from '../../cli/main.ts';
import type { CliIo } from '../../cli/main.ts';

const { runLocal } = vi.hoisted(() => ({ runLocal: vi.fn((_opts: unknown) => Promise.resolve()) }));
vi.mock('../../cli/local/start.ts', () => ({ runLocal }));

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the recorded endpoint', () => {
  let cwd: string;
  let dataDir: string;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'triggerhub-endpoint-'));
    dataDir = join(cwd, '.triggerhub');
    await mkdir(dataDir);
  });
  afterEach(() => rm(cwd, { recursive: true, force: true }));

  const record = (pid = process.pid, url = 'http://127.0.0.1:4567') => ({
    url,
    pid,
    startedAt: '2026-11-29T10:00:00.000Z',
  });

  it('is read back while its process runs, and ignored once it is gone', async () => {
    // Prepare
    await writeEndpointRecord(dataDir, record(4242));

    // Act
    const alive = readEndpointRecord(dataDir, (pid) => pid === 4242);
    const dead = readEndpointRecord(dataDir, () => false);

    // Assess
    expect(alive).toEqual(record(4242));
    expect(dead).toBeUndefined();
  });

  it('is ignored when unreadable, and removed only by the process that wrote it', async () => {
    // Prepare
    await writeFile(endpointRecordPath(dataDir), '{"url": "http://127.0.0.1:1", "pid": ');
    const garbled = readEndpointRecord(dataDir, () => true);
    await writeEndpointRecord(dataDir, record(4242));

    // Act
    await removeEndpointRecord(dataDir, 9999);
    const afterOther = readEndpointRecord(dataDir, () => true);
    await removeEndpointRecord(dataDir, 4242);
    const afterOwner = readEndpointRecord(dataDir, () => true);

    // Assess
    expect(garbled).toBeUndefined();
    expect(afterOther?.pid).toBe(4242);
    expect(afterOwner).toBeUndefined();
  });

  it('resolves the data folder as npm start does: TRIGGERHUB_DATA_DIR, else .triggerhub under the folder', () => {
    expect(localDataDir({}, '/work/p')).toBe('/work/p/.triggerhub');
    expect(localDataDir({ TRIGGERHUB_DATA_DIR: 'state' }, '/work/p')).toBe('/work/p/state');
    expect(localDataDir({ TRIGGERHUB_DATA_DIR: '/var/th' }, '/work/p')).toBe('/var/th');
  });

  describe('in the CLI: --endpoint, else TRIGGERHUB_ENDPOINT, else the recorded one, else port 3000', () => {
    const urls: string[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      urls.push(new Request(input, init).url);
      return Promise.resolve(json(200, { items: [] }));
    };
    beforeEach(() => {
      urls.length = 0;
    });

    const cli = (args: string[], io: Partial<CliIo> = {}) =>
      run(args, { stdout: () => undefined, stderr: () => undefined, env: {}, cwd, fetch, ...io });

    it('follows the precedence', async () => {
      // Prepare
      await writeEndpointRecord(dataDir, record(process.pid, 'http://127.0.0.1:4567'));
      const env = { TRIGGERHUB_ENDPOINT: 'http://127.0.0.1:5000', TRIGGERHUB_SIGV4: 'never' };

      // Act
      await cli(['jobs', 'list']);
      await cli(['jobs', 'list'], { env });
      await cli(['--endpoint', 'http://127.0.0.1:6000', 'jobs', 'list'], { env });
      await cli(['jobs', 'list'], { isAlive: () => false });

      // Assess
      expect(urls).toEqual([
        'http://127.0.0.1:4567/admin/jobs',
        'http://127.0.0.1:5000/admin/jobs',
        'http://127.0.0.1:6000/admin/jobs',
        'http://127.0.0.1:3000/admin/jobs',
      ]);
    });

    it('finds the record under TRIGGERHUB_DATA_DIR', async () => {
      // Prepare
      const elsewhere = join(cwd, 'elsewhere');
      await mkdir(elsewhere);
      await writeEndpointRecord(elsewhere, record(process.pid, 'http://127.0.0.1:4999'));

      // Act
      await cli(['jobs', 'list'], { env: { TRIGGERHUB_DATA_DIR: elsewhere } });
      await cli(['jobs', 'list'], { env: { TRIGGERHUB_DATA_DIR: 'elsewhere' } });

      // Assess
      expect(urls).toEqual(['http://127.0.0.1:4999/admin/jobs', 'http://127.0.0.1:4999/admin/jobs']);
    });
  });
});

describe('an unreachable endpoint', () => {
  const refused: typeof fetch = () =>
    Promise.reject(
      Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }),
      }),
    );

  const cli = async (args: string[]) => {
    let stderr = '';
    const code = await run(args, {
      stdout: () => undefined,
      stderr: (s) => (stderr += s),
      env: { TRIGGERHUB_SIGV4: 'never' },
      cwd: emptyCliFolder(),
      fetch: refused,
    });
    return { code, stderr };
  };

  it('suggests npm start only for this machine', async () => {
    // Act
    const remote = await cli(['--endpoint', 'https://api.example.com/prod', 'jobs', 'list']);
    const local = await cli(['--endpoint', 'http://127.0.0.1:4567', 'jobs', 'list']);

    // Assess
    expect(remote.code).toBe(1);
    expect(remote.stderr).toContain('cannot reach the triggerhub admin API at https://api.example.com/prod');
    expect(remote.stderr).toContain('Check the URL (--endpoint or TRIGGERHUB_ENDPOINT');
    expect(remote.stderr).not.toContain('npm start');
    expect(local.stderr).toContain('Start the local stack with `npm start`');
  });
});

describe('triggerhub start under npm', () => {
  beforeEach(() => runLocal.mockClear());

  const cli = async (args: string[], env: NodeJS.ProcessEnv) => {
    let stderr = '';
    const code = await run(args, { stdout: () => undefined, stderr: (s) => (stderr += s), env, cwd: '/p' });
    return { code, stderr };
  };
  const npm = { npm_lifecycle_event: 'start' };

  it('explains npm start -- --port when npm took --port for itself', async () => {
    // Act: `npm start --port 4567` and `npm start --port=4567`
    const spaced = await cli(['start', '4567'], { ...npm, npm_config_port: 'true' });
    const joined = await cli(['start'], { ...npm, npm_config_port: '4567' });

    // Assess
    for (const out of [spaced, joined]) {
      expect(out.code).toBe(2);
      expect(out.stderr).toBe(
        'error: npm took --port as its own option, so triggerhub never saw it: put -- before ' +
          "triggerhub's options: npm start -- --port 4567 (or PORT=4567 npm start)\n(add --help for usage)\n",
      );
    }
    expect(runLocal).not.toHaveBeenCalled();
  });

  it('explains --no-examples too, and starts when the options came after --', async () => {
    // Act
    const eaten = await cli(['start'], { ...npm, npm_config_examples: '' });
    const passed = await cli(['start', '--port', '4567', '--no-examples'], npm);

    // Assess
    expect(eaten.stderr).toContain('npm start -- --no-examples');
    expect(passed.code).toBe(0);
    expect(runLocal).toHaveBeenCalledTimes(1);
    expect(runLocal).toHaveBeenCalledWith({
      port: 4567,
      dataDir: '/p/.triggerhub',
      exitWhenStopped: true,
      examples: false,
    });
  });

  it('refuses a stray argument outside npm as a usage error', async () => {
    // Act
    const out = await cli(['start', '4567'], {});

    // Assess
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("too many arguments for 'start'");
    expect(runLocal).not.toHaveBeenCalled();
  });
});

describe('what npm start writes', () => {
  it('is JSON with url, pid and startedAt, readable by its owner only', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'triggerhub-endpoint-'));

    // Act
    await writeEndpointRecord(dir, {
      url: 'http://127.0.0.1:4567',
      pid: 12,
      startedAt: '2026-11-29T10:00:00.000Z',
    });

    // Assess
    expect(JSON.parse(await readFile(join(dir, 'endpoint.json'), 'utf8'))).toEqual({
      url: 'http://127.0.0.1:4567',
      pid: 12,
      startedAt: '2026-11-29T10:00:00.000Z',
    });
    expect((await stat(join(dir, 'endpoint.json'))).mode & 0o777).toBe(0o600);
    await rm(dir, { recursive: true, force: true });
  });
});
