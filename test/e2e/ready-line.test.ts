import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startInProcessStack } from '../helpers/local-stack.ts';

describe('the ready line', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('names the jobs the table holds, also with --no-examples', async () => {
    // Prepare
    const dataDir = await mkdtemp(join(tmpdir(), 'triggerhub-ready-'));
    dirs.push(dataDir);
    const first = await startInProcessStack({ dataDir, examples: false });
    const res = await fetch(`${first.url}/admin/jobs/mine`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Mine', integration: 'log-event', auth: { secret: 'mine' } }),
    });
    expect(res.status).toBe(201);
    await first.stop();

    // Act: a restart on the same data
    const second = await startInProcessStack({ dataDir, examples: false });
    await second.stop();

    // Assess
    expect(first.lines.find((l) => l.includes('is ready on'))).toContain('jobs: none;');
    expect(second.lines.find((l) => l.includes('is ready on'))).toContain('jobs: mine;');
  });
});
