import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { runScriptInThread } from '../../shared/scripts/runner/host.ts';
import { RunLogger } from '../../shared/sdk/index.ts';
import { FakeClock } from '../helpers/memory-deps.ts';

describe('RunLogger.append (a script’s console lines)', () => {
  it('keeps each line with its own level and time, redacted and cut like every line; a time that is no ISO time is now', () => {
    // Prepare
    const logger = new RunLogger({
      runId: 'R1',
      jobId: 'j1',
      clock: new FakeClock(),
      redact: ['canary-secret-91'],
      maxLineBytes: 600,
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    });

    // Act
    logger.append('DIR', "{ token: 'canary-secret-91' }", '2026-11-22T09:59:59.500Z');
    logger.append('TRACE', 'Trace: here', 'yesterday');
    logger.append('LOG', 'x'.repeat(2000), '2026-11-22T09:59:59.600Z');

    // Assess
    const [dir, trace, long] = logger.lines;
    expect(dir).toEqual({ ts: '2026-11-22T09:59:59.500Z', level: 'DIR', message: "{ token: '***' }" });
    expect(trace).toEqual({ ts: '2026-11-22T10:00:00.000Z', level: 'TRACE', message: 'Trace: here' });
    expect(long?.level).toBe('LOG');
    expect(Buffer.byteLength(long?.message ?? '')).toBeLessThanOrEqual(600);
  });
});

describe('a script line with a secret at the cut', () => {
  it('is redacted whole: the runner keeps the line long, the worker redacts, then cuts to its 8 KiB', async () => {
    // Prepare: the review's line — 8,177 bytes of filler, then the token across the 8 KiB mark
    const token = 'tok-canary-5f1e0c9a7b3d';
    const result = await runScriptInThread({
      runId: 'R1',
      jobId: 'j1',
      script: { id: 'cut', version: 1, sha256: '0'.repeat(64) },
      source:
        "exports.run = (args) => { console.log('x'.repeat(8177) + args.arguments.token); return 'ok'; };",
      args: {
        arguments: { token },
        globalArguments: {},
        lastRunDateUtc: null,
        lastSuccessfulRunDateUtc: null,
        plutoraValues: { JobName: 'cut' },
        event: null,
      },
      timeoutMs: 10_000,
    });
    const logger = new RunLogger({
      runId: 'R1',
      jobId: 'j1',
      clock: new FakeClock(),
      redact: [token],
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    });

    // Act: what the worker does with the runner's lines
    for (const line of result.logs) logger.append(line.level, line.message, line.ts);

    // Assess: no piece of the token (its first 6 characters on) is left
    const [kept] = logger.lines;
    expect(kept?.message.startsWith('x'.repeat(8000))).toBe(true);
    expect(Buffer.byteLength(kept?.message ?? '')).toBeLessThanOrEqual(8 * 1024);
    expect(kept?.message).not.toContain(token.slice(0, 6));
  });
});
