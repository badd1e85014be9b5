/** Pure statistics of a benchmark run: percentiles, throughput overall and by quarter. */

/** Nearest-rank percentile of a list (p in 0..100); undefined for an empty list. */
export const percentile = (values: readonly number[], p: number): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
};

/** p50, p95 and p99 of a list (ordered by construction: nearest rank on one sorted list). */
export const latencySummary = (values: readonly number[]) => ({
  p50: percentile(values, 50),
  p95: percentile(values, 95),
  p99: percentile(values, 99),
});

/** Commands per second from `startMs` to the last completion. */
export const overallRate = (startMs: number, completionsMs: readonly number[]): number | undefined => {
  if (completionsMs.length === 0) return undefined;
  const last = Math.max(...completionsMs);
  return completionsMs.length / Math.max(0.001, (last - startMs) / 1000);
};

/**
 * Commands per second in each quarter of a run, by completion order: the completions are sorted,
 * split into four groups of (almost) equal size, and each group's count is divided by the time from
 * the previous group's last completion (or the start) to its own last completion. Fewer than four
 * completions give no quarters.
 */
export const quarterRates = (startMs: number, completionsMs: readonly number[]): number[] => {
  if (completionsMs.length < 4) return [];
  const sorted = [...completionsMs].sort((a, b) => a - b);
  const rates: number[] = [];
  let from = startMs;
  for (let q = 0; q < 4; q += 1) {
    const lo = Math.floor((q * sorted.length) / 4);
    const hi = Math.floor(((q + 1) * sorted.length) / 4);
    const end = sorted[hi - 1] ?? from;
    rates.push((hi - lo) / Math.max(0.001, (end - from) / 1000));
    from = end;
  }
  return rates;
};
