/**
 * `npm run chaos` waits for each command of a universe before it sends the next. A command whose
 * message uses up its receives (faults, kills, a visibility timeout passed under load) sits in a DLQ:
 * the chaos run's waiter redrives it then, as an operator would, so that no later command of the
 * universe is applied ahead of it (the reference model applies them in send order).
 *
 * Target-agnostic: the commands live in this run's namespace, and the DLQs are read for this run's
 * messages only.
 */
import { sendMessage } from '../../src/adapters/sqs';
import { waitForOutcome } from '../../src/local/client';
import { redrivingWaiter } from '../../scripts/chaos/recover';
import {
  openTestStack,
  parkedIn,
  patience,
  stateOf,
  type StackUnderTest,
  type TestStack,
} from '../support/e2e';
import { makeScope } from '../support/scope';
import { unsafeTestHasher } from '../support/unsafe-kdf';

const scope = makeScope([], []);
const TIMEOUT = patience(60_000);

let t: TestStack<StackUnderTest>;
const parked: string[] = [];

beforeAll(async () => {
  t = await openTestStack({ logLevel: 'SILENT', hasher: unsafeTestHasher() });
}, patience(90_000));
afterAll(async () => {
  if (t !== undefined) {
    if (parked.length > 0) await parkedIn(t, t.stack.queueUrls.inputDlq, parked, { remove: true });
    await t.stack.stop();
  }
});

const created = (name: string) =>
  JSON.stringify({
    entityType: 'USER',
    eventType: 'USER_CREATED',
    eventData: { name, email: scope.email(`${name.toLowerCase()}@example.com`), password: 'pw', groups: [] },
  });

test(
  'a command found in the input DLQ is redriven once it is overdue, and its outcome comes under its new id',
  async () => {
    // As if its message had been received three times without an outcome: it is in the DLQ, not the queue.
    const deadLettered = await sendMessage(t.target.sqs, t.stack.queueUrls.inputDlq, created('Dora'));
    parked.push(deadLettered);
    await expect(waitForOutcome(t.target.doc, t.stack.names.table, deadLettered, 1_000)).rejects.toThrow();
    let redriven = 0;
    const waitFor = redrivingWaiter(t.target, { overdueMs: 500, onRedriven: () => (redriven += 1) });
    const { commandId, outcome } = await waitFor(deadLettered, patience(30_000));
    expect(redriven).toBe(1);
    expect(commandId).not.toBe(deadLettered);
    expect(outcome?.status).toBe('APPLIED');
    expect(await parkedIn(t, t.stack.queueUrls.inputDlq, [deadLettered])).toEqual([]);
    expect((await stateOf(t, scope)).users.map((u) => u.name)).toEqual(['Dora']);
  },
  TIMEOUT,
);

test(
  'a command that is in no DLQ is waited for to the end of the wait, and nothing is redriven',
  async () => {
    let redriven = 0;
    const waitFor = redrivingWaiter(t.target, { overdueMs: 300, onRedriven: () => (redriven += 1) });
    const missing = scope.id('never-sent');
    const started = Date.now();
    expect(await waitFor(missing, 1_500)).toEqual({ commandId: missing, outcome: undefined });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(redriven).toBe(0);
  },
  TIMEOUT,
);

test(
  'a command with an outcome within the wait is returned under its own id, and nothing is redriven',
  async () => {
    let redriven = 0;
    const waitFor = redrivingWaiter(t.target, { overdueMs: 300, onRedriven: () => (redriven += 1) });
    const id = await sendMessage(t.target.sqs, t.stack.queueUrls.input, created('Enzo'));
    const { commandId, outcome } = await waitFor(id, patience(30_000));
    expect({ commandId, status: outcome?.status, redriven }).toEqual({
      commandId: id,
      status: 'APPLIED',
      redriven: 0,
    });
  },
  TIMEOUT,
);
