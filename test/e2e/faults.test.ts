import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { queueAttributes } from '../../src/adapters/sqs';
import { readBody } from '../../src/local/client';
import { FAULT_KINDS, makeFaultInjector, seededRandom } from '../../src/local/faults';
import { EVENTS, rejectionsOf, sendAndWait, startTestStack, stateOf, type TestStack } from '../support/e2e';
import { unsafeTestHasher } from '../support/unsafe-kdf';

const files = readdirSync(EVENTS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => join(EVENTS, f));

/** Sends events/ file by file, each waited for, and returns the directory and the rejections. */
const runScenario = async (t: TestStack) => {
  for (const file of files) await sendAndWait(t, readBody(file));
  return { state: await stateOf(t), rejections: await rejectionsOf(t) };
};

test('the seeded generator repeats itself and spreads over [0, 1)', () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const draws = Array.from({ length: 1000 }, () => a());
  expect(Array.from({ length: 1000 }, () => b())).toEqual(draws);
  expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
  expect(Math.max(...draws)).toBeLessThan(1);
  expect(draws.filter((x) => x < 0.1).length).toBeGreaterThan(50);
});

test('events/ under injected faults (every kind, on the handlers, pollers and producer) ends as without faults', async () => {
  const clean = await startTestStack({ logLevel: 'SILENT', hasher: unsafeTestHasher() });
  let expected;
  try {
    expected = await runScenario(clean);
  } finally {
    await clean.stack.stop();
  }
  const faults = makeFaultInjector({ rate: 0.15, seed: 7 });
  const faulty = await startTestStack({
    logLevel: 'SILENT',
    hasher: unsafeTestHasher(),
    handlerPlugins: [faults.plugin],
    visibilityTimeoutSeconds: 2,
  });
  try {
    expect(await runScenario(faulty)).toEqual(expected);
    const { calls, byKind } = faults.counts();
    const injected = FAULT_KINDS.reduce((n, k) => n + byKind[k], 0);
    expect(injected / calls).toBeGreaterThan(0.05);
    for (const kind of FAULT_KINDS) expect(byKind[kind]).toBeGreaterThan(0);
    for (const dlq of [faulty.stack.queueUrls.inputDlq, faulty.stack.queueUrls.cacheDlq])
      expect((await queueAttributes(faulty.target.sqs, dlq))['ApproximateNumberOfMessages']).toBe('0');
  } finally {
    await faulty.stack.stop();
  }
}, 180_000);
