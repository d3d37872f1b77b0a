import { describe, expect, it } from 'vitest';
import type { BenchRow } from '../../bench/row.ts';
import { formatTable, markdownTable, resultsMarkdown, summaryOf } from '../../bench/row.ts';

const rows: BenchRow[] = [
  {
    name: 'ingest CPU per async delivery',
    measured: '300 µs',
    baseline: '250 µs',
    ratio: '1.20×',
    spread: 'p25–p75 290–310 / 240–260 µs',
    target: '≤ 1.2×',
    pass: true,
  },
  {
    name: 'worker CPU per run',
    measured: '400 µs',
    baseline: '200 µs',
    ratio: '2.00×',
    target: '≤ 1.2×',
    pass: false,
  },
  { name: 'bundle | size', measured: '1 KiB', baseline: '—', ratio: '—', target: 'info', pass: 'info' },
];

describe('bench table', () => {
  it('prints the seven columns, a dash for a missing spread, and PASS/FAIL/info', () => {
    const lines = formatTable(rows).split('\n');
    expect(lines[0]?.split(/\s{2,}/)).toEqual([
      'figure',
      'ours',
      'baseline',
      'ratio',
      'spread',
      'target',
      'pass',
    ]);
    expect(lines[2]).toMatch(
      /^ingest CPU per async delivery\s+300 µs\s+250 µs\s+1\.20×\s+p25–p75 290–310 \/ 240–260 µs\s+≤ 1\.2×\s+PASS$/,
    );
    expect(lines[3]).toMatch(/2\.00×\s+—\s+≤ 1\.2×\s+FAIL$/);
    expect(lines[4]).toMatch(/info\s+info$/);
    // Every line of the table is as wide as the header once padded (the last column right-aligned).
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });

  it('writes a Markdown table whose cells cannot break on a |', () => {
    const md = markdownTable(rows).split('\n');
    expect(md[0]).toBe('| figure | ours | baseline | ratio | spread | target | pass |');
    expect(md[1]).toBe('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    expect(md[4]).toBe('| bundle \\| size | 1 KiB | — | — | — | info | info |');
  });

  it('counts only gated rows and names the misses', () => {
    expect(summaryOf(rows)).toEqual({ failed: 1, text: '1 of 2 targets missed: worker CPU per run' });
    expect(summaryOf(rows.slice(0, 1))).toEqual({ failed: 0, text: 'all 1 targets met' });
  });

  it('puts node, CPUs, date, the table, the outcome and the notes in RESULTS.md', () => {
    const text = resultsMarkdown([{ rows, notes: ['one note'] }], {
      node: 'v20.0.0',
      cpus: 2,
      cpuModel: 'Test CPU',
      date: '2026-11-29T00:00:00.000Z',
      seconds: 12.34,
    });
    expect(text).toContain('Node v20.0.0, 2 CPUs (Test CPU), 2026-11-29T00:00:00.000Z, 12.3 s');
    expect(text).toContain(markdownTable(rows));
    expect(text).toContain('**1 of 2 targets missed: worker CPU per run**');
    expect(text).toContain('- one note');
  });
});
