/**
 * The default mode (standard queues) under reordered delivery: every events/ file sent in a burst,
 * each held back by the queue for its own delay (SQS DelaySeconds), so they are delivered in another
 * order than sent, within the settle window, ends in the state sending them one by one leaves.
 */
import { sendMessage } from '../../src/adapters/sqs';
import { expandEventFiles, readBody, sendFiles, waitForOutcome } from '../../src/local/client';
import { seededRandom } from '../../src/local/faults';
import { resetStack } from '../../src/local/reset';
import { EVENTS, startTestStack, stateOf, type TestStack } from '../support/e2e';
import { unsafeTestHasher } from '../support/unsafe-kdf';

let shuffled: TestStack;
let oneByOne: TestStack;
beforeAll(async () => {
  [shuffled, oneByOne] = await Promise.all([
    startTestStack({ hasher: unsafeTestHasher(), logLevel: 'SILENT', settleWindowSeconds: 30 }),
    startTestStack({ hasher: unsafeTestHasher(), logLevel: 'SILENT', settleWindowSeconds: 0 }),
  ]);
}, 90_000);
afterAll(async () => {
  await Promise.all([shuffled?.stack.stop(), oneByOne?.stack.stop()]);
});

const files = expandEventFiles([EVENTS]);

/** Sends every file at once, each delayed by the queue for `delays[i]` seconds, and waits for all. */
const burst = async (delays: readonly number[]) => {
  await resetStack(shuffled.target);
  const ids: string[] = [];
  for (const [i, file] of files.entries())
    ids.push(
      await sendMessage(shuffled.target.sqs, shuffled.stack.queueUrls.input, readBody(file), delays[i] ?? 0),
    );
  for (const id of ids) await waitForOutcome(shuffled.target.doc, shuffled.stack.names.table, id, 90_000);
  return stateOf(shuffled);
};

let expected: Awaited<ReturnType<typeof stateOf>>;
beforeAll(async () => {
  await sendFiles(oneByOne.target, files, { wait: true, log: () => undefined });
  expected = await stateOf(oneByOne);
  expect(expected.users.length).toBeGreaterThan(0);
}, 120_000);

test('delivered in reverse send order (the last file first, 1 s apart), the state is the one-by-one state', async () => {
  expect(await burst(files.map((_, i) => files.length - 1 - i))).toEqual(expected);
}, 180_000);

test.each([1, 2, 3])(
  'delivered in a random order (seed %i, delays of 0 to 6 s), the state is the one-by-one state',
  async (seed) => {
    const random = seededRandom(seed);
    expect(await burst(files.map(() => Math.floor(random() * 7)))).toEqual(expected);
  },
  180_000,
);
