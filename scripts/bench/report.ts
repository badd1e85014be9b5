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
    /** The bare binding at the same parameters, one hash at a time on one thread (absent in older results). */
    bareSingleThread?: number;
    hasher: string;
  };
  /** Which DynamoDB write units the cost uses: reported by the emulator, or computed from item sizes. */
  readonly writeUnitsSource: 'reported' | 'computed';
  readonly prices: { recorded: string; reReadToday: boolean };
  /** The modes run, each on a fresh stack (absent in results written before there were modes: standard). */
  readonly modes?: readonly BenchMode[];
  /** Figures by workload key (`workloadKey`): `users`, `users (ordered)`, ... */
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
  'cmd/s ÷ (cores × bare KDF)',
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

/** Where a workload's figures ran: standard queues and topic, or FIFO ones in one message group. */
export type BenchMode = 'standard' | 'ordered';

const ORDERED = ' (ordered)';

/** The key of a workload's figures in `Results.workloads`: its name, with ` (ordered)` in ordered mode. */
export const workloadKey = (workload: string, mode: BenchMode): string =>
  mode === 'ordered' ? `${workload}${ORDERED}` : workload;

const ratio = (now: number | null | undefined, then: number | null | undefined): string =>
  now === null || now === undefined || then === null || then === undefined || then === 0
    ? ''
    : `${fmt(now / then)}×`;

interface Column {
  readonly header: string;
  readonly cell: (row: string) => string;
}

/**
 * The columns of one workload key: a standard one gets the baseline beside it with their ratio; an
 * ordered one gets its ratio to the standard figure of the same run (`ordered ÷ standard`).
 */
const columnsOf = (key: string, current: Results, baseline?: Results): Column[] => {
  const now = (row: string) => current.workloads[key]?.[row];
  if (key.endsWith(ORDERED)) {
    const standard = key.slice(0, -ORDERED.length);
    const own: Column = {
      header: `${standard} (ordered, ${current.engine})`,
      cell: (row) => fmt(now(row)),
    };
    if (current.workloads[standard] === undefined) return [own];
    const then = (row: string) => current.workloads[standard]?.[row];
    return [own, { header: 'ordered ÷ standard', cell: (row) => ratio(now(row), then(row)) }];
  }
  const own: Column = { header: `${key} (${current.engine})`, cell: (row) => fmt(now(row)) };
  if (baseline === undefined) return [own];
  const then = (row: string) => baseline.workloads[key]?.[row];
  return [
    own,
    { header: `${key} (baseline ${baseline.engine})`, cell: (row) => fmt(then(row)) },
    { header: '×', cell: (row) => ratio(now(row), then(row)) },
  ];
};

/**
 * The table: one row per figure; per workload the current value, the baseline's and their ratio, and
 * in a run of both modes the ordered value and its ratio to the standard one.
 */
export const renderTable = (current: Results, baseline?: Results): string => {
  const rows = [...ROWS, ...processRows(baseline === undefined ? [current] : [current, baseline])];
  const columns = Object.keys(current.workloads).flatMap((key) => columnsOf(key, current, baseline));
  const header = ['figure', ...columns.map((c) => c.header)];
  const lines = rows.map((row) => [row, ...columns.map((c) => c.cell(row))]);
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
    `KDF (${current.kdf.hasher}): ${fmt(current.kdf.hashesPerSecond)} hashes/s with ${current.kdf.cores} in flight (${fmt(current.kdf.perCore)}/s per core, ${fmt(current.kdf.cpuMsPerHash)} CPU ms per hash)` +
      (current.kdf.bareSingleThread === undefined
        ? '.'
        : `; the bare binding, one at a time on one thread: ${fmt(current.kdf.bareSingleThread)} hashes/s.`),
    `DynamoDB write units for the cost: ${current.mode === 'endpoint' ? 'not measured (--endpoint: the handlers run elsewhere)' : current.writeUnitsSource === 'reported' ? 'reported by the emulator (ReturnConsumedCapacity)' : 'computed from item sizes as AWS bills them (1 per KB per write, 2 per item in a transaction); the emulator did not report them for every write'}.`,
    `Cost: us-east-1 prices recorded ${current.prices.recorded}${current.prices.reReadToday ? '' : ' (not re-read from aws.amazon.com today: no internet here)'}; Lambda GB-s from the in-process invocation times measured here; KMS $0: SSE-SQS uses an SQS-managed key (the topic's alias/aws/sns data-key calls are not counted).`,
  ];
  const modes = current.modes ?? ['standard'];
  if (modes.includes('ordered'))
    lines.push(
      `Modes: ${modes.join(' then ')}${current.mode === 'embedded' ? ', each on a fresh stack' : ''}; ordered = FIFO input queue, topic and cache queue, one message group (total order)${modes.length > 1 ? '; "ordered ÷ standard" compares the two in this run' : ''}; the baseline is standard mode.`,
    );
  if (baseline !== undefined) {
    const same = sizesText(baseline) === sizesText(current);
    lines.push(
      `Baseline: ${baseline.engine}, ${baseline.date}, sizes: ${sizesText(baseline)}${same ? '' : ' — SIZES DIFFER from this run: compare rates, not totals'}.`,
    );
  }
  return lines;
};
