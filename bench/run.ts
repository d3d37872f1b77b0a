import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureColdStart } from './cold-start.ts';
import { measureConsole } from './console.ts';
import { measureCpu } from './cpu.ts';
import { measureDecision } from './decision.ts';
import { costSection } from './cost.ts';
import { measureMemory } from './memory.ts';
import { measureOperations } from './operations.ts';
import { measureOrdering } from './ordering.ts';
import { measureTickets } from './tickets.ts';
import type { BenchSection, MeasuredDurations } from './row.ts';
import { formatTable, resultsMarkdown, summaryOf } from './row.ts';
import { fixed } from './stats.ts';
import { measureToolbox } from './toolbox.ts';
import { measureUnits } from './units.ts';

/**
 * `npm run bench`: production work measured on the real AWS SDK v3 clients
 * against a canned in-process transport, each figure against a baseline
 * taken in the same run. Prints one table, regenerates bench/RESULTS.md,
 * and exits 1 when a target is missed (2 when the bench itself fails).
 */

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

const started = performance.now();
const progress = (message: string): void => {
  const at = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`bench: +${at} s ${message}\n`);
};

/**
 * Runs a measurement with stdout swallowed: the run logger and the platform
 * logger write a JSON line per log call, which would bury the table. The
 * lines are still formatted (that cost is ours and stays measured); only the
 * terminal write is skipped.
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

const main = async (): Promise<void> => {
  const sections: BenchSection[] = [];

  progress('bundling the functions and a bare SDK entry, timing module evaluation…');
  sections.push(await measureColdStart());
  progress('CPU per async delivery and per worker run…');
  const cpu = await withStdoutMuted(measureCpu);
  sections.push(cpu.section);
  progress('decision verdict latency…');
  const decision = await withStdoutMuted(measureDecision);
  sections.push(decision.section);
  progress('heap after 10,000 deliveries…');
  sections.push(await withStdoutMuted(measureMemory));
  progress('AWS calls, units and bytes per path, the sweeper (dynalite and fauxqs)…');
  const units = await measureUnits();
  sections.push(units.section);
  sections.push(await measureToolbox());
  progress('operations: scheduler ticks, scheduled runs, run now, stop, replay, the jobs grid…');
  sections.push(await measureOperations());
  progress('ordering: events of one ticket in order (the line at ingest, the gate in the worker)…');
  const ordering = await measureOrdering();
  sections.push(ordering.section);
  progress('tickets: alert → task, dedupe, sync of 10,000 open tasks…');
  const tickets = await measureTickets();
  sections.push(tickets.section);
  progress('the console: what a first visit downloads…');
  sections.push(measureConsole());
  progress('done');

  const durations: MeasuredDurations = { ...cpu.durations, decisionMs: decision.decisionMs };
  sections.push({
    rows: [],
    notes: [
      `durations for the cost table (CPU ms per unit, one core, no network): ingest ${fixed(durations.ingestAsyncMs, 3)}, worker run ${fixed(durations.workerRunMs, 3)}, decision ${fixed(durations.decisionMs, 3)}`,
    ],
  });
  sections.push(
    costSection(
      units.counts,
      durations,
      tickets.figures === undefined ? undefined : { tickets: tickets.figures, ordering: ordering.figures },
    ),
  );

  const rows = sections.flatMap((s) => s.rows);
  const summary = summaryOf(rows);
  const seconds = (performance.now() - started) / 1000;
  const info = {
    node: process.version,
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    date: new Date().toISOString(),
    seconds,
  };
  writeFileSync(RESULTS, resultsMarkdown(sections, info));
  const lines = [
    `triggerhub bench — node ${info.node}, ${info.cpus} CPUs, ${fixed(seconds, 1)} s`,
    '',
    formatTable(rows),
    '',
    ...sections.flatMap((s) => s.notes).map((n) => `- ${n}`),
    '',
    summary.text,
    `(written to bench/RESULTS.md)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = summary.failed === 0 ? 0 : 1;
};

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 2;
});
