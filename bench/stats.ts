/** Small statistics and timing helpers for the bench: medians over many runs, never single timings. */

/** The q-quantile (0…1) of the samples, interpolated between neighbours. */
export const quantile = (samples: readonly number[], q: number): number => {
  if (samples.length === 0) throw new RangeError('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? 0;
  const b = sorted[hi] ?? a;
  return a + (b - a) * (pos - lo);
};

export const median = (samples: readonly number[]): number => quantile(samples, 0.5);

/** A number with a fixed count of significant decimals, for the table. */
export const fixed = (value: number, digits = 2): string => value.toFixed(digits);
