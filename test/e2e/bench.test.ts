import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROWS, workloadKey, type Results } from '../../scripts/bench/report';
import { startEmbeddedStack } from '../../src/local/stack';
import { ROOT } from '../support/e2e';

const run = promisify(execFile);

const WORKLOADS = ['users', 'groups', 'big-group'];

describe('npm run bench -- --quick (both modes, the default)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  let stdout = '';
  let results: Results;
  beforeAll(async () => {
    const out = await run('npm', ['run', 'bench', '--', '--quick', '--results-dir', dir], {
      cwd: ROOT,
      timeout: 400_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    stdout = out.stdout;
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    results = JSON.parse(readFileSync(join(dir, files[0] ?? ''), 'utf8')) as Results;
  }, 420_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('prints one table with every row and a column per workload and mode, beside the baseline', () => {
    const tableLines = stdout.split('\n').filter((l) => l.startsWith('|'));
    const header = tableLines[0] ?? '';
    const cells = header.split('|').map((c) => c.trim());
    for (const w of WORKLOADS) {
      const at = cells.indexOf(`${w} (${results.engine})`);
      expect(cells.slice(at, at + 5)).toEqual([
        `${w} (${results.engine})`,
        `${w} (baseline moto)`,
        '×',
        `${w} (ordered, ${results.engine})`,
        'ordered ÷ standard',
      ]);
    }
    expect(stdout).toMatch(/^Modes: standard then ordered, each on a fresh stack;/m);
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
    expect(results.modes).toEqual(['standard', 'ordered']);
    const names = WORKLOADS.flatMap((w) => [w, workloadKey(w, 'ordered')]);
    expect(Object.keys(results.workloads)).toEqual(names);
    for (const name of names) {
      const m = results.workloads[name] ?? {};
      const at = (k: string) => m[k] ?? Number.NaN;
      const workload = name.replace(' (ordered)', '');
      // every command applied, in both modes
      expect({ name, commands: at('commands') }).toEqual({
        name,
        commands: workload === 'big-group' ? 2 : results.sizes[workload],
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
    for (const mode of ['standard', 'ordered'] as const) {
      const users = results.workloads[workloadKey('users', mode)] ?? {};
      expect(users['KDF ceiling hashes/s']).toBeGreaterThan(0);
      expect(users['cmd/s ÷ KDF ceiling']).toBeGreaterThan(0);
      // a USER_CREATED is one transaction of at least marker, user, email claim: 3 items x 2 units
      expect(users['DynamoDB WRU/cmd (computed)']).toBeGreaterThanOrEqual(6);
      const big = results.workloads[workloadKey('big-group', mode)] ?? {};
      expect(big['members']).toBe(30);
      expect(big['delete: cache-handler invocations']).toBeGreaterThanOrEqual(1);
      expect(big['delete: longest invocation ms']).toBeGreaterThan(0);
      expect(big['rename latency ms']).toBeGreaterThanOrEqual(0);
      expect(big['delete latency ms']).toBeGreaterThan(0);
    }
  });
});

describe('npm run bench -- --endpoint: the modes of the stack running there', () => {
  let stack: Awaited<ReturnType<typeof startEmbeddedStack>>;
  beforeAll(async () => {
    stack = await startEmbeddedStack({ mode: 'ordered', workers: false, logLevel: 'SILENT' });
  }, 120_000);
  afterAll(() => stack.stop());

  const bench = (modes: string) =>
    run('npm', ['run', 'bench', '--', '--endpoint', stack.config.endpoint, '--modes', modes], {
      cwd: ROOT,
      timeout: 120_000,
    }).then(
      () => '',
      (error: { stderr?: string }) => error.stderr ?? 'failed without stderr',
    );

  test('refuses both modes at once, and a mode the stack does not run, saying which it runs', async () => {
    expect(await bench('standard,ordered')).toContain(
      '--endpoint benchmarks the one stack running there, in the mode it was started in (ordered): pass --modes ordered',
    );
    expect(await bench('standard')).toContain('runs in ordered mode; pass --modes ordered');
  }, 240_000);
});
