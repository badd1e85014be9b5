import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROWS, type Results } from '../../scripts/bench/report';
import { ROOT } from '../support/e2e';

const run = promisify(execFile);

describe('npm run bench -- --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  let stdout = '';
  let results: Results;
  beforeAll(async () => {
    const out = await run('npm', ['run', 'bench', '--', '--quick', '--results-dir', dir], {
      cwd: ROOT,
      timeout: 280_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    stdout = out.stdout;
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    results = JSON.parse(readFileSync(join(dir, files[0] ?? ''), 'utf8')) as Results;
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('prints one table with every row and a column per workload, beside the baseline', () => {
    const tableLines = stdout.split('\n').filter((l) => l.startsWith('|'));
    const header = tableLines[0] ?? '';
    for (const w of ['users', 'groups', 'big-group']) {
      expect(header).toContain(`| ${w} (${results.engine}) |`);
      expect(header).toContain(`| ${w} (baseline moto) |`);
    }
    for (const row of ROWS) expect(tableLines.some((l) => l.startsWith(`| ${row} `))).toBe(true);
    expect(tableLines.some((l) => l.startsWith('| peak RSS MB node (bench + handlers) '))).toBe(true);
    expect(tableLines.some((l) => /^\| CPU ms\/cmd python3? moto_server /.test(l))).toBe(true);
    expect(stdout).toMatch(/^KDF \(/m);
    expect(stdout).toMatch(/^Cost: us-east-1 prices recorded \d{4}-\d{2}-\d{2}/m);
  });

  test('writes the JSON with sane values', () => {
    expect(results.mode).toBe('embedded');
    expect(results.kdf.hashesPerSecond).toBeGreaterThan(0);
    expect(results.sizes).toEqual({ users: 20, groups: 30, 'big-group members': 30 });
    for (const [name, m] of Object.entries(results.workloads)) {
      const at = (k: string) => m[k] ?? Number.NaN;
      expect({ name, commands: at('commands') }).toEqual({
        name,
        commands: name === 'big-group' ? 2 : results.sizes[name],
      });
      expect(at('rejected')).toBe(0);
      expect(at('cmd/s')).toBeGreaterThan(0);
      expect(at('latency p50 ms')).toBeLessThanOrEqual(at('latency p95 ms'));
      expect(at('latency p95 ms')).toBeLessThanOrEqual(at('latency p99 ms'));
      expect(at('DynamoDB requests/cmd')).toBeGreaterThan(0);
      expect(at('DynamoDB WRU/cmd (computed)')).toBeGreaterThan(0);
      expect(at('SQS requests/cmd')).toBeGreaterThan(0);
      expect(at('SNS requests/cmd')).toBeGreaterThan(0);
      expect(at('cacheHandler invocations/cmd')).toBeGreaterThan(0);
      expect(at('$/1M cmds total')).toBeGreaterThan(0);
      expect(at('input DLQ messages')).toBe(0);
      expect(at('cache DLQ messages')).toBe(0);
      expect(at('peak RSS MB node (bench + handlers)')).toBeGreaterThan(0);
    }
    const users = results.workloads['users'] ?? {};
    expect(users['KDF ceiling hashes/s']).toBeGreaterThan(0);
    expect(users['cmd/s ÷ KDF ceiling']).toBeGreaterThan(0);
    // a USER_CREATED is one transaction of at least marker, user, email claim: 3 items x 2 units
    expect(users['DynamoDB WRU/cmd (computed)']).toBeGreaterThanOrEqual(6);
    const big = results.workloads['big-group'] ?? {};
    expect(big['members']).toBe(30);
    expect(big['delete: cache-handler invocations']).toBeGreaterThanOrEqual(1);
    expect(big['delete: longest invocation ms']).toBeGreaterThan(0);
    expect(big['rename latency ms']).toBeGreaterThanOrEqual(0);
    expect(big['delete latency ms']).toBeGreaterThan(0);
  });
});
