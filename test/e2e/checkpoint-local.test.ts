import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';
import type { InProcessStack } from '../helpers/local-stack.ts';
import { startInProcessStack } from '../helpers/local-stack.ts';

/**
 * The checkpoint through the local stack as `npm start` runs it (dynalite, the
 * worker, the admin server's API Gateway events) and the CLI: a run moves it,
 * an operator's rewind is recorded as `local`, and the next run keeps the
 * rewound cursor (log-event returns none) while moving its times.
 */
describe('the checkpoint under npm start', () => {
  let stack: InProcessStack;
  beforeAll(async () => {
    stack = await startInProcessStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  const cli = async (args: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await run(['--endpoint', stack.url, ...args], {
      stdout: (s) => (stdout += s),
      stderr: (s) => (stderr += s),
      env: { TRIGGERHUB_DATA_DIR: stack.dataDir },
      cwd: stack.dataDir,
    });
    return { code, stdout, stderr };
  };

  /** Sends the demo job `body` and waits for its run to finish. */
  const send = async (body: string) => {
    const sent = await cli(['send', 'demo', '-d', body]);
    expect(sent.code, sent.stderr).toBe(0);
    const runId = /"runId": "(\w+)"/.exec(sent.stdout)?.[1] ?? '';
    return stack.waitForRun(runId);
  };

  /**
   * The checkpoint once `ready` holds: it is written just after the run is recorded,
   * so a client that has seen the run finish may read it a moment before that write.
   */
  const checkpointWhen = async (ready: (c: Record<string, string | undefined>) => boolean) => {
    let last: Record<string, string | undefined> = {};
    for (let i = 0; i < 50; i++) {
      const shown = await cli(['--json', 'checkpoint', 'show', 'demo']);
      expect(shown.code, shown.stderr).toBe(0);
      last = JSON.parse(shown.stdout) as Record<string, string | undefined>;
      if (ready(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the checkpoint never got there: ${JSON.stringify(last)}`);
  };

  it('moves with a run, takes a rewind recorded as local, and keeps the rewound cursor through the next run', async () => {
    // Act: a run, a rewind, another run
    const first = await send('{"n":1}');
    const afterFirst = await checkpointWhen((c) => c.lastRunAt === first.startedAt);
    const set = await cli(['checkpoint', 'set', 'demo', '--cursor', 'page-2']);
    const second = await send('{"n":2}');
    const afterSecond = await checkpointWhen((c) => c.lastRunAt === second.startedAt);

    // Assess
    expect(first.status).toBe('succeeded');
    expect(afterFirst).toEqual(
      expect.objectContaining({ jobId: 'demo', lastSuccessfulRunAt: first.startedAt }),
    );
    expect(afterFirst.cursor).toBeUndefined();
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/After:\n(.*\n)*Cursor: +page-2\n(.*\n)*Rewound: +\S+ by local\n/);
    expect(set.stderr).toContain('warning: cleared the last successful run time');
    expect(second.status).toBe('succeeded');
    expect(afterSecond).toEqual(
      expect.objectContaining({
        cursor: 'page-2',
        lastSuccessfulRunAt: second.startedAt,
        rewoundBy: 'local',
      }),
    );
  });
});
