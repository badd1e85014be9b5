import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { pollUntil } from '../../src/adapters/poll-until';
import { readDirectory } from '../../src/adapters/dynamodb';
import { connect } from '../../src/local/client';
import { freePort } from '../../src/local/ports';
import { ROOT } from '../support/e2e';
import embeddedOnly from './embedded-only.json';

// Embedded only (it starts the stack it targets). The proof that the target-agnostic run works against
// a stack it did not start: `npm run stack` in a process of its own, then
// `E2E_ENDPOINT=… E2E_STAGE=local npm run test:e2e` against it, twice, as CI does against LocalStack.

const agnostic = readdirSync(__dirname)
  .filter((f) => f.endsWith('.test.ts') && !(f in embeddedOnly.suites))
  .sort();

let stack: ChildProcess;
let endpoint = '';
let httpUrl = '';
let stackOutput = '';

beforeAll(async () => {
  const port = await freePort();
  const httpPort = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  httpUrl = `http://127.0.0.1:${httpPort}`;
  // its own process group, so that the stop below reaches npm and the stack under it
  stack = spawn('npm', ['run', 'stack', '--', '--port', String(port), '--http-port', String(httpPort)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let exited: number | null | undefined;
  stack.stdout?.on('data', (c: Buffer) => (stackOutput += c.toString()));
  stack.stderr?.on('data', (c: Buffer) => (stackOutput += c.toString()));
  stack.once('exit', (code) => (exited = code));
  await pollUntil(
    async () => {
      if (exited !== undefined) throw new Error(`npm run stack exited with ${exited}:\n${stackOutput}`);
      return stackOutput.includes('Embedded stack ready') ? true : undefined;
    },
    { timeoutMs: 90_000, what: 'npm run stack' },
  );
}, 120_000);

afterAll(async () => {
  if (stack.pid === undefined || stack.exitCode !== null) return;
  const exited = new Promise((resolve) => stack.once('exit', resolve));
  process.kill(-stack.pid, 'SIGTERM');
  await exited;
});

/** `npm run test:e2e` with the target's variables; resolves with its exit code and output. */
const runE2e = () =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('npm', ['run', 'test:e2e'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, E2E_ENDPOINT: endpoint, E2E_STAGE: 'local', E2E_HTTP_URL: httpUrl },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });

test('there are target-agnostic suites, and every embedded-only entry names a suite that exists', () => {
  expect(agnostic).toEqual(expect.arrayContaining(['delivery.test.ts', 'events.test.ts']));
  const suites = readdirSync(__dirname).filter((f) => f.endsWith('.test.ts'));
  for (const file of Object.keys(embeddedOnly.suites)) expect(suites).toContain(file);
});

test('E2E_ENDPOINT=… npm run test:e2e passes against a separately started npm run stack, twice on the same table', async () => {
  for (const round of [1, 2]) {
    const { code, output } = await runE2e();
    if (code !== 0) throw new Error(`round ${round}: npm run test:e2e exited ${code}:\n${output}`);
    for (const file of agnostic) expect(output).toContain(`PASS test/e2e/${file}`);
    for (const [file, why] of Object.entries(embeddedOnly.suites)) {
      expect(output).not.toMatch(new RegExp(`(PASS|FAIL) test/e2e/${file.replace('.', '\\.')}`));
      expect(output).toContain(`test/e2e/${file}: ${why}`);
    }
    expect(output).toMatch(/Tests: +\d+ passed, \d+ total/);
    expect(output).not.toMatch(/skipped|todo/);
  }
  // both rounds wrote to that stack's table, each in its own namespace, through its HTTP producer too
  const target = connect({ region: 'us-east-1', endpoint }, 'local');
  const groups = (await readDirectory(target.doc, target.names.table)).groups.map((g) => g.name);
  target.sqs.destroy();
  target.doc.destroy();
  expect(groups.filter((name) => /^Via HTTP r[0-9a-f]{8}$/.test(name))).toHaveLength(2);
  expect(groups.filter((name) => /^Platform Engineering r[0-9a-f]{8}$/.test(name))).toHaveLength(2);
}, 600_000);
