import { availableParallelism } from 'node:os';
import { measureColdStart } from './cold-start.ts';
import { measureDecisionOverhead } from './decision-overhead.ts';
import { measureAsyncIngest, measureIngestMemory } from './ingest-async.ts';
import type { BenchRow, BenchSection } from './row.ts';
import { fixed } from './stats.ts';

/**
 * `npm run bench`: the budgets of DESIGN.md measured as ratios against
 * baselines taken in the same run. Prints one table to stdout and exits 1
 * when a target is missed; writes nothing into the repository.
 */

const progress = (message: string): void => {
  process.stderr.write(`bench: ${message}\n`);
};

/**
 * Runs a measurement with stdout swallowed: the run logger writes a JSON
 * line per integration log call, which would bury the table. The lines are
 * still formatted (that cost is ours and stays measured); only the terminal
 * write is skipped.
 */
const withStdoutMuted = async <T>(measure: () => Promise<T>): Promise<T> => {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    return await measure();
  } finally {
    process.stdout.write = write;
  }
};

const VERDICT = { pass: 'PASS', fail: 'FAIL', info: 'info' } as const;
const verdictOf = (row: BenchRow): string =>
  row.pass === 'info' ? VERDICT.info : row.pass ? VERDICT.pass : VERDICT.fail;

const COLUMNS = ['name', 'measured', 'baseline', 'ratio', 'target', 'result'] as const;

const formatTable = (rows: readonly BenchRow[]): string => {
  const cells = rows.map((r) => [r.name, r.measured, r.baseline, r.ratio, r.target, verdictOf(r)]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(COLUMNS), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
};

const main = async (): Promise<void> => {
  const started = performance.now();
  const sections: BenchSection[] = [];
  progress('cold start: bundling the functions and their SDK-only baselines, timing module evaluation…');
  sections.push(await measureColdStart());
  progress('decision overhead…');
  sections.push(await withStdoutMuted(measureDecisionOverhead));
  progress('async ingest…');
  sections.push(await withStdoutMuted(measureAsyncIngest));
  progress('memory…');
  sections.push(await withStdoutMuted(measureIngestMemory));

  const rows = sections.flatMap((s) => s.rows);
  const failed = rows.filter((r) => r.pass === false);
  const gated = rows.filter((r) => r.pass !== 'info');
  const seconds = fixed((performance.now() - started) / 1000, 1);
  const lines = [
    `triggerhub bench — node ${process.version}, ${availableParallelism()} CPUs, ${seconds} s`,
    '',
    formatTable(rows),
    '',
    ...sections.flatMap((s) => s.notes).map((n) => `- ${n}`),
    '',
    failed.length === 0
      ? `all ${gated.length} targets met`
      : `${failed.length} of ${gated.length} targets missed: ${failed.map((r) => r.name).join(', ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = failed.length === 0 ? 0 : 1;
};

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 2;
});
