import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pollUntil } from '../../src/adapters/poll-until';
import { readDirectory } from '../../src/adapters/dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { sendMessage } from '../../src/adapters/sqs';
import { connect, waitForOutcome, type Target } from '../../src/local/client';
import { freePort } from '../../src/local/ports';
import { ROOT } from '../support/e2e';
import { scanAll } from '../support/emulators';
import embeddedOnly from './embedded-only.json';
import topology from '../../topology.json';

// Embedded only (it starts the stacks it targets). In a run of the whole tree without E2E_ENDPOINT,
// this is where the target-agnostic suites run (see jest.config.js): `npm run stack` (and its ordered
// twin) in processes of their own, then `E2E_ENDPOINT=… npm run test:e2e` against them, twice on
// the same stacks, as the LocalStack job does against LocalStack (`npm run test:localstack`).

const run = promisify(execFile);
/**
 * The stacks' settle window: the deployed default (topology.json), as LocalStack and AWS run. With 5 s
 * the shuffled bursts (queue delays up to half the window) left a loaded machine 3 s to deliver the
 * earlier command a waiting one names; one loaded fresh-clone run ended a burst the way a command
 * rejected at the end of its window would.
 */
const SETTLE_WINDOW_SECONDS = topology.functions.cacheHandler.settleWindowSeconds;
const agnostic = readdirSync(__dirname)
  .filter((f) => f.endsWith('.test.ts') && !(f in embeddedOnly.suites))
  .sort();

interface RunningStack {
  readonly child: ChildProcess;
  readonly endpoint: string;
  readonly httpUrl: string;
  output: string;
}

