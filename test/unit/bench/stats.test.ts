import fc from 'fast-check';
import { latencySummary, overallRate, percentile, quarterRates } from '../../../scripts/bench/stats';

describe('percentile (nearest rank)', () => {
  test('known values', () => {
    const xs = [15, 20, 35, 40, 50];
    expect(percentile(xs, 30)).toBe(20);
    expect(percentile(xs, 40)).toBe(20);
    expect(percentile(xs, 50)).toBe(35);
    expect(percentile(xs, 100)).toBe(50);
    expect(percentile(xs, 0)).toBe(15);
    expect(percentile([], 50)).toBeUndefined();
  });

  test('p99 of 1..100 is 99, p95 is 95, p50 is 50', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(latencySummary(xs)).toEqual({ p50: 50, p95: 95, p99: 99 });
  });

  test('p50 <= p95 <= p99 and each is one of the values', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1 }), (xs) => {
        const { p50, p95, p99 } = latencySummary(xs);
        expect(p50).toBeLessThanOrEqual(p95 ?? -1);
        expect(p95).toBeLessThanOrEqual(p99 ?? -1);
        expect(xs).toContain(p50);
        expect(xs).toContain(p99);
      }),
    );
  });
});

describe('throughput', () => {
  test('overall: count over start -> last completion', () => {
    expect(overallRate(1000, [1500, 2000, 3000])).toBeCloseTo(1.5);
    expect(overallRate(0, [])).toBeUndefined();
  });

  test('quarters by completion order, whatever the input order', () => {
    // 8 completions: 2 per quarter, ending at 1 s, 2 s, 4 s and 8 s after the start.
    const rates = quarterRates(0, [8000, 500, 1000, 1500, 2000, 3000, 4000, 7000]);
    expect(rates.map((r) => Number(r.toFixed(3)))).toEqual([2, 2, 1, 0.5]);
  });

  test('quarters of an uneven count still cover every completion', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1e6 }), { minLength: 4, maxLength: 200 }), (xs) => {
        const rates = quarterRates(0, xs);
        expect(rates).toHaveLength(4);
        const sorted = [...xs].sort((a, b) => a - b);
        const bounds = [0, ...[1, 2, 3, 4].map((q) => sorted[Math.floor((q * xs.length) / 4) - 1] ?? 0)];
        const counted = rates.reduce(
          (n, r, q) => n + r * Math.max(0.001, ((bounds[q + 1] ?? 0) - (bounds[q] ?? 0)) / 1000),
          0,
        );
        expect(counted).toBeCloseTo(xs.length, 6);
      }),
    );
  });

  test('fewer than four completions give no quarters', () => {
    expect(quarterRates(0, [1, 2, 3])).toEqual([]);
  });
});
