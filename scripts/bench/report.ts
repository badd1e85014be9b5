/** The benchmark's result file and its one table, with the baseline beside the current figures. */

/** One workload's figures by row label (null: not measured, shown as n/a). */
export type Metrics = Record<string, number | null>;

/** What a run writes to bench/results/<timestamp>.json (and, for the baseline, bench/baseline-moto.json). */
export interface Results {
  readonly date: string;
  readonly engine: string;
  readonly mode: 'embedded' | 'endpoint';
  readonly node: string;
  readonly cpus: number;
  /** Load averages (1 min) when the run started and ended: other work on the machine skews timings. */
  readonly loadAverage?: { readonly start: number; readonly end: number };
  readonly sizes: Record<string, number>;
  readonly kdf: {
    cores: number;
    hashesPerSecond: number;
    perCore: number;
    cpuMsPerHash: number;
    hasher: string;
  };
  /** Which DynamoDB write units the cost uses: reported by the emulator, or computed from item sizes. */
  readonly writeUnitsSource: 'reported' | 'computed';
  readonly prices: { recorded: string; reReadToday: boolean };
  readonly workloads: Record<string, Metrics>;
}

/** Row labels every table has, in order; process rows (CPU, RSS) are added per process found. */
export const ROWS = [
  'commands',
  'rejected',
  'cmd/s',
  'cmd/s Q1',
  'cmd/s Q2',
  'cmd/s Q3',
  'cmd/s Q4',
  'latency p50 ms',
  'latency p95 ms',
  'latency p99 ms',
  'KDF ceiling hashes/s',
  'cmd/s ÷ KDF ceiling',
  'DynamoDB requests/cmd',
  'DynamoDB WRU/cmd (computed)',
  'DynamoDB RRU/cmd (computed)',
  'DynamoDB capacity reported/cmd',
  'SQS requests/cmd',
  'SQS empty receives (not billed here)',
  'SNS requests/cmd',
  'messageHandler invocations/cmd',
  'messageHandler ms/cmd',
  'cacheHandler invocations/cmd',
  'cacheHandler ms/cmd',
  'CPU ms/cmd bench+handlers excl. KDF',
  'members',
  'rename latency ms',
  'delete latency ms',
  'delete: cache-handler invocations',
  'delete: longest invocation ms',
  'input DLQ messages',
  'cache DLQ messages',
  '$/1M cmds Lambda',
  '$/1M cmds SQS',
  '$/1M cmds SNS',
  '$/1M cmds DynamoDB',
  '$/1M cmds KMS',
  '$/1M cmds total',
] as const;

/** Formats a number for the table: n/a, integers with separators, or 3 significant digits. */
export const fmt = (v: number | null | undefined): string => {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
  if (Number.isInteger(v) && Math.abs(v) >= 100) return v.toLocaleString('en-US');
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (v === 0) return '0';
  return Number(v.toPrecision(3)).toString();
};

const processRows = (results: readonly Results[]): string[] => {
  const names = new Set<string>();
  for (const r of results)
    for (const m of Object.values(r.workloads))
      for (const k of Object.keys(m))
        if (k.startsWith('CPU ms/cmd ') || k.startsWith('peak RSS MB ')) names.add(k);
  return [...names].filter((k) => !ROWS.includes(k as (typeof ROWS)[number])).sort();
};

/** The table: one row per figure, per workload the current value, the baseline's and their ratio. */
export const renderTable = (current: Results, baseline?: Results): string => {
  const workloads = Object.keys(current.workloads);
  const rows = [...ROWS, ...processRows(baseline === undefined ? [current] : [current, baseline])];
  const header = ['figure'];
  for (const w of workloads) {
    header.push(`${w} (${current.engine})`);
    if (baseline !== undefined) header.push(`${w} (baseline ${baseline.engine})`, '×');
  }
  const lines = rows.map((row) => {
    const cells = [row];
    for (const w of workloads) {
      const now = current.workloads[w]?.[row];
      cells.push(fmt(now));
      if (baseline !== undefined) {
        const then = baseline.workloads[w]?.[row];
        cells.push(fmt(then));
        cells.push(
          now === null || now === undefined || then === null || then === undefined || then === 0
            ? ''
            : `${fmt(now / then)}×`,
        );
      }
    }
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...lines.map(line)].join('\n');
};

const sizesText = (r: Results): string =>
  Object.entries(r.sizes)
    .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
    .join(', ');

/** The lines printed above the table: what ran, on what, with which sizes, units and prices. */
export const renderPreamble = (current: Results, baseline?: Results): string[] => {
  const lines = [
    `Benchmark ${current.date}: engine ${current.engine} (${current.mode}), node ${current.node}, ${current.cpus} cores${current.loadAverage === undefined ? '' : `, load average ${fmt(current.loadAverage.start)} at start, ${fmt(current.loadAverage.end)} at end`}; sizes: ${sizesText(current)}.`,
    `KDF (${current.kdf.hasher}): ${fmt(current.kdf.hashesPerSecond)} hashes/s with ${current.kdf.cores} in flight (${fmt(current.kdf.perCore)}/s per core, ${fmt(current.kdf.cpuMsPerHash)} CPU ms per hash).`,
    `DynamoDB write units for the cost: ${current.mode === 'endpoint' ? 'not measured (--endpoint: the handlers run elsewhere)' : current.writeUnitsSource === 'reported' ? 'reported by the emulator (ReturnConsumedCapacity)' : 'computed from item sizes as AWS bills them (1 per KB per write, 2 per item in a transaction); the emulator did not report them for every write'}.`,
    `Cost: us-east-1 prices recorded ${current.prices.recorded}${current.prices.reReadToday ? '' : ' (not re-read from aws.amazon.com today: no internet here)'}; Lambda GB-s from the in-process invocation times measured here; KMS $0: SSE-SQS uses an SQS-managed key (the topic's alias/aws/sns data-key calls are not counted).`,
  ];
  if (baseline !== undefined) {
    const same = sizesText(baseline) === sizesText(current);
    lines.push(
      `Baseline: ${baseline.engine}, ${baseline.date}, sizes: ${sizesText(baseline)}${same ? '' : ' — SIZES DIFFER from this run: compare rates, not totals'}.`,
    );
  }
  return lines;
};
