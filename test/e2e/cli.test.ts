import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startMoto } from '../../src/local/moto';
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

test('a missing moto_server stops with a message naming pip install and the LocalStack alternative', async () => {
  const path = process.env['PATH'];
  process.env['PATH'] = '/nonexistent';
  try {
    await expect(startMoto(45999)).rejects.toThrow(/pip install "moto\[server\]"[\s\S]*docker compose up/);
  } finally {
    process.env['PATH'] = path;
  }
});