/** `npm run stack` with the given options on free ports, in its own process group; resolves once ready. */
const startStack = async (...options: string[]): Promise<RunningStack> => {
  const port = await freePort();
  const httpPort = await freePort();
  const child = spawn(
    'npm',
    ['run', 'stack', '--', '--port', String(port), '--http-port', String(httpPort), ...options],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const stack: RunningStack = {
    child,
    endpoint: `http://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    output: '',
  };
  let exited: number | null | undefined;
  child.stdout?.on('data', (c: Buffer) => (stack.output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stack.output += c.toString()));
  child.once('exit', (code) => (exited = code));
  await pollUntil(
    async () => {
      if (exited !== undefined) throw new Error(`npm run stack exited with ${exited}:\n${stack.output}`);
      return stack.output.includes('Embedded stack ready') ? true : undefined;
    },
    { timeoutMs: 90_000, what: `npm run stack ${options.join(' ')}` },
  );
  return stack;
};

const stopStack = async (stack: RunningStack | undefined) => {
  if (stack?.child.pid === undefined || stack.child.exitCode !== null) return;
  const exited = new Promise((resolve) => stack.child.once('exit', resolve));
  process.kill(-stack.child.pid, 'SIGTERM');
  await exited;
};

let standard: RunningStack;
let ordered: RunningStack;
let target: Target;

beforeAll(async () => {
  [standard, ordered] = await Promise.all([
    startStack('--settle-window', String(SETTLE_WINDOW_SECONDS)),
    startStack('--mode', 'ordered', '--settle-window', String(SETTLE_WINDOW_SECONDS)),
  ]);
  target = connect({ region: 'us-east-1', endpoint: standard.endpoint }, 'local');
}, 120_000);

afterAll(async () => {
  target?.sqs.destroy();
  target?.doc.destroy();
  await Promise.all([stopStack(standard), stopStack(ordered)]);
});

/** `npm run test:e2e` with the target's variables; resolves with its exit code and output. */
const runE2e = () =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('npm', ['run', 'test:e2e'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        E2E_TARGET: 'stack',
        E2E_ENDPOINT: standard.endpoint,
        E2E_STAGE: 'local',
        E2E_HTTP_URL: standard.httpUrl,
        E2E_ORDERED_ENDPOINT: ordered.endpoint,
        E2E_SETTLE_WINDOW_SECONDS: String(SETTLE_WINDOW_SECONDS),
      },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });

/** How many tests jest finds in the embedded-only suites (none of them is run: no name matches). */
const embeddedOnlyTests = async (): Promise<number> => {
  const { stdout } = await run(
    process.execPath,
    [join(ROOT, 'node_modules/jest/bin/jest.js'), 'test/e2e', '--json', '-t', '^$'],
    { cwd: ROOT, env: { ...process.env, E2E_ENDPOINT: '' }, maxBuffer: 16 * 1024 * 1024 },
  );
  return (JSON.parse(stdout) as { numTotalTests: number }).numTotalTests;
};

/** A command of nobody's namespace, and a message parked in the input DLQ: what the runs must leave alone. */
const seedOutsiders = async () => {
  for (const body of [
    { entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name: 'Outsiders' } },
    {
      entityType: 'USER',
      eventType: 'USER_CREATED',
      eventData: {
        name: 'Out Sider',
        email: 'out.sider@example.org',
        password: 'not-a-run',
        groups: ['Outsiders'],
      },
    },
  ]) {
    const id = await sendMessage(target.sqs, await target.queueUrl('input'), JSON.stringify(body));
    expect((await waitForOutcome(target.doc, target.names.table, id, 30_000)).status).toBe('APPLIED');
  }
  const parked = JSON.stringify({
    entityType: 'GROUP',
    eventType: 'GROUP_CREATED',
    eventData: { name: 'Parked' },
  });
  return sendMessage(target.sqs, await target.queueUrl('inputDlq'), parked);
};

test('there are target-agnostic suites, and every embedded-only entry names a suite that exists', () => {
  expect(agnostic).toEqual(
    expect.arrayContaining(['delivery.test.ts', 'events.test.ts', 'seed-events.test.ts']),
  );
  const suites = readdirSync(__dirname).filter((f) => f.endsWith('.test.ts'));
  for (const file of Object.keys(embeddedOnly.suites)) expect(suites).toContain(file);
});

test('E2E_ENDPOINT=… npm run test:e2e passes against a separately started npm run stack, twice, touching nothing outside its namespaces', async () => {
  const parkedId = await seedOutsiders();
  const outside = await scanAll(target.doc, target.names.table);
  const notApplicable: string[][] = [];
  let ran = 0;
  for (const round of [1, 2]) {
    const { code, output } = await runE2e();
    if (code !== 0) throw new Error(`round ${round}: npm run test:e2e exited ${code}:\n${output}`);
    for (const file of agnostic) expect(output).toContain(`PASS test/e2e/${file}`);
    for (const [file, why] of Object.entries(embeddedOnly.suites)) {
      expect(output).not.toMatch(new RegExp(`(PASS|FAIL) test/e2e/${file.replace('.', '\\.')}`));
      expect(output).toContain(`test/e2e/${file}: ${why}`);
    }
    expect(output).not.toMatch(/skipped|todo/);
    ran = Number(/Tests: +(\d+) passed, \1 total/.exec(output)?.[1] ?? 0);
    notApplicable.push(output.split('\n').filter((l) => l.startsWith('NOT APPLICABLE on stack: ')));
  }
  // the same tests say they do not apply in both rounds, each with its reason
  expect(notApplicable[1]).toEqual(notApplicable[0]);
  for (const line of notApplicable[0] ?? []) expect(line).toMatch(/^NOT APPLICABLE on stack: .+: .+/);
  // the share of the end-to-end tests that run against an endpoint (the goal is three quarters)
  const applied = ran - (notApplicable[0]?.length ?? 0);
  const share = applied / (ran + (await embeddedOnlyTests()));
  process.stderr.write(
    `target-agnostic: ${applied} of the end-to-end tests run against the endpoint (${(share * 100).toFixed(1)} %)\n`,
  );
  expect(share).toBeGreaterThanOrEqual(0.75);
  // what was there before the runs is there after them, item for item, and the parked message waits on
  const after = new Map(
    (await scanAll(target.doc, target.names.table)).map((i) => [`${String(i['pk'])}|${String(i['sk'])}`, i]),
  );
  for (const item of outside) expect(after.get(`${String(item['pk'])}|${String(item['sk'])}`)).toEqual(item);
  const dlq = await target.queueUrl('inputDlq');
  const peek = async () =>
    (
      await target.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }),
      )
    ).Messages ?? [];
  await pollUntil(async () => ((await peek()).some((m) => m.MessageId === parkedId) ? true : undefined), {
    timeoutMs: 10_000,
    what: 'the parked message, still in the input DLQ',
  });
  // both rounds wrote to that stack's table, each in its own namespace, through its HTTP producer too
  const groups = (await readDirectory(target.doc, target.names.table)).groups.map((g) => g.name);
  expect(groups.filter((name) => /^Via HTTP r[0-9a-f]{8}$/.test(name))).toHaveLength(2);
}, 1_500_000);
