import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAdminApp } from '../../shared/http/admin-app.ts';
import { MAX_SCRIPT_BYTES } from '../../shared/http/admin/script-routes.ts';
import { admin } from '../../shared/runtime/admin.ts';
import { apiEvent } from '../helpers/api-event.ts';
import { memoryDeps } from '../helpers/memory-deps.ts';
import { repoRoot } from '../helpers/samples.ts';

/** Characters of 2, 3 and 4 UTF-8 bytes, and a BOM: the download must give back these very bytes. */
const SOURCE = '\uFEFFmodule.exports = { run: async (args) => "Grüße – 日本 🚀 " + args.arguments.who };\n';
const JS = { 'content-type': 'application/javascript' };

const setup = () => {
  const deps = memoryDeps();
  const app = createAdminApp(deps);
  const put = (id: string, body: string | Uint8Array | undefined, headers: Record<string, string> = JS) =>
    app.request(`/admin/scripts/${id}`, { method: 'PUT', headers, ...(body === undefined ? {} : { body }) });
  const get = (path: string) => app.request(path);
  return { deps, app, put, get };
};

const errorOf = async (res: Response): Promise<{ status: number; error: unknown }> => ({
  status: res.status,
  error: ((await res.json()) as { error?: unknown }).error,
});

describe('admin scripts routes', () => {
  it('stores versions 1, 2 with sha256 and uploader, and serves each source back byte for byte', async () => {
    // Prepare
    const { put, get } = setup();
    const bytes = Buffer.from(SOURCE, 'utf8');

    // Act
    const first = await put('sync', bytes);
    const second = await put('sync', 'module.exports = { run: async () => "v2" };', {
      'content-type': 'text/javascript; charset=UTF-8',
    });
    const download = await get('/admin/scripts/sync/versions/1');
    const detail = await get('/admin/scripts/sync');
    const listing = await get('/admin/scripts');

    // Assess
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({
      id: 'sync',
      version: 1,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.byteLength,
      uploadedBy: 'local',
      uploadedAt: '2026-11-22T10:00:00.000Z',
    });
    expect(second.status).toBe(201);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/javascript; charset=utf-8');
    expect(download.headers.get('x-script-sha256')).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    const shown = (await detail.json()) as {
      id: string;
      latestVersion: number;
      versions: { version: number }[];
    };
    expect(shown.id).toBe('sync');
    expect(shown.latestVersion).toBe(2);
    expect(shown.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(((await listing.json()) as { items: unknown[] }).items).toEqual([
      expect.objectContaining({ id: 'sync', latestVersion: 2, updatedBy: 'local' }),
    ]);
  });

  it('records the IAM principal as the uploader in AWS', async () => {
    // Prepare
    const { app } = setup();
    const base = apiEvent({ method: 'PUT' });
    const arn = 'arn:aws:sts::123456789012:assumed-role/ops/alice';
    const event = {
      ...base,
      requestContext: { ...base.requestContext, authorizer: { iam: { userArn: arn } } },
    } as typeof base;

    // Act
    const res = await app.request(
      '/admin/scripts/sync',
      { method: 'PUT', headers: JS, body: 'module.exports = { run: async () => 1 };' },
      { event },
    );

    // Assess
    expect(res.status).toBe(201);
    expect(((await res.json()) as { uploadedBy: string }).uploadedBy).toBe(arn);
  });

  it('takes 1 MiB and refuses a byte more with 413', async () => {
    // Prepare
    const { put } = setup();
    const comment = (n: number) => `//${'x'.repeat(n - 2)}`;

    // Act
    const atLimit = await put('big', comment(MAX_SCRIPT_BYTES));
    const over = await put('big', comment(MAX_SCRIPT_BYTES + 1));

    // Assess
    expect(atLimit.status).toBe(201);
    expect(await errorOf(over)).toEqual({ status: 413, error: 'payload_too_large' });
  });

  it('refuses other media types (415), an empty or non-UTF-8 body and a bad id (400)', async () => {
    // Prepare
    const { put, deps } = setup();

    // Act
    const answers = [
      await put('s', 'module.exports = {};', { 'content-type': 'application/json' }),
      // (bytes: a string body would get fetch's own text/plain)
      await put('s', Buffer.from('module.exports = {};'), {}),
      await put('s', 'module.exports = {};', { 'content-type': 'text/plain; charset=latin1' }),
      await put('s', ''),
      await put('s', new Uint8Array([0x2f, 0x2f, 0xff, 0xfe, 0x0a])),
      await put('Bad.Id', 'module.exports = {};'),
    ];

    // Assess
    expect(await Promise.all(answers.map(errorOf))).toEqual([
      { status: 415, error: 'unsupported_media_type' },
      { status: 415, error: 'unsupported_media_type' },
      { status: 415, error: 'unsupported_media_type' },
      { status: 400, error: 'invalid_script' },
      { status: 400, error: 'invalid_script' },
      { status: 400, error: 'invalid_script_id' },
    ]);
    expect((await deps.scripts.list()).items).toEqual([]);
  });

  it('answers 404 for an unknown script or version, and 400 for a version that is no number', async () => {
    // Prepare
    const { put, get } = setup();
    await put('sync', 'module.exports = {};');

    // Act / Assess
    expect((await get('/admin/scripts/nope')).status).toBe(404);
    expect((await get('/admin/scripts/nope/versions/1')).status).toBe(404);
    expect((await get('/admin/scripts/sync/versions/2')).status).toBe(404);
    expect(await errorOf(await get('/admin/scripts/sync/versions/0'))).toEqual({
      status: 400,
      error: 'invalid_version',
    });
    expect((await get('/admin/scripts/sync/versions/1')).status).toBe(200);
  });
});

describe('applying a script job', () => {
  const job = (script: Record<string, unknown>, params: Record<string, unknown> = {}) => ({
    name: 'Nightly sync',
    script,
    auth: { secret: 'demo' },
    params,
  });

  it('refuses a script that does not exist, naming it, and a version beyond the latest', async () => {
    // Prepare
    const deps = memoryDeps();
    await deps.scripts.put('sync', 'module.exports = {};', { by: 'local', at: '2026-11-22T10:00:00.000Z' });
    await deps.scripts.put('sync', 'module.exports = {};', { by: 'local', at: '2026-11-22T10:00:00.000Z' });

    // Act
    const unknown = await admin.putJob(deps, 'j1', job({ id: 'nightly' })).catch((e: unknown) => e);
    const beyond = await admin.putJob(deps, 'j1', job({ id: 'sync', version: 3 })).catch((e: unknown) => e);
    const pinned = await admin.putJob(deps, 'j1', job({ id: 'sync', version: 2 }));

    // Assess
    expect(unknown).toMatchObject({
      status: 400,
      message: expect.stringContaining('no script "nightly"') as unknown,
    });
    expect(beyond).toMatchObject({
      status: 400,
      message: expect.stringContaining('has no version 3 (latest: 2)') as unknown,
    });
    expect(pinned.job.script).toEqual({ id: 'sync', version: 2 });
    expect(await deps.jobs.get('j1')).toBeDefined();
  });

  it('takes free-form parameters of text, numbers, booleans and secret references, and refuses anything else', async () => {
    // Prepare
    const deps = memoryDeps();
    await deps.scripts.put('sync', 'module.exports = {};', { by: 'local', at: '2026-11-22T10:00:00.000Z' });
    const good = {
      Region: 'eu',
      'page size': 50,
      dryRun: false,
      apiKey: { secret: 'sync/api-key' },
      gone: null,
    };

    // Act
    const saved = await admin.putJob(deps, 'j1', job({ id: 'sync' }, good));
    const refused = await Promise.all(
      [
        { list: ['a'] },
        { nested: { a: 1 } },
        { key: { secret: 'global/token' } },
        { key: { secret: 'bad name!' } },
        { key: { secret: 'ok', allowedHosts: ['api.example.com'] } },
      ].map((params) => admin.putJob(deps, 'j2', job({ id: 'sync' }, params)).catch((e: unknown) => e)),
    );

    // Assess
    expect(saved.job.params).toEqual({
      Region: 'eu',
      'page size': 50,
      dryRun: false,
      apiKey: { secret: 'sync/api-key' },
    });
    expect(refused.map((e) => (e as { code?: string }).code)).toEqual(Array(5).fill('invalid_params'));
    expect((refused[0] as Error).message).toContain('parameter "list"');
    expect((refused[2] as Error).message).toContain('reserved for masked globals');
    expect(await deps.jobs.get('j2')).toBeUndefined();
  });
});

describe('the example script job (examples/scripts/)', () => {
  it('applies once sync.js is pushed as `sync`', async () => {
    // Prepare
    const deps = memoryDeps();
    const source = await readFile(join(repoRoot, 'examples', 'scripts', 'sync.js'), 'utf8');
    const body = JSON.parse(
      await readFile(join(repoRoot, 'examples', 'scripts', 'sync-job.json'), 'utf8'),
    ) as {
      id: string;
    };
    const before = await admin.putJob(deps, body.id, body).catch((e: unknown) => e);
    await deps.scripts.put('sync', source, { by: 'local', at: '2026-11-22T10:00:00.000Z' });

    // Act
    const { job } = await admin.putJob(deps, body.id, body);

    // Assess
    expect(before).toMatchObject({ status: 400 });
    expect(job).toMatchObject({ id: 'sync-demo', script: { id: 'sync' }, webhook: false });
  });
});
