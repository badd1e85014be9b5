import { spawn } from 'node:child_process';
import { ROOT } from '../support/e2e';

/** Runs `npm run chaos` (as its script does: tsx scripts/chaos.ts) and collects its output and exit code. */
const chaos = (args: readonly string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chaos.ts', ...args], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });

/** The table's rows by label. */
const rowsOf = (table: string): Map<string, string> =>
  new Map(
    table
      .split('\n')
      .map((line) => /^\| (.+?) +\| (.*) \|$/.exec(line))
      .flatMap((m) => (m === null ? [] : [[m[1] as string, m[2] as string] as const])),
  );

test('npm run chaos: a small run under faults, duplicates, delays and 3 SIGKILLs of the workers loses nothing and matches the model', async () => {
  // The in-process crashes are the model test's; here the workers are a process, killed for real.
  const { code, stdout, stderr } = await chaos([
    '--commands',
    '60',
    '--seed',
    '11',
    '--kills',
    '3',
    '--process-kills',
  ]);
  const rows = rowsOf(stdout);
  // The table goes with a failure: it says which DLQ holds what, and how many faults were injected.
  expect({ code, stderr, table: code === 0 ? '' : stdout }).toEqual({ code: 0, stderr: '', table: '' });
  expect(rows.get('commands sent')).toMatch(/^60 /);
  expect(rows.get('lost')).toBe('0');
  expect(rows.get('differences from the model')).toBe('0');
  expect(rows.get('worker kills')).toBe('3 (SIGKILL of the worker process)');
  expect(Number(rows.get('SDK calls by the workers'))).toBeGreaterThan(0);
  expect(Number(/^(\d+)/.exec(rows.get('faults injected') ?? '')?.[1])).toBeGreaterThan(0);
  const applied = Number(rows.get('applied'));
  const rejected = Number(rows.get('rejected'));
  expect(applied).toBeGreaterThan(0);
  expect(rejected).toBeGreaterThan(0);
  expect(applied + rejected).toBe(60);
}, 300_000);

test('npm run chaos refuses a malformed command line with its usage and exit code 2', async () => {
  const { code, stdout, stderr } = await chaos(['--commands', 'many']);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr).toContain("chaos: --commands must be an integer from 1 to 1000000, got 'many'");
  expect(stderr).toContain('Usage: npm run chaos');
}, 60_000);
