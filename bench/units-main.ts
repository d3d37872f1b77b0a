import { costSection } from './cost.ts';
import { measureUnits } from './units.ts';

/**
 * `npx tsx bench/units-main.ts [--durations <ingest ms>,<worker ms>,<decision ms>] [--counts]`:
 * the units section alone; with the CPU rows' durations (from `npm run bench`), the cost section too.
 */
const main = async (): Promise<void> => {
  const started = performance.now();
  const { section, counts } = await measureUnits();
  for (const row of section.rows) {
    process.stdout.write(
      `${row.pass === 'info' ? 'info' : row.pass ? 'PASS' : 'FAIL'}  ${row.name}: ${row.measured} | ${row.baseline} | ${row.ratio} | ${row.target}\n`,
    );
  }
  for (const note of section.notes) process.stdout.write(`- ${note}\n`);
  const at = process.argv.indexOf('--durations');
  const given = at < 0 ? undefined : process.argv[at + 1]?.split(',').map(Number);
  if (given !== undefined) {
    const [ingestAsyncMs = NaN, workerRunMs = NaN, decisionMs = NaN] = given;
    const cost = costSection(counts, { ingestAsyncMs, workerRunMs, decisionMs });
    for (const row of cost.rows) process.stdout.write(`info  ${row.name}: ${row.measured}\n`);
    for (const note of cost.notes) process.stdout.write(`- ${note}\n`);
  }
  if (process.argv.includes('--counts')) process.stdout.write(`${JSON.stringify(counts, null, 2)}\n`);
  process.stdout.write(`${((performance.now() - started) / 1000).toFixed(1)} s\n`);
};

main().catch((e: unknown) => {
  process.stderr.write(`units failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 2;
});
