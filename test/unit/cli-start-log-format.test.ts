import { beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../cli/main.ts';
import type { CliIo } from '../../cli/main.ts';

const { runLocal, useLocalLogFormat } = vi.hoisted(() => ({
  runLocal: vi.fn((_opts: unknown) => Promise.resolve()),
  useLocalLogFormat: vi.fn((_format: string) => undefined),
}));
vi.mock('../../cli/local/start.ts', () => ({ runLocal }));
vi.mock('../../shared/runtime/platform-logger.ts', () => ({ useLocalLogFormat }));

const cli = async (args: string[], io: Partial<CliIo> = {}) => {
  let stderr = '';
  const code = await run(args, { stdout: () => undefined, stderr: (s) => (stderr += s), env: {}, ...io });
  return { code, stderr };
};

describe('triggerhub start --log-format', () => {
  beforeEach(() => {
    runLocal.mockClear();
    useLocalLogFormat.mockClear();
  });

  it('prints readable lines by default', async () => {
    expect((await cli(['start'])).code).toBe(0);
    expect(useLocalLogFormat.mock.calls).toEqual([['text']]);
    expect(runLocal).toHaveBeenCalledTimes(1);
  });

  it('takes json from the flag or TRIGGERHUB_LOG_FORMAT, the flag first', async () => {
    await cli(['start', '--log-format', 'json']);
    await cli(['start'], { env: { TRIGGERHUB_LOG_FORMAT: 'json' } });
    await cli(['start', '--log-format', 'text'], { env: { TRIGGERHUB_LOG_FORMAT: 'json' } });
    expect(useLocalLogFormat.mock.calls).toEqual([['json'], ['json'], ['text']]);
  });

  it('refuses another format, from the flag or the environment, before starting', async () => {
    const flag = await cli(['start', '--log-format', 'xml']);
    const env = await cli(['start'], { env: { TRIGGERHUB_LOG_FORMAT: 'pretty' } });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--log-format.*xml.*Allowed choices are text, json/s);
    expect(env.code).toBe(1);
    expect(env.stderr).toBe('error: TRIGGERHUB_LOG_FORMAT must be text or json, not "pretty"\n');
    expect(useLocalLogFormat).not.toHaveBeenCalled();
    expect(runLocal).not.toHaveBeenCalled();
  });
});
