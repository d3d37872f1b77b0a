import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { json, loopbacksClosedAfterEach } from '../helpers/loopback-http.ts';

const { serve } = loopbacksClosedAfterEach();

/** The seed's example script shape: CommonJS, `run(args)` returns a promise. */
const SOURCE = `module.exports = {
  run: async (args) => {
    console.info('since', args.lastSuccessfulRunDateUtc, '– naïve ✓');
    return 'done';
  },
};
`;
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const version = (n: number, text = SOURCE) => ({
  id: 'sync',
  version: n,
  sha256: sha(text),
  bytes: Buffer.byteLength(text),
  uploadedBy: 'arn:aws:iam::123456789012:user/ops',
  uploadedAt: `2026-11-2${n}T10:00:00.000Z`,
});

describe('triggerhub scripts', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'triggerhub-scripts-cli-'));
  });
  afterEach(() => rm(cwd, { recursive: true, force: true }));

  const cli = (origin: string, args: string[]) => runCli(['--endpoint', origin, ...args], { cwd });

  it('push sends the .js file as application/javascript and prints the new version', async () => {
    // Prepare
    await writeFile(join(cwd, 'sync.js'), SOURCE);
    const server = await serve((_req, res) => json(res, 201, version(3)));

    // Act
    const out = await cli(server.origin, ['scripts', 'push', 'sync.js', '--id', 'sync']);
    const asJson = await cli(server.origin, ['--json', 'scripts', 'push', 'sync.js', '--id', 'sync']);

    // Assess
    expect(out.code, out.stderr).toBe(0);
    const sent = server.received[0];
    expect(sent?.method).toBe('PUT');
    expect(sent?.url).toBe('/admin/scripts/sync');
    expect(sent?.headers['content-type']).toBe('application/javascript');
    expect(sent?.body).toBe(SOURCE);
    expect(out.stdout).toBe(
      `pushed  sync  version 3  (${Buffer.byteLength(SOURCE)} bytes, sha256 ${sha(SOURCE).slice(0, 12)})\n`,
    );
    expect(out.stderr).toBe('');
    expect(JSON.parse(asJson.stdout)).toEqual(version(3));
  });

  it('push refuses what the stack would, before sending: not .js, empty, over 1 MiB, not UTF-8', async () => {
    // Prepare
    await writeFile(join(cwd, 'sync.ts'), SOURCE);
    await writeFile(join(cwd, 'empty.js'), '');
    await writeFile(join(cwd, 'big.js'), Buffer.alloc(1024 * 1024 + 1, 0x20));
    await writeFile(join(cwd, 'latin1.js'), Buffer.from([0x2f, 0x2f, 0xe9, 0x0a]));
    const server = await serve((_req, res) => json(res, 201, version(1)));

    // Act
    const outs = await Promise.all(
      ['sync.ts', 'empty.js', 'big.js', 'latin1.js', 'missing.js'].map((f) =>
        cli(server.origin, ['scripts', 'push', f, '--id', 'sync']),
      ),
    );

    // Assess
    expect(outs.map((o) => o.code)).toEqual([1, 1, 1, 1, 1]);
    expect(outs.map((o) => o.stderr)).toEqual([
      'error: Only .js files can be used: sync.ts is not a .js file\n',
      'error: empty.js is empty\n',
      'error: big.js is 1048577 bytes; a script is at most 1 MiB (1048576 bytes)\n',
      'error: latin1.js is not UTF-8 text\n',
      'error: cannot read missing.js: no such file\n',
    ]);
    expect(server.received).toHaveLength(0);
  });

  it('push needs a valid --id, and shows what the API refuses', async () => {
    // Prepare
    await writeFile(join(cwd, 'sync.js'), SOURCE);
    const server = await serve((_req, res) =>
      json(res, 413, { error: 'payload_too_large', message: 'a script is at most 1 MiB' }),
    );

    // Act
    const noId = await cli(server.origin, ['scripts', 'push', 'sync.js']);
    const badId = await cli(server.origin, ['scripts', 'push', 'sync.js', '--id', 'Sync Job']);
    const refused = await cli(server.origin, ['scripts', 'push', 'sync.js', '--id', 'sync']);

    // Assess
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain("required option '--id <id>' not specified");
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('a script id is lower-case letters, digits, - and _');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: a script is at most 1 MiB (HTTP 413 payload_too_large)\n');
  });

  it('list shows each script with its latest version; show lists the versions', async () => {
    // Prepare
    const server = await serve((req, res) => {
      if (req.url.startsWith('/admin/scripts?') || req.url === '/admin/scripts') {
        json(res, 200, {
          items: [
            {
              id: 'sync',
              latestVersion: 2,
              sha256: sha(SOURCE),
              updatedAt: '2026-11-22T10:00:00.000Z',
              updatedBy: 'local',
            },
          ],
          nextCursor: 'c2',
        });
      } else if (req.url === '/admin/scripts/sync') {
        json(res, 200, { id: 'sync', latestVersion: 2, versions: [version(2), version(1)] });
      } else {
        json(res, 404, { error: 'not_found', message: 'script nope not found' });
      }
    });

    // Act
    const list = await cli(server.origin, ['scripts', 'list', '--limit', '1']);
    const show = await cli(server.origin, ['scripts', 'show', 'sync']);
    const missing = await cli(server.origin, ['scripts', 'show', 'nope']);

    // Assess
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toBe(
      [
        'ID    LATEST  SHA256        UPDATED                   BY',
        `sync  2       ${sha(SOURCE).slice(0, 12)}  2026-11-22T10:00:00.000Z  local`,
        '',
        'More results: triggerhub scripts list --limit 1 --cursor c2',
        '',
      ].join('\n'),
    );
    expect(show.stdout).toContain('Latest version:  2\n');
    expect(show.stdout).toMatch(
      /\nVERSION +SHA256 +BYTES +UPLOADED +BY\n2 +\w{12} +\d+ +2026-11-22T10:00:00.000Z +arn:aws:iam::123456789012:user\/ops\n1 /,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: script nope not found (HTTP 404 not_found)\n');
  });

  it('pull prints the latest source, or --version n, or writes it with -o; the sha256 is checked', async () => {
    // Prepare
    const old = 'module.exports = { run: async () => "v1" };\n';
    const server = await serve((req, res) => {
      if (req.url === '/admin/scripts/sync') {
        json(res, 200, { id: 'sync', latestVersion: 2, versions: [version(2), version(1, old)] });
        return;
      }
      const n = /^\/admin\/scripts\/sync\/versions\/(\d+)$/.exec(req.url)?.[1];
      const text = n === '2' ? SOURCE : n === '1' ? old : undefined;
      if (text === undefined) {
        json(res, 404, { error: 'not_found', message: `script sync has no version ${n}` });
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/javascript; charset=utf-8',
        'x-script-sha256': sha(text),
      });
      res.end(text);
    });

    // Act
    const latest = await cli(server.origin, ['scripts', 'pull', 'sync']);
    const v1 = await cli(server.origin, ['scripts', 'pull', 'sync', '--version', '1']);
    const toFile = await cli(server.origin, ['scripts', 'pull', 'sync', '-o', 'out.js']);
    const absent = await cli(server.origin, ['scripts', 'pull', 'sync', '--version', '9']);

    // Assess
    expect(latest.code, latest.stderr).toBe(0);
    expect(latest.stdout).toBe(SOURCE);
    // --version is the script's here, not the program's.
    expect(v1.stdout).toBe(old);
    expect(server.received.map((r) => r.url).slice(0, 3)).toEqual([
      '/admin/scripts/sync',
      '/admin/scripts/sync/versions/2',
      '/admin/scripts/sync/versions/1',
    ]);
    expect(toFile.stdout).toBe(`pulled  sync  version 2  to out.js  (${Buffer.byteLength(SOURCE)} bytes)\n`);
    expect(await readFile(join(cwd, 'out.js'), 'utf8')).toBe(SOURCE);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toBe('error: script sync has no version 9 (HTTP 404 not_found)\n');
  });

  it('pull keeps a leading BOM, byte for byte, as the recorded sha256 covers it', async () => {
    // Prepare
    const withBom = `\uFEFF${SOURCE}`;
    const server = await serve((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/javascript; charset=utf-8',
        'x-script-sha256': sha(withBom),
      });
      res.end(withBom);
    });

    // Act
    const out = await cli(server.origin, ['scripts', 'pull', 'sync', '--version', '1', '-o', 'bom.js']);

    // Assess
    expect(out.code, out.stderr).toBe(0);
    expect(await readFile(join(cwd, 'bom.js'))).toEqual(Buffer.from(withBom, 'utf8'));
  });

  it('pull refuses a download that does not match its recorded sha256', async () => {
    // Prepare
    const server = await serve((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/javascript',
        'x-script-sha256': sha('something else'),
      });
      res.end(SOURCE);
    });

    // Act
    const out = await cli(server.origin, ['scripts', 'pull', 'sync', '--version', '2', '-o', 'out.js']);

    // Assess
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('error: the download of sync version 2 does not match its sha256');
    await expect(readFile(join(cwd, 'out.js'))).rejects.toThrow(/ENOENT/);
  });
});
