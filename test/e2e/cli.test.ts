import { execFile, execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pollUntil } from '../../src/adapters/poll-until';
import { startEmulators } from '../../src/local/emulators';
import { freePort } from '../../src/local/ports';
import { ROOT, SEEDS, EVENTS, startTestStack, type TestStack } from '../support/e2e';

const run = promisify(execFile);
const cli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  run('npm', ['run', ...args], { cwd: ROOT, env, timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

describe('npm run validate', () => {
  test('prints each verdict with every reason and exits 1 when a file is rejected', async () => {
    const result = await cli(['validate', '--', join(SEEDS, 'by-id')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^OK {8}.*GROUP_CREATED_ADM\.json\n {10}\{"type":"GROUP_CREATED","name":"Administrators"\}$/m,
    );
    expect(result.stdout).toMatch(
      /^REJECTED {2}.*USER_DELETED\.json\n {10}- eventData\.id: must be a user id/m,
    );
    expect(result.stdout).toContain('"password":"***"');
    expect(result.stdout).not.toContain('hardpass');
  });

  test('exits 0 when every file is accepted', async () => {
    const result = await cli([
      'validate',
      '--',
      join(EVENTS, '01-group-created-engineering.json'),
      join(EVENTS, '04-user-created-ana.json'),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/^OK /gm)).toHaveLength(2);
  });
});

describe('the command line of each command', () => {
  const file = join(EVENTS, '01-group-created-engineering.json');

  test('an unknown option is named on stderr with the usage of its command, exit 2, and swallows no file', async () => {
    const options = ['--bogus', '--quiet'];
    const results = await Promise.all(options.map((option) => cli(['validate', '--', option, file])));
    for (const [i, result] of results.entries()) {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`error: unknown option '${options[i] ?? ''}'`);
      expect(result.stderr).toContain('usage: npm run validate -- <file|dir>... [options]');
      expect(result.stderr).not.toContain('needs at least one file');
      expect(result.stdout).toBe('');
    }
  }, 60_000);

  test('a missing file argument and a port that is no port are usage errors too, exit 2', async () => {
    const [noFile, badPort] = await Promise.all([cli(['validate']), cli(['stack', '--', '--port', '70000'])]);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('error: validate needs at least one file or directory');
    expect(noFile.stderr).toContain('usage: npm run validate --');
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain("error: --port must be an integer from 1 to 65535, got '70000'");
    expect(badPort.stderr).toContain('usage: npm run stack -- [options]');
    expect(badPort.stdout).toBe('');
  }, 60_000);

  test('--help prints the usage of that command with its options on stdout, exit 0', async () => {
    const [state, demo] = await Promise.all([cli(['state', '--', '--help']), cli(['start', '--', '--help'])]);
    expect(state.code).toBe(0);
    expect(state.stdout).toMatch(/^usage: npm run state -- \[options\]$/m);
    for (const option of ['--json', '--endpoint URL', '--stage NAME', '--region R'])
      expect(state.stdout).toContain(option);
    expect(demo.code).toBe(0);
    for (const option of ['--verbose', '--events PATH']) expect(demo.stdout).toContain(option);
  }, 60_000);
});

describe('the CLI against a running stack', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack({ logLevel: 'SILENT' });
  }, 60_000);
  afterAll(() => t.stack.stop());

  test('send --wait, then state --json and rejections --json print exactly one JSON document on stdout', async () => {
    const endpoint = ['--endpoint', t.stack.config.endpoint];
    const sent = await cli([
      'send',
      '--',
      join(EVENTS, '01-group-created-engineering.json'),
      join(EVENTS, '12-rejected-bad-email.json'),
      '--wait',
      ...endpoint,
    ]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/\[01\/02\] 01-group-created-engineering\.json -> APPLIED \(GROUP_CREATED\)/);
    expect(sent.stdout).toMatch(
      /\[02\/02\] 12-rejected-bad-email\.json -> REJECTED \(USER_CREATED\): eventData\.email/,
    );
    const state = await cli(['state', '--', '--json', ...endpoint]);
    expect(JSON.parse(state.stdout)).toEqual({
      users: [],
      groups: [{ name: 'Engineering', members: [], id: expect.any(String) }],
    });
    const rejections = await cli(['rejections', '--', '--json', ...endpoint]);
    expect(JSON.parse(rejections.stdout)).toEqual([
      expect.objectContaining({
        eventType: 'USER_CREATED',
        reasons: ['eventData.email: is not an email address (expected local@domain)'],
      }),
    ]);
  }, 90_000);
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
