import { describe, expect, it } from 'vitest';
import {
  cell,
  formatDuration,
  nextPageHint,
  renderFields,
  renderRun,
  renderTable,
} from '../../cli/output.ts';
import { RunSchema } from '../../shared/model/index.ts';

describe('renderTable', () => {
  it('pads every column but the last to its widest cell, two spaces apart, no trailing spaces', () => {
    // Prepare
    const headers = ['ID', 'NAME', 'MODE'];
    const rows = [
      ['a', 'Short', 'async'],
      ['longer-id', 'N', 'decision'],
    ];

    // Act
    const table = renderTable(headers, rows);

    // Assess
    expect(table).toBe(
      ['ID         NAME   MODE', 'a          Short  async', 'longer-id  N      decision', ''].join('\n'),
    );
  });

  it('drops the padding of an empty last cell', () => {
    // Act
    const table = renderTable(['A', 'B'], [['x', '']]);

    // Assess
    expect(table).toBe('A  B\nx\n');
  });
});

describe('cell', () => {
  it('keeps a table row on one line and strips terminal escape sequences', () => {
    // Act
    const value = cell('line one\nline two\u001b[31m red');

    // Assess
    expect(value).toBe('line one line two\uFFFD[31m red');
  });

  it('cuts long text with an ellipsis and shows a dash for absent values', () => {
    // Act / Assess
    expect(cell('abcdefghij', 5)).toBe('abcd…');
    expect(cell(undefined)).toBe('-');
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [12_345, '12.3s'],
    [245_000, '4m 05s'],
    [7_380_000, '2h 03m'],
  ])('formats %i ms as %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe('renderFields and nextPageHint', () => {
  it('aligns keys and skips absent values', () => {
    expect(
      renderFields([
        ['Run', 'r1'],
        ['Duration', undefined],
        ['Status', 'ok'],
      ]),
    ).toBe('Run:     r1\nStatus:  ok\n');
  });

  it('prints a hint only when there is a next page', () => {
    expect(nextPageHint('triggerhub jobs list', undefined)).toBe('');
    expect(nextPageHint('triggerhub jobs list', 'abc')).toBe(
      '\nMore results: triggerhub jobs list --cursor abc\n',
    );
  });
});

describe('renderRun', () => {
  it('says how often a rate limit deferred the run, only when it did', () => {
    const base = {
      id: '01JRUN',
      jobId: 'demo',
      source: 'generic',
      trigger: 'webhook',
      mode: 'async',
      status: 'succeeded',
      attempt: 1,
      createdAt: '2026-11-22T10:00:00.000Z',
    };
    expect(renderRun(RunSchema.parse({ ...base, deferrals: 2 }))).toContain(
      'Deferred:  2× by a rate limit (not counted as attempts)\n',
    );
    expect(renderRun(RunSchema.parse(base))).not.toContain('Deferred');
  });

  it('prints the header block, then the log lines in the [ts] [LEVEL] – message form', () => {
    // Prepare
    const run = RunSchema.parse({
      id: '01JRUN',
      jobId: 'demo',
      source: 'securechange',
      trigger: 'ADVANCE',
      mode: 'async',
      status: 'failed',
      attempt: 3,
      createdAt: '2026-11-22T10:00:00.000Z',
      startedAt: '2026-11-22T10:00:01.000Z',
      endedAt: '2026-11-22T10:00:03.500Z',
      durationMs: 2500,
      message: 'gave up',
      error: 'Jira answered 503',
      logs: [
        { ts: '2026-11-22T10:00:01.100Z', level: 'INFO', message: 'creating issue' },
        { ts: '2026-11-22T10:00:03.400Z', level: 'ERROR', message: 'Jira answered 503' },
      ],
      logsTruncated: true,
    });

    // Act
    const text = renderRun(run);

    // Assess
    expect(text).toBe(
      [
        'Run:       01JRUN',
        'Job:       demo',
        'Status:    failed',
        'Attempt:   3',
        'Trigger:   ADVANCE (securechange, async)',
        'Created:   2026-11-22T10:00:00.000Z',
        'Started:   2026-11-22T10:00:01.000Z',
        'Ended:     2026-11-22T10:00:03.500Z',
        'Duration:  2.5s',
        'Message:   gave up',
        'Error:     Jira answered 503',
        '',
        'Log:',
        '[2026-11-22T10:00:01.100Z] [INFO] – creating issue',
        '[2026-11-22T10:00:03.400Z] [ERROR] – Jira answered 503',
        '(log truncated: later lines were not kept)',
        '',
      ].join('\n'),
    );
  });

  it('shows a verdict and says when there are no log lines', () => {
    // Prepare
    const run = RunSchema.parse({
      id: 'r2',
      jobId: 'gate',
      source: 'checkpoint',
      trigger: 'before-publish',
      mode: 'decision',
      status: 'succeeded',
      attempt: 1,
      createdAt: '2026-11-22T10:00:00.000Z',
      verdict: { allow: false, message: 'rule 12 has no comment', fallback: true },
    });

    // Act
    const text = renderRun(run);

    // Assess
    expect(text).toContain('Verdict:  deny – rule 12 has no comment (fallback: onError)\n');
    expect(text).not.toContain('Started:');
    expect(text.endsWith('Log:\n(no log lines)\n')).toBe(true);
  });
});
