/**
 * The default mode (standard queues) under reordered delivery: every events/ file sent in a burst,
 * each held back by the queue for its own delay (SQS DelaySeconds), so they are delivered in another
 * order than sent, within the settle window, ends in the state sending them one by one leaves.
 */
import { sendMessage } from '../../src/adapters/sqs';
import { expandEventFiles, readBody, sendFiles, shortName, waitForOutcome } from '../../src/local/client';
import { seededRandom } from '../../src/local/faults';
import {
  EVENTS,
  openTestStack,
  settleWindowUnderTest,
  patience,
  stateOf,
  type StackUnderTest,
  type TestStack,
} from '../support/e2e';
import { eventsScope, type Scope, retag } from '../support/scope';
import { testWhere } from '../support/target';
import { unsafeTestHasher } from '../support/unsafe-kdf';

// Target-agnostic: one stack (a private one, or the one E2E_ENDPOINT names); the one-by-one
// reference and each burst live in a namespace of their own, so none sees another's entities.
/** A private stack's window: long enough for delays of 0 to 5 s inside it, with as much to spare. */
const PRIVATE_WINDOW = 10;
/** The settle window of the stack under test (t.stack.settleWindowSeconds), known before it is opened. */
const WINDOW = settleWindowUnderTest(PRIVATE_WINDOW);
/**
 * The longest queue delay: half the window, so that a command delivered before one sent earlier that
 * creates what it names is still waiting, well inside the window, when that one arrives.
 */
const MAX_DELAY = Math.floor(WINDOW / 2);
const REORDERS = `the settle window (${WINDOW} s) leaves no room for a queue delay of 1 s in its first half`;

let t: TestStack<StackUnderTest>;
beforeAll(async () => {
  t = await openTestStack({
    settleWindowSeconds: PRIVATE_WINDOW,
    hasher: unsafeTestHasher(),
    logLevel: 'SILENT',
  });
}, patience(90_000));
afterAll(async () => {
  await t?.stack.stop();
});

const files = expandEventFiles([EVENTS]);
type State = Awaited<ReturnType<typeof stateOf>>;

/** The state sending every file one by one, each waited for, leaves (in a namespace of its own). */
let reference: Promise<{ scope: Scope; state: State; statuses: readonly (string | undefined)[] }> | undefined;
const oneByOne = () =>
  (reference ??= (async () => {
    const scope = eventsScope();
    const sent = await sendFiles(t.target, files, {
      wait: true,
      log: () => undefined,
      timeoutMs: patience(30_000),
      send: (body) => sendMessage(t.target.sqs, t.stack.queueUrls.input, scope.text(body)),
    });
    return { scope, state: await stateOf(t, scope), statuses: sent.map((r) => r.status) };
  })());

/** A file's command, or nothing for a body that is not JSON (one file is broken on purpose). */
const parsedOrEmpty = (text: string): { eventType?: unknown; eventData?: { name?: unknown } } => {
  try {
    return JSON.parse(text) as { eventType?: unknown; eventData?: { name?: unknown } };
  } catch {
    return {};
  }
};

/**
 * The files' outcomes, by file; files that create one group name share one entry, their outcomes in
 * any order: which of two such commands is refused is not kept in send order (docs/ordering.md, "Not guaranteed"), only that one of them is.
 */
const outcomesByClaim = (
  statuses: readonly (string | undefined)[],
): Record<string, (string | undefined)[]> => {
  const byKey: Record<string, (string | undefined)[]> = {};
  files.forEach((file, i) => {
    const body = parsedOrEmpty(readBody(file));
    const creates = body.eventType === 'GROUP_CREATED' && typeof body.eventData?.name === 'string';
    const key = creates ? `GROUP_CREATED ${String(body.eventData?.name)}` : shortName(file);
    (byKey[key] ??= []).push(statuses[i]);
  });
  return Object.fromEntries(Object.entries(byKey).map(([key, list]) => [key, [...list].sort()]));
};

/**
 * Sends every file at once, in a fresh namespace, each delayed by the queue for `delays[i]` seconds,
 * waits for every outcome and checks the state against the one-by-one state read in that namespace.
 */
const burst = async (delays: readonly number[]) => {
  expect(delays).toHaveLength(files.length);
  expect(Math.max(...delays)).toBeLessThanOrEqual(t.stack.settleWindowSeconds / 2);
  const expected = await oneByOne();
  expect(expected.state.users.length).toBeGreaterThan(0);
  const scope = eventsScope();
  const ids: string[] = [];
  for (const [i, file] of files.entries())
    ids.push(
      await sendMessage(t.target.sqs, t.stack.queueUrls.input, scope.text(readBody(file)), delays[i] ?? 0),
    );
  const outcomes = [];
  for (const id of ids)
    outcomes.push(await waitForOutcome(t.target.doc, t.stack.names.table, id, patience(90_000)));
  // Each file's outcome as it stands once all are in (a yield turns a later command's into REJECTED),
  // with the reasons where it differs from the one-by-one run's: a failure says which command and why.
  const final = await Promise.all(ids.map((id) => waitForOutcome(t.target.doc, t.stack.names.table, id)));
  const want = outcomesByClaim(expected.statuses);
  const got = outcomesByClaim(final.map((o) => o.status));
  const reasons = outcomesByClaim(final.map((o) => `${o.status}: ${(o.reasons ?? []).join(' | ')}`));
  const shown = Object.fromEntries(
    Object.entries(got).map(([key, list]) => [
      key,
      JSON.stringify(list) === JSON.stringify(want[key]) ? list : reasons[key],
    ]),
  );
  expect({ outcomes: shown, state: await stateOf(t, scope) }).toEqual({
    outcomes: want,
    state: retag(expected.state, expected.scope, scope),
  });
  return outcomes;
};

testWhere(
  MAX_DELAY >= 1,
  REORDERS,
  `delivered in reverse send order (the last file first, delays of ${MAX_DELAY} down to 0 s), the state is the one-by-one state`,
  async () => {
    // non-increasing in send order, every whole second from MAX_DELAY down to 0 taken
    const delays = files.map((_, i) => Math.floor(((files.length - 1 - i) * (MAX_DELAY + 1)) / files.length));
    expect(new Set(delays).size).toBe(MAX_DELAY + 1);
    delays.forEach((d, i) => expect(d).toBeLessThanOrEqual(delays[i - 1] ?? d));
    const outcomes = await burst(delays);
    // the queue did hold them back: the first file sent had its outcome after the last one
    expect(Date.parse(outcomes[0]?.at ?? '')).toBeGreaterThan(Date.parse(outcomes.at(-1)?.at ?? ''));
  },
  patience(240_000),
);

describe.each([1, 2, 3])('seed %i', (seed) => {
  testWhere(
    MAX_DELAY >= 1,
    REORDERS,
    `delivered in a random order (delays of 0 to ${MAX_DELAY} s), the state is the one-by-one state`,
    async () => {
      const random = seededRandom(seed);
      const delays = files.map(() => Math.floor(random() * (MAX_DELAY + 1)));
      expect(new Set(delays).size).toBeGreaterThan(1);
      await burst(delays);
    },
    patience(180_000),
  );
});
