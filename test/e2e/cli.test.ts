/**
 * The CLI commands that start, signal or empty stacks of their own (embedded-only, see
 * test/e2e/embedded-only.json): the stack without Java, `npm run stack` (printed names, SIGTERM,
 * SIGKILL), `npm start`, and `npm run reset` (it wipes a whole stack: here a private one). The command
 * line without a stack is in cli-usage.test.ts, the CLI against any running stack in cli-target.test.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { listRejections } from '../../src/adapters/dynamodb';
import { pollUntil } from '../../src/adapters/poll-until';
import { sendMessage } from '../../src/adapters/sqs';
import { connect as connectTarget, readBody } from '../../src/local/client';
import { startEmulators } from '../../src/local/emulators';
import { freePort } from '../../src/local/ports';
import { resetStack } from '../../src/local/reset';
import {
  EVENTS,
  ROOT,
  npmRun,
  queueDepth,
  sendAndWait,
  startTestStack,
  stateOf,
  type TestStack,
} from '../support/e2e';
import { unsafeTestHasher } from '../support/unsafe-kdf';

const cli = (args: string[]) => npmRun(args);

describe('npm run reset', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ logLevel: 'SILENT', hasher: unsafeTestHasher() });
  }, 90_000);
  afterAll(() => t.stack.stop());

  test('reset empties the queues and the table; it refuses an endpoint off loopback', async () => {
    const user = JSON.stringify({
      entityType: 'USER',
      eventType: 'USER_CREATED',
      eventData: { name: 'Echo', email: 'echo@example.com', password: 'pw-of-Echo', groups: [] },
    });
    expect((await sendAndWait(t, user)).outcome.status).toBe('APPLIED');
    expect((await sendAndWait(t, readBody(join(EVENTS, '12-rejected-bad-email.json')))).outcome.status).toBe(
      'REJECTED',
    );
    await sendMessage(t.target.sqs, t.stack.queueUrls.inputDlq, user);
    await sendMessage(t.target.sqs, t.stack.queueUrls.cacheDlq, '{}');
    expect((await stateOf(t)).users.length).toBeGreaterThan(0);
    expect(await listRejections(t.target.doc, t.stack.names.table)).toHaveLength(1);
    for (const url of [t.stack.queueUrls.inputDlq, t.stack.queueUrls.cacheDlq])
      expect(await queueDepth(t, url)).toBe(1);
    const report = await resetStack(t.target);
    expect(report.items).toBeGreaterThan(0);
    expect(report.queues).toHaveLength(4);
    expect(await stateOf(t)).toEqual({ users: [], groups: [] });
    expect(await listRejections(t.target.doc, t.stack.names.table)).toEqual([]);
    for (const url of Object.values(t.stack.queueUrls)) expect(await queueDepth(t, url)).toBe(0);
    // the stack goes on after a reset
    const { outcome } = await sendAndWait(t, readBody(join(EVENTS, '01-group-created-engineering.json')));
    expect(outcome.status).toBe('APPLIED');
    const remote = connectTarget(
      { region: 'eu-west-1', endpoint: 'https://sqs.eu-west-1.amazonaws.com' },
      'prod',
    );
    await expect(resetStack(remote)).rejects.toThrow(/refusing to reset/);
    remote.sqs.destroy();
    remote.doc.destroy();
  }, 60_000);
});

test('without Java the stack stops with a message naming a JRE 17+ and the LocalStack alternative', async () => {
  const saved = { path: process.env['PATH'], javaHome: process.env['JAVA_HOME'] };
  process.env['PATH'] = '/nonexistent';
  delete process.env['JAVA_HOME'];
  try {
    await expect(startEmulators()).rejects.toThrow(
      /Java 17 or newer[\s\S]*openjdk-17-jre-headless[\s\S]*docker compose up/,
    );
  } finally {
    process.env['PATH'] = saved.path;
    if (saved.javaHome !== undefined) process.env['JAVA_HOME'] = saved.javaHome;
  }
});

/** Every process below `pid` (the emulators' guards, fauxqs and the JVM), from `ps`. */
const descendants = (pid: number): number[] => {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number));
  const found: number[] = [];
  const walk = (parent: number) =>
    rows
      .filter(([, ppid]) => ppid === parent)
      .forEach(([child]) => (found.push(child ?? 0), walk(child ?? 0)));
  walk(pid);
  return found;
};
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm run stack', () => {
  /**
   * Starts `npm run stack` on a free port (and the next one, for its HTTP producer); a port taken by
   * another process between the pick and the bind is tried again on another pair, up to three times.
   */
  const startStack = async (): Promise<{
    port: number;
    child: ReturnType<typeof spawn>;
    output: () => string;
  }> => {
    for (let attempt = 1; ; attempt += 1) {
      const port = await freePort();
      try {
        return { port, ...(await startStackOn(port)) };
      } catch (error) {
        if (attempt >= 3 || !/EADDRINUSE|is taken/.test((error as Error).message)) throw error;
      }
    }
  };
  const startStackOn = async (port: number) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/local/cli.ts', 'stack', '--port', String(port)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    let exitCode: number | null | undefined;
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => (exitCode = code));
    try {
      await pollUntil(
        async () => {
          if (exitCode !== undefined)
            throw new Error(`the stack exited with ${exitCode} before it was ready`);
          return output.includes('Embedded stack ready') ? true : undefined;
        },
        // a shared CI machine can be many times slower than a quiet one to start two JVM-backed emulators
        { timeoutMs: 90_000, what: 'the stack' },
      );
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}; it printed:\n${output}`, { cause: error });
    }
    return { child, output: () => output };
  };
  const listening = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });

  test('prints the endpoint, names and a ready-to-paste AWS CLI line; SIGTERM stops it cleanly', async () => {
    const { port, child, output } = await startStack();
    for (const text of [
      `http://127.0.0.1:${port}/000000000000/user-directory-local-input`,
      'arn:aws:sns:us-east-1:000000000000:user-directory-local-commands',
      'user-directory-local-cache',
      `aws --endpoint-url http://127.0.0.1:${port} --region us-east-1 sqs send-message --queue-url`,
      '--message-body file://events/01-group-created-engineering.json --delay-seconds 1',
    ])
      expect(output()).toContain(text);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(await listening(port)).toBe(false);
  }, 150_000);

  test('no emulator outlives a stack that is killed outright (SIGKILL)', async () => {
    const { port, child } = await startStack();
    expect(await listening(port)).toBe(true);
    const emulators = descendants(child.pid ?? 0);
    // the fauxqs edge, DynamoDB Local's guard and its JVM at least (tsx may add a process in between)
    expect(emulators.length).toBeGreaterThanOrEqual(3);
    child.kill('SIGKILL');
    await pollUntil(async () => ((await listening(port)) || emulators.some(alive) ? undefined : true), {
      timeoutMs: 20_000,
      what: 'every emulator process to go away',
    });
  }, 150_000);
});

test('npm start sends every events/ file, prints the final tables and exits 0', async () => {
  const result = await cli(['start']);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/\[17\/17\] 17-rejected-kinds-disagree\.json -> REJECTED/);
  expect(result.stdout).toMatch(/^Users \(2\)$/m);
  expect(result.stdout).toMatch(/^ana\.souza@example\.com +Ana Paula Souza +Platform Engineering$/m);
  expect(result.stdout).toMatch(/^Platform Engineering +ana\.souza@example\.com, carla@example\.com$/m);
  expect(result.stdout).toMatch(/^Memberships \(3\)$/m);
  expect(result.stdout).toMatch(/^Rejected commands \(6\)$/m);
  expect(result.stdout).not.toMatch(/correct horse|s3cret-pass|rotated-pass/);
}, 120_000);
