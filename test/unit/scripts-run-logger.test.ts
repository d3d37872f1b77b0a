import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
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
