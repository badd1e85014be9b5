/**
 * The ordered mode (`--mode ordered`): FIFO queues and topic, one message group. A burst of every
 * events/ file, sent without waiting for any outcome, ends exactly as sending them one by one.
 */
import { sendMessage } from '../../src/adapters/sqs';
import {
  connectRunning,
  expandEventFiles,
  readBody,
  sendFiles,
  waitForOutcome,
} from '../../src/local/client';
import { EVENTS, rejectionsOf, startTestStack, stateOf, type TestStack } from '../support/e2e';
import { unsafeTestHasher } from '../support/unsafe-kdf';

let ordered: TestStack;
let standard: TestStack;
beforeAll(async () => {
  [ordered, standard] = await Promise.all([
    startTestStack({ hasher: unsafeTestHasher(), logLevel: 'SILENT', mode: 'ordered' }),
    startTestStack({ hasher: unsafeTestHasher(), logLevel: 'SILENT', settleWindowSeconds: 0 }),
  ]);
}, 90_000);
afterAll(async () => {
  await Promise.all([ordered?.stack.stop(), standard?.stack.stop()]);
});

test('the ordered stack has FIFO queues and a FIFO topic', () => {
  expect(ordered.stack.names.mode).toBe('ordered');
  for (const url of Object.values(ordered.stack.queueUrls)) expect(url).toMatch(/\.fifo$/);
  expect(ordered.stack.topicArn).toMatch(/\.fifo$/);
});

test('the CLI finds each running stack under the names of the mode it was started in', async () => {
  for (const [t, mode] of [
    [ordered, 'ordered'],
    [standard, 'standard'],
  ] as const) {
    const target = await connectRunning(t.stack.config, t.stack.names.stage);
    expect(target.names).toEqual(t.stack.names);
    expect(target.names.mode).toBe(mode);
    expect(await target.queueUrl('cacheDlq')).toBe(t.stack.queueUrls.cacheDlq);
    target.sqs.destroy();
    target.doc.destroy();
  }
});

test('a burst of every events/ file ends in the same state and rejections as sending them one by one', async () => {
  const files = expandEventFiles([EVENTS]);
  await sendFiles(standard.target, files, { wait: true, log: () => undefined });
  const ids: string[] = [];
  for (const file of files)
    ids.push(await sendMessage(ordered.target.sqs, ordered.stack.queueUrls.input, readBody(file)));
  for (const id of ids) await waitForOutcome(ordered.target.doc, ordered.stack.names.table, id, 60_000);
  expect(await stateOf(ordered)).toEqual(await stateOf(standard));
  const sorted = (r: { eventType: string | null; reasons: readonly string[] }[]) =>
    r.map((x) => JSON.stringify(x)).sort();
  expect(sorted(await rejectionsOf(ordered))).toEqual(sorted(await rejectionsOf(standard)));
  expect((await stateOf(ordered)).users.length).toBeGreaterThan(0);
}, 120_000);
