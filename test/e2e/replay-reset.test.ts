/**
 * `npm run replay -- <commandId>` and `npm run reset` against a running embedded stack: one command
 * moved back from the input DLQ and applied, the other DLQ messages left where they were, a rejected
 * or unknown command refused with the reason, printed lines free of eventData; then everything
 * emptied, and a non-loopback endpoint refused before any request.
 */
import { listRejections } from '../../src/adapters/dynamodb';
import { queueAttributes, sendMessage } from '../../src/adapters/sqs';
import { connect, readBody, waitForOutcome } from '../../src/local/client';
import { replay } from '../../src/local/replay';
import { resetStack } from '../../src/local/reset';
import { EVENTS, sendAndWait, startTestStack, stateOf, type TestStack } from '../support/e2e';
import { unsafeTestHasher } from '../support/unsafe-kdf';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { restoreCacheDlq, saveCacheDlq } from '../../src/local/dlq-store';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ logLevel: 'SILENT', hasher: unsafeTestHasher() });
}, 90_000);
afterAll(async () => {
  await t.stack.stop();
});

const count = async (url: string) => {
  const a = await queueAttributes(t.target.sqs, url);
  return Number(a['ApproximateNumberOfMessages']) + Number(a['ApproximateNumberOfMessagesNotVisible']);
};
const user = (name: string) =>
  JSON.stringify({
    entityType: 'USER',
    eventType: 'USER_CREATED',
    eventData: { name, email: `${name.toLowerCase()}@example.com`, password: `pw-of-${name}`, groups: [] },
  });

test('replay <commandId> moves that command from the input DLQ and it is applied; others stay', async () => {
  const { queueUrls } = t.stack;
  const ids = [];
  for (const name of ['Alpha', 'Bravo', 'Charlie'])
    ids.push(await sendMessage(t.target.sqs, queueUrls.inputDlq, user(name)));
  const lines: string[] = [];
  expect(await replay(t.target, { commandId: ids[1] ?? '' }, (l) => lines.push(l))).toBe(0);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`USER_CREATED, command ${ids[1]}, message ${ids[1]} -> `);
  expect(lines.join('\n')).not.toMatch(/pw-of|bravo|eventData/i);
  const newId = /-> ([^,]+)/.exec(lines[0] ?? '')?.[1] ?? '';
  expect((await waitForOutcome(t.target.doc, t.stack.names.table, newId)).status).toBe('APPLIED');
  expect((await stateOf(t)).users.map((u) => u.name)).toEqual(['Bravo']);
  expect(await count(queueUrls.inputDlq)).toBe(2);
}, 60_000);

test('a rejected or unknown command cannot be replayed, and replay says why', async () => {
  const { messageId } = await sendAndWait(t, readBody(join(EVENTS, '12-rejected-bad-email.json')));
  const lines: string[] = [];
  expect(await replay(t.target, { commandId: messageId }, (l) => lines.push(l))).toBe(1);
  expect(lines.join('\n')).toMatch(/cannot be replayed: it was rejected.*not its message/);
  expect(await replay(t.target, { commandId: 'no-such-command' }, (l) => lines.push(l))).toBe(1);
  expect(lines.at(-1)).toMatch(/in neither DLQ and has no outcome/);
}, 60_000);

test('the cache DLQ kept by dev: command events only (mode 600), never a plaintext password', async () => {
  const url = t.stack.queueUrls.cacheDlq;
  const event = JSON.stringify({
    schema: 'user-directory.command.v1',
    commandId: 'kept-1',
    sentAt: '2026-01-01T00:00:00.000Z',
    command: { type: 'GROUP_CREATED', name: 'Kept' },
  });
  await sendMessage(t.target.sqs, url, event, 0, { commandId: 'kept-1' });
  await sendMessage(t.target.sqs, url, user('Delta'));
  const file = join(mkdtempSync(join(tmpdir(), 'dlq-store-')), 'cache-dlq.json');
  expect(await saveCacheDlq(t.target.sqs, url, file)).toEqual({ saved: 1, dropped: 1 });
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(readFileSync(file, 'utf8')).not.toMatch(/pw-of|Delta/);
  // the read messages are hidden for a minute: the restored copy is the one replay finds
  expect(await restoreCacheDlq(t.target.sqs, url, file)).toBe(1);
  expect(existsSync(file)).toBe(false);
  const lines: string[] = [];
  expect(await replay(t.target, { commandId: 'kept-1' }, (l) => lines.push(l))).toBe(0);
  expect((await waitForOutcome(t.target.doc, t.stack.names.table, 'kept-1')).status).toBe('APPLIED');
  rmSync(dirname(file), { recursive: true, force: true });
}, 60_000);

test('reset empties the queues and the table; it refuses an endpoint off loopback', async () => {
  await sendMessage(t.target.sqs, t.stack.queueUrls.cacheDlq, '{}');
  expect((await stateOf(t)).users.length).toBeGreaterThan(0);
  const report = await resetStack(t.target);
  expect(report.items).toBeGreaterThan(0);
  expect(report.queues).toHaveLength(4);
  expect(await stateOf(t)).toEqual({ users: [], groups: [] });
  expect(await listRejections(t.target.doc, t.stack.names.table)).toEqual([]);
  for (const url of Object.values(t.stack.queueUrls)) expect(await count(url)).toBe(0);
  // the stack goes on after a reset
  const { outcome } = await sendAndWait(t, readBody(join(EVENTS, '01-group-created-engineering.json')));
  expect(outcome.status).toBe('APPLIED');
  const remote = connect({ region: 'eu-west-1', endpoint: 'https://sqs.eu-west-1.amazonaws.com' }, 'prod');
  await expect(resetStack(remote)).rejects.toThrow(/refusing to reset/);
  remote.sqs.destroy();
  remote.doc.destroy();
}, 60_000);
