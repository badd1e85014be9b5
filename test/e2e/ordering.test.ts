/**
 * Delivery out of send order on the default (standard queue) mode: a command naming an entity whose
 * creating command is still on its way waits for it, within the settle window; commands on one user
 * or group take effect as in send order, field by field, whatever order they are delivered in.
 */
import { sendMessage } from '../../src/adapters/sqs';
import { waitForOutcome } from '../../src/local/client';
import {
  openTestStack,
  settleWindowUnderTest,
  patience,
  parkedIn,
  rejectionsOf,
  stateOf,
  type StackUnderTest,
  type TestStack,
} from '../support/e2e';
import { makeScope } from '../support/scope';
import { testWhere } from '../support/target';
import { unsafeTestHasher } from '../support/unsafe-kdf';

// Target-agnostic: runs on a private embedded stack, or on the stack E2E_ENDPOINT names, with names
// and emails in this run's namespace. The waits counted in the handlers' log lines (past
// maxReceiveCount tries) are in embedded-internals.test.ts.
const scope = makeScope(['Late Group', 'Order Group', 'History Old', 'History New', 'Never'], []);
const WAIT = patience(30_000);
/** A private stack's window: a hold-back of 3 s inside it, with as much to spare. */
const PRIVATE_WINDOW = 6;
/** The settle window of the stack under test (t.stack.settleWindowSeconds), known before it is opened. */
const WINDOW = settleWindowUnderTest(PRIVATE_WINDOW);

let t: TestStack<StackUnderTest>;
beforeAll(async () => {
  t = await openTestStack({
    hasher: unsafeTestHasher(),
    logLevel: 'SILENT',
    settleWindowSeconds: PRIVATE_WINDOW,
  });
}, patience(60_000));
afterAll(async () => {
  await t?.stack.stop();
});

/**
 * How long the queue holds a command back (SQS DelaySeconds) so that one sent after it is delivered
 * first: half the settle window (at least 1 s), so that it lands well inside it.
 */
const holdBack = () => Math.max(1, Math.floor(t.stack.settleWindowSeconds / 2));
const send = (body: object, delaySeconds = 0) =>
  sendMessage(t.target.sqs, t.stack.queueUrls.input, JSON.stringify(body), delaySeconds);
/** Sends a command that the queue holds back, so that one sent after it is delivered first. */
const sendHeldBack = (body: object) => send(body, holdBack());
const outcomeOf = (id: string) => waitForOutcome(t.target.doc, t.stack.names.table, id, WAIT);
const usersOf = async () => (await stateOf(t, scope)).users;

testWhere(
  WINDOW >= 2,
  `a settle window of ${WINDOW} s leaves no room for a queue delay of 1 s in its first half`,
  'a user naming a group sent after it (delivered later, inside the window) waits for the group and joins it',
  async () => {
    const user = await send({
      entityType: 'USER',
      eventType: 'USER_CREATED',
      eventData: {
        name: 'Early Bird',
        email: scope.email('early@example.com'),
        password: 'pw-early',
        groups: [scope.name('Late Group')],
      },
    });
    // Sent next but held back by the queue: the user is delivered first and finds no such group.
    const group = await sendHeldBack({
      entityType: 'GROUP',
      eventType: 'GROUP_CREATED',
      eventData: { name: scope.name('Late Group') },
    });
    const [created, joined] = await Promise.all([outcomeOf(group), outcomeOf(user)]);
    expect([created.status, joined.status]).toEqual(['APPLIED', 'APPLIED']);
    // it waited for the group: its outcome came after the group's
    expect(Date.parse(joined.at)).toBeGreaterThan(Date.parse(created.at));
    expect(await usersOf()).toEqual([
      expect.objectContaining({
        email: scope.email('early@example.com'),
        groups: [scope.name('Late Group')],
      }),
    ]);
    // and no copy of it went to the cache DLQ (which other runs on a shared stack may use)
    expect(await parkedIn(t, t.stack.queueUrls.cacheDlq, [user])).toEqual([]);
  },
  patience(60_000),
);

test(
  'two updates of one user delivered out of send order leave what send order leaves, field by field',
  async () => {
    const email = scope.email('order@example.com');
    const created = await send({
      entityType: 'USER',
      eventType: 'USER_CREATED',
      eventData: { name: 'Order Test', email, password: 'pw-order', groups: [] },
    });
    const group = await send({
      entityType: 'GROUP',
      eventType: 'GROUP_CREATED',
      eventData: { name: scope.name('Order Group') },
    });
    for (const id of [created, group]) expect((await outcomeOf(id)).status).toBe('APPLIED');
    // Sent first but held back by the queue, so it is delivered after the one sent next.
    const first = await sendHeldBack({
      entityType: 'USER',
      eventType: 'USER_UPDATED',
      eventData: { email, name: 'Sent First', groups: [scope.name('Order Group')] },
    });
    const second = await send({
      entityType: 'USER',
      eventType: 'USER_UPDATED',
      eventData: { email, name: 'Sent Second' },
    });
    const outcomes = await Promise.all([second, first].map(outcomeOf));
    expect(outcomes.map((o) => o.status)).toEqual(['APPLIED', 'APPLIED']);
    expect(Date.parse(outcomes[1]?.at ?? '')).toBeGreaterThan(Date.parse(outcomes[0]?.at ?? ''));
    // The name is the second one's (sent last); the groups, which only the first gave, are the first one's.
    expect(await usersOf()).toContainEqual(
      expect.objectContaining({ email, name: 'Sent Second', groups: [scope.name('Order Group')] }),
    );
  },
  patience(60_000),
);

