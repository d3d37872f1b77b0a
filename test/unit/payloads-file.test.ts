import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../shared/errors.ts';
import { FilePayloadStore } from '../../shared/payloads/file-payload-store.ts';

describe('FilePayloadStore', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'triggerhub-payloads-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps a payload across store instances (a restart), readable only by the owner', async () => {
    const body = JSON.stringify({ big: 'x'.repeat(2 * 1024 * 1024) });
    const ref = await new FilePayloadStore({ dir }).put('events/job-1/01RUN.json', body);
    expect(ref).toBe('local://events/job-1/01RUN.json');
    expect(await new FilePayloadStore({ dir }).get(ref)).toBe(body);
    expect((await stat(join(dir, 'events/job-1/01RUN.json'))).mode & 0o777).toBe(0o600);
  });

  it('answers NotFoundError for a missing payload', async () => {
    await expect(new FilePayloadStore({ dir }).get('local://events/x/none.json')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it.each(['../escape.json', 'events/../../etc/passwd', '/etc/passwd', 'events/./x', ''])(
    'refuses the key %j',
    async (key) => {
      await expect(new FilePayloadStore({ dir }).put(key, '{}')).rejects.toBeInstanceOf(ValidationError);
      await expect(new FilePayloadStore({ dir }).get(`local://${key}`)).rejects.toBeInstanceOf(
        ValidationError,
      );
    },
  );

  it('refuses a reference of another store', async () => {
    await expect(new FilePayloadStore({ dir }).get('s3://bucket/key')).rejects.toBeInstanceOf(
      ValidationError,
    );
  });
});
