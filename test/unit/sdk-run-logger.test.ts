import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { formatLogLine } from '../../shared/model/index.ts';
import type { Clock } from '../../shared/ports.ts';
import { RunLogger, cutText, redact } from '../../shared/sdk/index.ts';

/** A clock that advances one second per reading, from 2026-11-22T10:00:00Z. */
const tickingClock = (): Clock => {
  let t = Date.parse('2026-11-22T10:00:00.000Z');
  return {
    now: () => {
      const d = new Date(t);
      t += 1000;
      return d;
    },
  };
};

/**
 * What Powertools writes, parsed: it prints through a `Console` on
 * process.stdout (debug/info) and process.stderr (warn/error).
 */
const captureOutput = () => {
  const written: string[] = [];
  const keep = (chunk: unknown): boolean => {
    written.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  return {
    records: (): Record<string, unknown>[] =>
      written
        .flatMap((w) => w.split('\n'))
        .filter((l) => l.startsWith('{'))
        .map((l) => z.record(z.string(), z.unknown()).parse(JSON.parse(l))),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
};

describe('redact', () => {
  it('replaces every occurrence of each secret, longest first, ignoring short values', () => {
    // Act
    const text = redact('token=abcd1234 again abcd1234, inner abcd, key=xy', ['abcd', 'abcd1234', 'xy', '']);

    // Assess
    expect(text).toBe('token=*** again ***, inner ***, key=xy');
  });
});

describe('RunLogger', () => {
  let output: ReturnType<typeof captureOutput>;
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(() => {
    output.restore();
  });

  it('keeps lines with the clock’s time, extra as compact JSON', () => {
    // Prepare
    const logger = new RunLogger({ runId: 'r-1', jobId: 'j-1', clock: tickingClock() });

    // Act
    logger.info('issue created', { key: 'OPS-12', n: 2 });
    logger.warn('slow answer');
    logger.debug('detail');
    logger.error('failed', { status: 500 });

    // Assess
    expect(logger.lines).toEqual([
      { ts: '2026-11-22T10:00:00.000Z', level: 'INFO', message: 'issue created {"key":"OPS-12","n":2}' },
      { ts: '2026-11-22T10:00:01.000Z', level: 'WARN', message: 'slow answer' },
      { ts: '2026-11-22T10:00:02.000Z', level: 'DEBUG', message: 'detail' },
      { ts: '2026-11-22T10:00:03.000Z', level: 'ERROR', message: 'failed {"status":500}' },
    ]);
    expect(logger.truncated).toBe(false);
    expect(logger.render().split('\n')[0]).toBe(
      '[2026-11-22T10:00:00.000Z] [INFO] – issue created {"key":"OPS-12","n":2}',
    );
  });

  it('writes each line as structured JSON through Powertools, with runId and jobId', () => {
    // Prepare
    const parent = new Logger({ serviceName: 'triggerhub', logLevel: 'DEBUG' });
    const logger = new RunLogger({ runId: 'r-7', jobId: 'nightly', clock: tickingClock(), logger: parent });

    // Act
    logger.info('issue created', { key: 'OPS-12' });
    logger.error('boom');

    // Assess
    const records = output.records();
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      level: 'INFO',
      message: 'issue created',
      service: 'triggerhub',
      runId: 'r-7',
      jobId: 'nightly',
      extra: { key: 'OPS-12' },
    });
    expect(records[1]).toMatchObject({ level: 'ERROR', message: 'boom', runId: 'r-7', jobId: 'nightly' });
  });

  it('leaves the injected parent logger without the run’s keys', () => {
    // Prepare
    const parent = new Logger({ serviceName: 'triggerhub' });
    new RunLogger({ runId: 'r-1', jobId: 'j-1', clock: tickingClock(), logger: parent });

    // Act
    parent.info('platform line');

    // Assess
    const [record] = output.records();
    expect(record).toMatchObject({ message: 'platform line' });
    expect(record).not.toHaveProperty('runId');
  });

  it('redacts secret values in kept lines and in the Powertools output, extra included', () => {
    // Prepare
    const parent = new Logger({ serviceName: 'triggerhub', logLevel: 'DEBUG' });
    const logger = new RunLogger({
      runId: 'r-1',
      jobId: 'j-1',
      clock: tickingClock(),
      logger: parent,
      redact: ['s3cr3t-token', 'pw"q\\uote', '', 'abc'],
    });

    // Act
    logger.info('calling with s3cr3t-token', {
      headers: { authorization: 'Bearer s3cr3t-token' },
      list: ['x', 'pw"q\\uote'],
      'key-s3cr3t-token': 1,
      short: 'abc',
    });
    logger.warn('quoted pw"q\\uote here');

    // Assess
    const kept = logger.render();
    const printed = JSON.stringify(output.records());
    for (const text of [kept, printed]) {
      expect(text).not.toContain('s3cr3t-token');
      expect(text).not.toContain('pw\\"q');
      expect(text).not.toContain('pw"q');
    }
    expect(logger.lines[0]?.message).toBe(
      'calling with *** {"headers":{"authorization":"Bearer ***"},"list":["x","***"],"key-***":1,"short":"abc"}',
    );
    expect(logger.lines[1]?.message).toBe('quoted *** here');
    expect(output.records()[0]).toMatchObject({
      message: 'calling with ***',
      extra: { headers: { authorization: 'Bearer ***' }, list: ['x', '***'], 'key-***': 1 },
    });
  });

  it('serializes odd extra values instead of failing', () => {
    // Prepare
    const logger = new RunLogger({ runId: 'r-1', jobId: 'j-1', clock: tickingClock(), redact: ['12345678'] });
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;

    // Act
    logger.info('odd', {
      cyclic,
      big: 10n,
      when: new Date('2026-01-02T03:04:05.000Z'),
      err: new Error('failed with 12345678'),
      pin: 12345678,
      fn: () => 1,
    });

    // Assess
    expect(logger.lines[0]?.message).toBe(
      'odd {"cyclic":{"name":"loop","self":"[Circular]"},"big":"10","when":"2026-01-02T03:04:05.000Z",' +
        '"err":{"name":"Error","message":"failed with ***"},"pin":"***"}',
    );
  });

  it('caps the kept log by line count, keeping the first lines and saying how many were dropped', () => {
    // Prepare
    const logger = new RunLogger({ runId: 'r-1', jobId: 'j-1', clock: tickingClock(), maxLines: 3 });

    // Act
    for (let i = 1; i <= 10; i++) logger.info(`line ${i}`);

    // Assess
    expect(logger.truncated).toBe(true);
    expect(logger.lines.map((l) => l.message)).toEqual([
      'line 1',
      'line 2',
      'line 3',
      'log capped at 3 lines / 128 KiB: 7 more lines dropped',
    ]);
    expect(logger.lines[3]).toMatchObject({ level: 'WARN', ts: '2026-11-22T10:00:09.000Z' });
    // Stdout still gets every line.
    expect(output.records().map((r) => r.message)).toHaveLength(10);
  });

  it('caps the kept log by size at 128 KiB by default, cutting the line that crosses it', () => {
    // Prepare
    const logger = new RunLogger({ runId: 'r-1', jobId: 'j-1', clock: tickingClock() });
    const line = 'x'.repeat(1000);

    // Act
    for (let i = 0; i < 200; i++) logger.info(line);

    // Assess
    const rendered = logger.render();
    expect(logger.truncated).toBe(true);
    expect(Buffer.byteLength(rendered)).toBeLessThanOrEqual(128 * 1024);
    expect(Buffer.byteLength(rendered)).toBeGreaterThan(127 * 1024);
    const messages = logger.lines.map((l) => l.message);
    expect(messages.at(-2)).toMatch(/^x+ …\[cut\]$/);
    const kept = messages.length - 1;
    expect(messages.at(-1)).toBe(`log capped at 500 lines / 128 KiB: ${200 - kept} more lines dropped`);
  });

  it('cuts each line at 8 KiB, kept and printed alike, with the cut mark', () => {
    // Prepare
    const parent = new Logger({ serviceName: 'triggerhub' });
    const logger = new RunLogger({ runId: 'r-1', jobId: 'j-1', clock: tickingClock(), logger: parent });

    // Act
    logger.info(`ticket: ${'a'.repeat(1_000_000)}`);
    logger.info('small', { blob: 'b'.repeat(1_000_000) });

    // Assess
    const [first, second] = logger.lines;
    for (const line of [first, second]) {
      expect(Buffer.byteLength(line?.message ?? '')).toBeLessThanOrEqual(8 * 1024);
      expect(Buffer.byteLength(line?.message ?? '')).toBeGreaterThan(8 * 1024 - 12);
      expect(line?.message.endsWith(' …[cut]')).toBe(true);
    }
    expect(second?.message.startsWith('small {"blob":"bbb')).toBe(true);
    const [printedFirst, printedSecond] = output.records();
    expect(Buffer.byteLength(String(printedFirst?.message))).toBeLessThanOrEqual(8 * 1024);
    // A too-large extra goes out as its cut JSON text, in a line that is still JSON.
    expect(printedSecond?.message).toBe('small');
    expect(typeof printedSecond?.extra).toBe('string');
    expect(Buffer.byteLength(String(printedSecond?.extra))).toBeLessThanOrEqual(8 * 1024);
    expect(logger.truncated).toBe(false);
  });

  it('redacts before it cuts: a secret across the cut shows none of its characters', () => {
    // Prepare: the secret starts 20 bytes before the 8 KiB cut, so a cut-then-redact would leave its start
    const secret = 'SECRETVALUE-0123456789-abcdefghijklmnopqrstuvwxyz';
    const parent = new Logger({ serviceName: 'triggerhub' });
    const logger = new RunLogger({
      runId: 'r-1',
      jobId: 'j-1',
      clock: tickingClock(),
      logger: parent,
      redact: [secret],
    });
    const filler = 'x'.repeat(8 * 1024 - 9 - 20);

    // Act
    logger.info(`${filler}${secret} tail`);
    logger.info('extra', { text: `${filler}${secret}` });

    // Assess
    const kept = logger.render();
    const printed = JSON.stringify(output.records());
    for (const text of [kept, printed]) {
      expect(text).not.toContain('SECRETV');
      expect(text).not.toContain('SECRET');
    }
    expect(logger.lines[0]?.message).toBe(`${filler}*** tail`);
  });

  it('keeps at most 500 lines by default', () => {
    // Prepare
    const logger = new RunLogger({ runId: 'r-1', jobId: 'j-1', clock: tickingClock() });

    // Act
    for (let i = 0; i < 501; i++) logger.debug(`n${i}`);

    // Assess
    expect(logger.lines).toHaveLength(501);
    expect(logger.lines[499]?.message).toBe('n499');
    expect(logger.lines[500]?.message).toBe('log capped at 500 lines / 128 KiB: 1 more line dropped');
  });
});

describe('formatLogLine', () => {
  it('renders [ts] [LEVEL] – message with an en dash', () => {
    // Act
    const text = formatLogLine({ ts: '2026-11-22T10:00:00.000Z', level: 'INFO', message: 'message' });

    // Assess
    expect(text).toBe('[2026-11-22T10:00:00.000Z] [INFO] \u2013 message');
  });
});

describe('cutText', () => {
  it('cuts on a character boundary and marks the cut', () => {
    // Act
    const cut = cutText('é'.repeat(10), 14);

    // Assess: each é is 2 bytes and ' …[cut]' is 9, leaving 5 bytes: two whole é, not half of a third.
    expect(cut).toBe('éé …[cut]');
    expect(cutText('é'.repeat(10), 15)).toBe('ééé …[cut]');
    expect(cutText('short', 5)).toBe('short');
  });
});
