/**
 * One line of the bench table. `pass` is `'info'` for a figure shown without
 * a target; `true`/`false` for a budget from DESIGN.md ("Budgets").
 */
export interface BenchRow {
  name: string;
  /** Already formatted with its unit, e.g. `1137.6 KiB`. */
  measured: string;
  /** The same-run baseline, formatted; `—` when the row has none. */
  baseline: string;
  /** measured / baseline, formatted; `—` when the row has none. */
  ratio: string;
  /** How far repeated measurements spread (e.g. `p25–p75 1.1–1.3 ms`); `—` when the figure is a count. */
  spread?: string;
  target: string;
  pass: boolean | 'info';
}

/** What one measurement module hands to `run.ts`: its rows and free-text notes printed under the table. */
export interface BenchSection {
  rows: BenchRow[];
  notes: string[];
}

export const NONE = '—';

/**
 * Lambda time per path measured by the CPU and decision rows, in
 * milliseconds: the cost table prices GB-s from them. Ingest and worker are
 * the median CPU time per unit on one full core, in process (no network
 * latency); decision is the verdict's p50 wall time through the real handler.
 */
export interface MeasuredDurations {
  ingestAsyncMs: number;
  workerRunMs: number;
  decisionMs: number;
}
