/**
 * The CLI against a running stack: `npm run send -- --wait`, then `state --json` and `rejections
 * --json`, each printing exactly one JSON document on stdout.
 *
 * Target-agnostic: runs on a private embedded stack, or on the stack E2E_ENDPOINT names, with the
 * CLI pointed at that stack's endpoint and stage. The files sent are rewritten into this run's
 * namespace; the state printed is read for the namespace only, the rejections for this run's
 * commands only.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupIdOf } from '../../src/domain/ids';
import { EVENTS, npmRun, openTestStack, patience, type StackUnderTest, type TestStack } from '../support/e2e';
import { makeScope } from '../support/scope';

const scope = makeScope(['Engineering'], []);
const FILES = ['01-group-created-engineering.json', '12-rejected-bad-email.json'];

let t: TestStack<StackUnderTest>;
const tmp = mkdtempSync(join(tmpdir(), 'cli-target-'));
beforeAll(async () => {
  t = await openTestStack({ logLevel: 'SILENT' });
}, patience(60_000));
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await t.stack.stop();
});

/** `npm run <args>` pointed at the stack under test; a shared table's state can be large, hence the buffer. */
const cli = (args: string[]) =>
  npmRun(
    [
      ...args,
      '--endpoint',
      t.stack.config.endpoint,
      '--stage',
      t.stack.names.stage,
      '--region',
      t.stack.config.region,
    ],
    { timeoutMs: patience(60_000), maxBuffer: 256 * 1024 * 1024 },
  );

test(
  'send --wait, then state --json and rejections --json print exactly one JSON document on stdout',
  async () => {
    const files = FILES.map((f) => {
      const file = join(tmp, f);
      writeFileSync(file, scope.text(readFileSync(join(EVENTS, f), 'utf8')));
      return file;
    });
    const sent = await cli(['send', '--', ...files, '--wait']);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(
      /\[01\/02\] 01-group-created-engineering\.json -> APPLIED \(GROUP_CREATED, command [\w-]+\)/,
    );
    // each outcome line names its command: this run's rejection is found by it
    const rejected =
      /\[02\/02\] 12-rejected-bad-email\.json -> REJECTED \(USER_CREATED, command ([\w-]+)\): eventData\.email/.exec(
        sent.stdout,
      )?.[1];
    expect(rejected).toBeDefined();

    const state = await cli(['state', '--', '--json']);
    expect(state.code).toBe(0);
    const printed = JSON.parse(state.stdout) as {
      users: { email: string }[];
      groups: { name: string }[];
    };
    expect({
      users: printed.users.filter((u) => scope.owns(u.email)),
      groups: printed.groups.filter((g) => scope.owns(g.name)),
    }).toEqual({
      users: [],
      groups: [{ name: scope.name('Engineering'), members: [], id: groupIdOf(scope.name('Engineering')) }],
    });

    const rejections = await cli(['rejections', '--', '--json']);
    expect(rejections.code).toBe(0);
    const listed = JSON.parse(rejections.stdout) as { commandId: string }[];
    expect(listed.filter((r) => r.commandId === rejected)).toEqual([
      {
        eventType: 'USER_CREATED',
        entityType: 'USER',
        stage: 'message-handler',
        reasons: ['eventData.email: is not an email address (expected local@domain)'],
        commandId: rejected,
        at: expect.any(String),
      },
    ]);
  },
  patience(90_000),
);
