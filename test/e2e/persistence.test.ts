import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCommandRecord } from '../../src/adapters/dynamodb';
import { sendMessage } from '../../src/adapters/sqs';
import { readBody } from '../../src/local/client';
import { EVENTS, sendAndWait, startTestStack, stateOf, rejectionsOf, type TestStack } from '../support/e2e';
import { slowTestHasher, unsafeTestHasher } from '../support/unsafe-kdf';

const hasher = unsafeTestHasher();
/** The cheap KDF made as slow as a real one on a slow machine, so that work is still queued at stop. */
const slowHasher = slowTestHasher(300);
const files = readdirSync(EVENTS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => join(EVENTS, f));
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'stack-data-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const withStack = async <T>(dataDir: string, body: (t: TestStack) => Promise<T>): Promise<T> => {
  const t = await startTestStack({ logLevel: 'SILENT', hasher, dataDir });
  try {
    return await body(t);
  } finally {
    await t.stack.stop();
  }
};

test('a restart with the same --data-dir gives the identical state --json and rejections', async () => {
  const dataDir = tempDir();
  const before = await withStack(dataDir, async (t) => {
    for (const file of files.slice(0, 11)) await sendAndWait(t, readBody(file));
    return { state: await stateOf(t), rejections: await rejectionsOf(t) };
  });
  expect(before.state.users.length).toBeGreaterThan(0);
  expect(before.state.groups.length).toBeGreaterThan(0);
  const after = await withStack(dataDir, async (t) => ({
    state: await stateOf(t),
    rejections: await rejectionsOf(t),
  }));
  expect(after).toEqual(before);
  // and the kept stack goes on: a duplicate name is still refused against the kept table
  const again = await withStack(dataDir, (t) =>
    sendAndWait(t, readBody(join(EVENTS, '14-rejected-taken-group-name.json'))),
  );
  expect(again.outcome.status).toBe('REJECTED');
}, 120_000);

test('a graceful stop drains the queues: every accepted command has its outcome after a restart', async () => {
  const dataDir = tempDir();
  const t = await startTestStack({ logLevel: 'SILENT', hasher: slowHasher, dataDir });
  const sent: string[] = [];
  for (const file of files)
    sent.push(await sendMessage(t.target.sqs, t.stack.queueUrls.input, readBody(file)));
  const outcomes = await Promise.all(
    sent.map((id) => getCommandRecord(t.target.doc, t.stack.names.table, id)),
  );
  const pendingAtStop = outcomes.filter((o) => o === undefined || o.status === 'IN_PROGRESS');
  expect(pendingAtStop.length).toBeGreaterThan(0);
  const report = await t.stack.stop();
  expect(report).toEqual({ drained: true, left: { input: 0, cache: 0, inFlightBatches: 0 } });
  await withStack(dataDir, async (t) => {
    const outcomes = await Promise.all(
      sent.map((id) => getCommandRecord(t.target.doc, t.stack.names.table, id)),
    );
    expect(outcomes.map((o) => o?.status)).toEqual(
      sent.map(() => expect.stringMatching(/^(APPLIED|REJECTED)$/)),
    );
  });
}, 120_000);
