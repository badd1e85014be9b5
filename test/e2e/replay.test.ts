/**
 * `npm run replay -- <commandId>` against a running stack: one command moved back from the input DLQ
 * and applied, this run's other DLQ messages left where they were, a rejected or unknown command
 * refused with the reason, printed lines free of eventData; and the cache DLQ that `npm run dev`
 * keeps across restarts (command events only, never a plaintext password), replayed by command id.
 *
 * Target-agnostic: runs on a private embedded stack, or on the stack E2E_ENDPOINT names, whose DLQs
 * may hold other runs' messages. Users, groups and command ids live in this run's namespace; the DLQs
 * are read for this run's messages only, which are removed from them at the end.
 * `npm run reset` (it empties a whole stack) is tested in cli.test.ts, on a stack of its own.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { sendMessage } from '../../src/adapters/sqs';
import { groupIdOf } from '../../src/domain/ids';
import { readBody, waitForOutcome } from '../../src/local/client';
import { restoreCacheDlq, saveCacheDlq } from '../../src/local/dlq-store';
import { replay } from '../../src/local/replay';
import {
  EVENTS,
  openTestStack,
  parkedIn,
  patience,
  queueDepth,
  sendAndWait,
  stateOf,
  type StackUnderTest,
  type TestStack,
} from '../support/e2e';
import { makeScope } from '../support/scope';
import { unsafeTestHasher } from '../support/unsafe-kdf';

const scope = makeScope(['Kept'], []);
const WAIT = patience(20_000);
const TIMEOUT = patience(60_000);

let t: TestStack<StackUnderTest>;
const tmp = mkdtempSync(join(tmpdir(), 'replay-'));
/** The command ids of the messages this run put in each DLQ: whatever is left of them goes at the end. */
const parked = { inputDlq: [] as string[], cacheDlq: [] as string[] };
let ownQueueUrl: string | undefined;

beforeAll(async () => {
  t = await openTestStack({ logLevel: 'SILENT', hasher: unsafeTestHasher() });
}, patience(90_000));
afterAll(async () => {
  if (t !== undefined) {
    for (const dlq of ['inputDlq', 'cacheDlq'] as const)
      if (parked[dlq].length > 0) await messagesOf(t.stack.queueUrls[dlq], parked[dlq], { remove: true });
    if (ownQueueUrl !== undefined)
      await t.target.sqs.send(new DeleteQueueCommand({ QueueUrl: ownQueueUrl })).catch(() => undefined);
    await t.stack.stop();
  }
  rmSync(tmp, { recursive: true, force: true });
});

const messagesOf = (url: string, commandIds: readonly string[], options?: { remove?: boolean }) =>
  parkedIn(t, url, commandIds, options);

const user = (name: string) =>
  JSON.stringify({
    entityType: 'USER',
    eventType: 'USER_CREATED',
    eventData: {
      name,
      email: scope.email(`${name.toLowerCase()}@example.com`),
      password: `pw-of-${name}`,
      groups: [],
    },
  });

test(
  'replay <commandId> moves that command from the input DLQ and it is applied; others stay',
  async () => {
    const { queueUrls } = t.stack;
    const ids: string[] = [];
    for (const name of ['Alpha', 'Bravo', 'Charlie']) {
      ids.push(await sendMessage(t.target.sqs, queueUrls.inputDlq, user(name)));
      parked.inputDlq.push(ids.at(-1) ?? '');
    }
    expect(await messagesOf(queueUrls.inputDlq, ids)).toEqual([...ids].sort());
    const lines: string[] = [];
    expect(await replay(t.target, { commandId: ids[1] ?? '' }, (l) => lines.push(l))).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`USER_CREATED, command ${ids[1]}, message ${ids[1]} -> `);
    expect(lines.join('\n')).not.toMatch(/pw-of|bravo|eventData/i);
    const newId = /-> ([^,]+)/.exec(lines[0] ?? '')?.[1] ?? '';
    expect((await waitForOutcome(t.target.doc, t.stack.names.table, newId, WAIT)).status).toBe('APPLIED');
    expect((await stateOf(t, scope)).users.map((u) => u.name)).toEqual(['Bravo']);
    const others = [ids[0] ?? '', ids[2] ?? ''].sort();
    expect(await messagesOf(queueUrls.inputDlq, ids)).toEqual(others);
    // a shared stack's DLQ must not fill up run after run
    expect(await messagesOf(queueUrls.inputDlq, ids, { remove: true })).toEqual(others);
    expect(await messagesOf(queueUrls.inputDlq, ids)).toEqual([]);
  },
  TIMEOUT,
);

test(
  'a rejected or unknown command cannot be replayed, and replay says why',
  async () => {
    const { messageId } = await sendAndWait(
      t,
      scope.text(readBody(join(EVENTS, '12-rejected-bad-email.json'))),
    );
    const lines: string[] = [];
    expect(await replay(t.target, { commandId: messageId }, (l) => lines.push(l))).toBe(1);
    expect(lines.join('\n')).toMatch(/cannot be replayed: it was rejected.*not its message/);
    expect(await replay(t.target, { commandId: scope.id('no-such-command') }, (l) => lines.push(l))).toBe(1);
    expect(lines.at(-1)).toMatch(/in neither DLQ and has no outcome/);
  },
  TIMEOUT,
);

// saveCacheDlq reads a whole queue (and hides what it read for a minute): on a shared stack the
// cache DLQ may hold other runs' messages, so the save reads a queue of this run's own, and the
// restore puts the kept event into the stack's cache DLQ, where replay finds it.
test(
  'the cache DLQ kept by dev: command events only (mode 600), never a plaintext password',
  async () => {
    const keptId = scope.id('kept-1');
    const created = await t.target.sqs.send(new CreateQueueCommand({ QueueName: `kept-dlq-${scope.tag}` }));
    ownQueueUrl = created.QueueUrl ?? '';
    const event = JSON.stringify({
      schema: 'user-directory.command.v1',
      commandId: keptId,
      sentAt: '2026-01-01T00:00:00.000Z',
      command: { type: 'GROUP_CREATED', name: scope.name('Kept') },
    });
    await sendMessage(t.target.sqs, ownQueueUrl, event, 0, { commandId: keptId });
    await sendMessage(t.target.sqs, ownQueueUrl, user('Delta'));
    const file = join(tmp, 'cache-dlq.json');
    expect(await saveCacheDlq(t.target.sqs, ownQueueUrl, file)).toEqual({ saved: 1, dropped: 1 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toMatch(/pw-of|Delta/);
    // the save leaves what it read in the queue, hidden
    expect(await queueDepth(t, ownQueueUrl)).toBe(2);
    parked.cacheDlq.push(keptId);
    expect(await restoreCacheDlq(t.target.sqs, t.stack.queueUrls.cacheDlq, file)).toBe(1);
    expect(existsSync(file)).toBe(false);
    const lines: string[] = [];
    expect(await replay(t.target, { commandId: keptId }, (l) => lines.push(l))).toBe(0);
    expect(lines).toEqual([
      expect.stringContaining(
        `moved from ${t.target.names.queues.cacheDlq}: GROUP_CREATED, command ${keptId}`,
      ),
    ]);
    expect((await waitForOutcome(t.target.doc, t.stack.names.table, keptId, WAIT)).status).toBe('APPLIED');
    expect((await stateOf(t, scope)).groups).toEqual([
      { name: scope.name('Kept'), members: [], id: groupIdOf(scope.name('Kept')) },
    ]);
    expect(await messagesOf(t.stack.queueUrls.cacheDlq, [keptId])).toEqual([]);
  },
  TIMEOUT,
);
