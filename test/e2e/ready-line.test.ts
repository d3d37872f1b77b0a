import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalOptions } from '../../cli/local/start.ts';
import { runLocal } from '../../cli/local/start.ts';

/** Starts the local stack on `dataDir`, runs `act` against its URL, stops it; returns what it printed. */
const withStack = async (
  dataDir: string,
  options: Partial<LocalOptions>,
  act: (url: string) => Promise<void> = () => Promise.resolve(),
): Promise<string[]> => {
  const lines: string[] = [];
  let stop = (): void => undefined;
  const until = new Promise<void>((r) => (stop = r));
  let stopped: Promise<void> = Promise.resolve();
  const url = await new Promise<string>((resolve, fail) => {
    stopped = runLocal({
      ...options,
      port: 0,
      dataDir,
      until,
      print: (l) => lines.push(l),
      onReady: (s) => resolve(s.url),
    });
    stopped.catch(fail);
  });
  try {
    await act(url);
  } finally {
    stop();
    await stopped;
  }
  return lines;
};

describe('the ready line', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('names the jobs the table holds, also with --no-examples', async () => {
    // Prepare
    const dataDir = await mkdtemp(join(tmpdir(), 'triggerhub-ready-'));
    dirs.push(dataDir);
    const first = await withStack(dataDir, { examples: false }, async (url) => {
      const res = await fetch(`${url}/admin/jobs/mine`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Mine', integration: 'log-event', auth: { secret: 'mine' } }),
      });
      expect(res.status).toBe(201);
    });

    // Act
    const second = await withStack(dataDir, { examples: false });

    // Assess
    expect(first.find((l) => l.includes('is ready on'))).toContain('jobs: none;');
    expect(second.find((l) => l.includes('is ready on'))).toContain('jobs: mine;');
  });
});