test(
  'a user joining a group by the name it had when sent, delivered after a later rename, joins the renamed group',
  async () => {
    const group = await send({
      entityType: 'GROUP',
      eventType: 'GROUP_CREATED',
      eventData: { name: scope.name('History Old') },
    });
    expect((await outcomeOf(group)).status).toBe('APPLIED');
    // Sent first but held back by the queue: the rename sent next is applied before it.
    const user = await sendHeldBack({
      entityType: 'USER',
      eventType: 'USER_CREATED',
      eventData: {
        name: 'Histo',
        email: scope.email('histo@example.com'),
        password: 'pw-histo',
        groups: [scope.name('History Old')],
      },
    });
    const rename = await send({
      entityType: 'GROUP',
      eventType: 'GROUP_UPDATED',
      eventData: { currentName: scope.name('History Old'), name: scope.name('History New') },
    });
    const [renamed, created] = await Promise.all([rename, user].map(outcomeOf));
    expect([renamed?.status, created?.status]).toEqual(['APPLIED', 'APPLIED']);
    expect(Date.parse(created?.at ?? '')).toBeGreaterThan(Date.parse(renamed?.at ?? ''));
    expect(await usersOf()).toContainEqual(
      expect.objectContaining({
        email: scope.email('histo@example.com'),
        groups: [scope.name('History New')],
      }),
    );
  },
  patience(60_000),
);

test(
  'an update naming a user by the email it had when sent, delivered after a later email change, still applies',
  async () => {
    const old = scope.email('mover@example.com');
    const moved = scope.email('moved@example.com');
    const created = await send({
      entityType: 'USER',
      eventType: 'USER_CREATED',
      eventData: { name: 'Mover', email: old, password: 'pw-mover', groups: [] },
    });
    expect((await outcomeOf(created)).status).toBe('APPLIED');
    const rename = await sendHeldBack({
      entityType: 'USER',
      eventType: 'USER_UPDATED',
      eventData: { email: old, name: 'Mover Renamed' },
    });
    const move = await send({
      entityType: 'USER',
      eventType: 'USER_UPDATED',
      eventData: { email: old, newEmail: moved },
    });
    const outcomes = await Promise.all([move, rename].map(outcomeOf));
    expect(outcomes.map((o) => o.status)).toEqual(['APPLIED', 'APPLIED']);
    expect(Date.parse(outcomes[1]?.at ?? '')).toBeGreaterThan(Date.parse(outcomes[0]?.at ?? ''));
    const users = await usersOf();
    expect(users).toContainEqual(expect.objectContaining({ email: moved, name: 'Mover Renamed' }));
    expect(users.map((u) => u.email)).not.toContain(old);
  },
  patience(60_000),
);

test(
  'an email taken by a command sent later goes to the one sent first, and the later one is rejected',
  async () => {
    const wanted = scope.email('wanted@example.com');
    const taken = `email: a user with email "${wanted}" already exists`;
    const users = await Promise.all(
      ['first', 'second'].map((who) =>
        send({
          entityType: 'USER',
          eventType: 'USER_CREATED',
          eventData: {
            name: who,
            email: scope.email(`${who}@example.com`),
            password: `pw-${who}`,
            groups: [],
          },
        }),
      ),
    );
    for (const id of users) expect((await outcomeOf(id)).status).toBe('APPLIED');
    // Sent first but held back by the queue: the second user takes the address in the meantime.
    const earlier = await sendHeldBack({
      entityType: 'USER',
      eventType: 'USER_UPDATED',
      eventData: { email: scope.email('first@example.com'), newEmail: wanted },
    });
    const later = await send({
      entityType: 'USER',
      eventType: 'USER_UPDATED',
      eventData: { email: scope.email('second@example.com'), newEmail: wanted },
    });
    expect((await outcomeOf(later)).status).toBe('APPLIED');
    expect((await outcomeOf(earlier)).status).toBe('APPLIED');
    expect(await outcomeOf(later)).toMatchObject({ status: 'REJECTED', reasons: [taken] });
    const state = await usersOf();
    expect(state).toContainEqual(expect.objectContaining({ name: 'first', email: wanted }));
    expect(state).toContainEqual(
      expect.objectContaining({ name: 'second', email: scope.email('second@example.com') }),
    );
    // Listed among the rejections, as any refused command is.
    expect(await rejectionsOf(t, [later])).toEqual([expect.objectContaining({ reasons: [taken] })]);
  },
  patience(60_000),
);

test(
  'a command whose entity never comes is rejected once the window has passed, with its reason',
  async () => {
    const sent = Date.now();
    const id = await send({
      entityType: 'GROUP',
      eventType: 'GROUP_DELETED',
      eventData: { name: scope.name('Never') },
    });
    const outcome = await outcomeOf(id);
    expect(outcome).toMatchObject({
      status: 'REJECTED',
      reasons: [`group: unknown group: "${scope.name('Never')}"`],
    });
    // the window counts from the queue's send time: a second of tolerance between its clock and this one
    expect(Date.parse(outcome.at)).toBeGreaterThanOrEqual(sent + t.stack.settleWindowSeconds * 1_000 - 1_000);
  },
  patience(60_000),
);
