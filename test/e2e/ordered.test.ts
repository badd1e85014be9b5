/**
 * The ordered mode (`--mode ordered`): FIFO queues and topic, one message group. A burst of every
 * events/ file, sent without waiting for any outcome, ends exactly as sending them one by one.
 */
import { sendMessage } from '../../src/adapters/sqs';
import { connectRunning, expandEventFiles, sendFiles, waitForOutcome } from '../../src/local/client';
import {
  EVENTS,
  openOrderedTestStack,
  orderedStageMissing,
  openTestStack,
  patience,
  rejectionsOf,
  stateOf,
  type StackUnderTest,
  type TestStack,
} from '../support/e2e';
import { eventsScope, retag } from '../support/scope';
import { testWhere } from '../support/target';
import { unsafeTestHasher } from '../support/unsafe-kdf';

// Target-agnostic: the ordered stack is the target's ordered (FIFO) stage, or a private one; the
// standard stack is the one E2E_ENDPOINT names, or a private one. Each run sends in namespaces of
// its own, and reads states and rejections for those only.

const noOrderedStage = orderedStageMissing();
/** A test on the ordered stage: registered where the target has one, else said not to apply. */
const orderedTest = (title: string, fn: () => Promise<void>, timeoutMs?: number) =>
  testWhere(noOrderedStage === undefined, noOrderedStage ?? '', title, fn, timeoutMs);

let standard: TestStack<StackUnderTest>;
let ordered: TestStack<StackUnderTest> | undefined;
beforeAll(async () => {
  [standard, ordered] = await Promise.all([
    // no settle window: the one-by-one sends wait for each outcome, and 13's rejection comes at once
    openTestStack({ hasher: unsafeTestHasher(), logLevel: 'SILENT', settleWindowSeconds: 0 }),
    noOrderedStage === undefined
      ? openOrderedTestStack({ hasher: unsafeTestHasher(), logLevel: 'SILENT' })
      : Promise.resolve(undefined),
  ]);
}, patience(90_000));
afterAll(async () => {
  await Promise.all([ordered?.stack.stop(), standard?.stack.stop()]);
});

/** The ordered stack (the tests that use it are registered only where the target has one). */
const orderedStack = (): TestStack<StackUnderTest> => {
  if (ordered === undefined) throw new Error('openOrderedTestStack found no ordered stage');
  return ordered;
};

/** Checks that the CLI finds a running stack under the names of the mode it was started in. */
const foundAs = async (t: TestStack<StackUnderTest>, mode: 'ordered' | 'standard') => {
  const target = await connectRunning(t.stack.config, t.stack.names.stage);
  try {
    expect(target.names).toEqual(t.stack.names);
    expect(target.names.mode).toBe(mode);
    expect(await target.queueUrl('cacheDlq')).toBe(t.stack.queueUrls.cacheDlq);
  } finally {
    target.sqs.destroy();
    target.doc.destroy();
  }
};

orderedTest('the ordered stack has FIFO queues and a FIFO topic', async () => {
  const o = orderedStack();
  expect(o.stack.names.mode).toBe('ordered');
  for (const url of Object.values(o.stack.queueUrls)) expect(url).toMatch(/\.fifo$/);
  expect(o.stack.topicArn).toMatch(/\.fifo$/);
});

test(
  'the CLI finds the standard stack under the names of the standard mode',
  () => foundAs(standard, 'standard'),
  patience(30_000),
);

orderedTest(
  'the CLI finds the ordered stack under the names of the ordered mode',
  () => foundAs(orderedStack(), 'ordered'),
  patience(30_000),
);

orderedTest(
  'a burst of every events/ file ends in the same state and rejections as sending them one by one',
  async () => {
    const o = orderedStack();
    const files = expandEventFiles([EVENTS]);
    const oneByOne = eventsScope();
    const burst = eventsScope();
    // the CLI's own path (npm run send): sendMessage gives a FIFO queue's message group and deduplication id
    const sent = await sendFiles(standard.target, files, {
      wait: true,
      log: () => undefined,
      timeoutMs: patience(30_000),
      send: (body) => sendMessage(standard.target.sqs, standard.stack.queueUrls.input, oneByOne.text(body)),
    });
    const bursted = await sendFiles(o.target, files, {
      wait: false,
      log: () => undefined,
      send: (body) => sendMessage(o.target.sqs, o.stack.queueUrls.input, burst.text(body)),
    });
    const ids = bursted.map((s) => s.messageId);
    for (const id of ids) await waitForOutcome(o.target.doc, o.stack.names.table, id, patience(60_000));
    const expected = await stateOf(standard, oneByOne);
    expect(expected.users.length).toBeGreaterThan(0);
    expect(await stateOf(o, burst)).toEqual(retag(expected, oneByOne, burst));
    const sorted = (r: { eventType: string | null; reasons: readonly string[] }[]) =>
      r.map((x) => JSON.stringify(x)).sort();
    const rejected = await rejectionsOf(
      standard,
      sent.map((s) => s.messageId),
    );
    expect(rejected.length).toBeGreaterThan(0);
    expect(sorted(await rejectionsOf(o, ids))).toEqual(sorted(retag(rejected, oneByOne, burst)));
  },
  patience(120_000),
);
