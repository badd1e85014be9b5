import { fmt, renderPreamble, renderTable, ROWS, type Results } from '../../../scripts/bench/report';

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
});
