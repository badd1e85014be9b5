import {
  fmt,
  renderPreamble,
  renderTable,
  ROWS,
  workloadKey,
  type Results,
} from '../../../scripts/bench/report';

const results = (engine: string, users: number, rate: number): Results => ({
  date: '2026-11-30T00:00:00.000Z',
  engine,
  mode: 'embedded',
  node: 'v20',
  cpus: 2,
  sizes: { users },
  kdf: { cores: 2, hashesPerSecond: 10, perCore: 5, cpuMsPerHash: 90, hasher: 'test' },
  writeUnitsSource: 'computed',
  prices: { recorded: '2026-11-30', reReadToday: false },
  workloads: { users: { commands: users, 'cmd/s': rate, 'peak RSS MB python moto_server': 100 } },
});

const headerOf = (table: string): string[] => (table.split('\n')[0] ?? '').split('|').map((c) => c.trim());

describe('the bench table', () => {
  test('numbers: n/a, separators, three significant digits', () => {
    expect(fmt(null)).toBe('n/a');
    expect(fmt(Number.NaN)).toBe('n/a');
    expect(fmt(12345)).toBe('12,345');
    expect(fmt(0.12345)).toBe('0.123');
    expect(fmt(0)).toBe('0');
  });

  test('every row, the baseline beside the current figure with the ratio, and a note when sizes differ', () => {
    const table = renderTable(results('fauxqs', 2000, 40), results('moto', 200, 2));
    for (const row of ROWS) expect(table).toContain(`| ${row} `);
    expect(table).toContain('peak RSS MB python moto_server');
    expect(table.split('\n')[0]).toMatch(/users \(fauxqs\) \| users \(baseline moto\) \| +× \|/);
    expect(table).toMatch(/\| cmd\/s +\| +40 \| +2 \| +20× \|/);
    expect(renderPreamble(results('fauxqs', 2000, 40), results('moto', 200, 2)).join('\n')).toContain(
      'SIZES DIFFER',
    );
    expect(renderPreamble(results('moto', 200, 40), results('moto', 200, 2)).join('\n')).not.toContain(
      'SIZES DIFFER',
    );
  });

  test('both modes: the ordered column beside the standard one, with ordered ÷ standard; no baseline for it', () => {
    const standard = results('fauxqs', 2000, 40);
    const both: Results = {
      ...standard,
      modes: ['standard', 'ordered'],
      workloads: {
        users: { commands: 2000, 'cmd/s': 40, 'latency p50 ms': 1000 },
        [workloadKey('users', 'ordered')]: { commands: 2000, 'cmd/s': 10, 'latency p50 ms': 3000 },
        groups: { commands: 30, 'cmd/s': 50 },
        'groups (ordered)': { commands: 30, 'cmd/s': 25 },
      },
    };
    const table = renderTable(both, results('moto', 200, 2));
    expect(headerOf(table)).toEqual([
      '',
      'figure',
      'users (fauxqs)',
      'users (baseline moto)',
      '×',
      'users (ordered, fauxqs)',
      'ordered ÷ standard',
      'groups (fauxqs)',
      'groups (baseline moto)',
      '×',
      'groups (ordered, fauxqs)',
      'ordered ÷ standard',
      '',
    ]);
    expect(table).toMatch(
      /\| cmd\/s +\| +40 \| +2 \| +20× \| +10 \| +0\.25× \| +50 \| +n\/a \| +\| +25 \| +0\.5× \|/,
    );
    expect(table).toMatch(/\| latency p50 ms +\| +1,000 \| +n\/a \| +\| +3,000 \| +3× \|/);
    expect(renderPreamble(both).join('\n')).toMatch(/^Modes: standard then ordered, each on a fresh stack;/m);
    expect(renderPreamble(standard).join('\n')).not.toContain('Modes:');
  });

  test('an ordered run alone has no ratio column', () => {
    const ordered: Results = {
      ...results('fauxqs', 20, 4),
      modes: ['ordered'],
      workloads: { 'users (ordered)': { commands: 20, 'cmd/s': 4 } },
    };
    expect(headerOf(renderTable(ordered))).toEqual(['', 'figure', 'users (ordered, fauxqs)', '']);
  });
});
