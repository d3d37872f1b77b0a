import { measureUnits } from './units.ts';

/** `npx tsx bench/units-main.ts`: the units section alone, as `npm run bench` prints it. */
const main = async (): Promise<void> => {
  const started = performance.now();
  const { section, counts } = await measureUnits();
  for (const row of section.rows) {
    process.stdout.write(
      `${row.pass === 'info' ? 'info' : row.pass ? 'PASS' : 'FAIL'}  ${row.name}: ${row.measured} | ${row.baseline} | ${row.ratio} | ${row.target}\n`,
    );
  }
  for (const note of section.notes) process.stdout.write(`- ${note}\n`);
  if (process.argv.includes('--counts')) process.stdout.write(`${JSON.stringify(counts, null, 2)}\n`);
  process.stdout.write(`${((performance.now() - started) / 1000).toFixed(1)} s\n`);
};

main().catch((e: unknown) => {
  process.stderr.write(`units failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 2;
});
