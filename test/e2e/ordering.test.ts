/**
 * Delivery out of send order on the default (standard queue) mode: a command naming an entity whose
 * creating command is still on its way waits for it, within the settle window, without spending
 * the receive attempts that would move it to a DLQ.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { pollUntil } from '../../src/adapters/poll-until';
import { sendMessage } from '../../src/adapters/sqs';
import { waitForOutcome } from '../../src/local/client';
import { topology } from '../../src/local/topology';
import { captureOutput, rejectionsOf, startTestStack, stateOf, type TestStack } from '../support/e2e';
import { unsafeTestHasher } from '../support/unsafe-kdf';

let t: TestStack;
const logs = captureOutput();
beforeAll(async () => {
  t = await startTestStack({ hasher: unsafeTestHasher(), settleWindowSeconds: 30 });
}, 60_000);
afterAll(async () => {
  logs.restore();
  await t.stack.stop();
});

const send = (body: object) => sendMessage(t.target.sqs, t.stack.queueUrls.input, JSON.stringify(body));
/** Sends a command that the queue holds back 3 s, so that one sent after it is delivered first. */
const sendHeldBack = (body: object) =>
  sendMessage(t.target.sqs, t.stack.queueUrls.input, JSON.stringify(body), 3);
const depth = async (url: string) =>
  Number(
    (
      await t.target.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
      )
    ).Attributes?.['ApproximateNumberOfMessages'],
  );

test('a user naming a group created after it waits for the group, past maxReceiveCount tries, and joins it', async () => {
  const userId = await send({
    entityType: 'USER',
    eventType: 'USER_CREATED',
    eventData: {
      name: 'Early Bird',
      email: 'early@example.com',
      password: 'pw-early',
      groups: ['Late Group'],
    },
  });
  const waits = () =>
    logs
      .json()
      .filter((l) => l['commandId'] === userId && l['message'] === 'command waits for an entity it names');
  const tries = topology.queues.cache.maxReceiveCount + 1;
  await pollUntil(async () => (waits().length >= tries ? true : undefined), {
    timeoutMs: 25_000,
    what: `${tries} tries of the waiting command`,
  });
  expect(waits()[0]).toMatchObject({ reasons: ['groups: unknown group: "Late Group"'] });
  const groupId = await send({
    entityType: 'GROUP',
    eventType: 'GROUP_CREATED',
    eventData: { name: 'Late Group' },
  });
  expect((await waitForOutcome(t.target.doc, t.stack.names.table, groupId)).status).toBe('APPLIED');
  expect((await waitForOutcome(t.target.doc, t.stack.names.table, userId)).status).toBe('APPLIED');
  expect((await stateOf(t)).users).toEqual([
    expect.objectContaining({ email: 'early@example.com', groups: ['Late Group'] }),
  ]);
  expect(await depth(t.stack.queueUrls.cacheDlq)).toBe(0);
}, 60_000);

test('two updates of one user delivered out of send order leave what send order leaves, field by field', async () => {
  const created = await send({
    entityType: 'USER',
    eventType: 'USER_CREATED',
    eventData: { name: 'Order Test', email: 'order@example.com', password: 'pw-order', groups: [] },
  });
  const group = await send({
    entityType: 'GROUP',
    eventType: 'GROUP_CREATED',
    eventData: { name: 'Order Group' },
  });
  for (const id of [created, group])
    expect((await waitForOutcome(t.target.doc, t.stack.names.table, id)).status).toBe('APPLIED');
  // Sent first but held back 3 s by the queue, so it is delivered after the one sent next.
  const first = await sendHeldBack({
    entityType: 'USER',
    eventType: 'USER_UPDATED',
    eventData: { email: 'order@example.com', name: 'Sent First', groups: ['Order Group'] },
  });
  const second = await send({
    entityType: 'USER',
    eventType: 'USER_UPDATED',
    eventData: { email: 'order@example.com', name: 'Sent Second' },
  });
  const outcomes = await Promise.all(
    [second, first].map((id) => waitForOutcome(t.target.doc, t.stack.names.table, id)),
  );
  expect(outcomes.map((o) => o.status)).toEqual(['APPLIED', 'APPLIED']);
  expect(Date.parse(outcomes[1]?.at ?? '')).toBeGreaterThan(Date.parse(outcomes[0]?.at ?? ''));
  // The name is the second one's (sent last); the groups, which only the first gave, are the first one's.
  expect((await stateOf(t)).users).toContainEqual(
    expect.objectContaining({ email: 'order@example.com', name: 'Sent Second', groups: ['Order Group'] }),
  );
}, 60_000);

test('a user joining a group by the name it had when sent, delivered after a later rename, joins the renamed group', async () => {
  const group = await send({
    entityType: 'GROUP',
    eventType: 'GROUP_CREATED',
    eventData: { name: 'History Old' },
  });
  expect((await waitForOutcome(t.target.doc, t.stack.names.table, group)).status).toBe('APPLIED');
  // Sent first but held back 3 s by the queue: the rename sent next is applied before it.
  const user = await sendHeldBack({
    entityType: 'USER',
    eventType: 'USER_CREATED',
    eventData: { name: 'Histo', email: 'histo@example.com', password: 'pw-histo', groups: ['History Old'] },
  });
  const rename = await send({
    entityType: 'GROUP',
    eventType: 'GROUP_UPDATED',
    eventData: { currentName: 'History Old', name: 'History New' },
  });
  const [renamed, created] = await Promise.all(
    [rename, user].map((id) => waitForOutcome(t.target.doc, t.stack.names.table, id)),
  );
  expect([renamed?.status, created?.status]).toEqual(['APPLIED', 'APPLIED']);
  expect(Date.parse(created?.at ?? '')).toBeGreaterThan(Date.parse(renamed?.at ?? ''));
  expect((await stateOf(t)).users).toContainEqual(
    expect.objectContaining({ email: 'histo@example.com', groups: ['History New'] }),
  );
}, 60_000);

test('an update naming a user by the email it had when sent, delivered after a later email change, still applies', async () => {
  const created = await send({
    entityType: 'USER',
    eventType: 'USER_CREATED',
    eventData: { name: 'Mover', email: 'mover@example.com', password: 'pw-mover', groups: [] },
  });
  expect((await waitForOutcome(t.target.doc, t.stack.names.table, created)).status).toBe('APPLIED');
  const rename = await sendHeldBack({
    entityType: 'USER',
    eventType: 'USER_UPDATED',
    eventData: { email: 'mover@example.com', name: 'Mover Renamed' },
  });
  const move = await send({
    entityType: 'USER',
    eventType: 'USER_UPDATED',
    eventData: { email: 'mover@example.com', newEmail: 'moved@example.com' },
  });
  const outcomes = await Promise.all(
    [move, rename].map((id) => waitForOutcome(t.target.doc, t.stack.names.table, id)),
  );
  expect(outcomes.map((o) => o.status)).toEqual(['APPLIED', 'APPLIED']);
  const users = (await stateOf(t)).users;
  expect(users).toContainEqual(
    expect.objectContaining({ email: 'moved@example.com', name: 'Mover Renamed' }),
  );
  expect(users.map((u) => u.email)).not.toContain('mover@example.com');
}, 60_000);

test('an email taken by a command sent later goes to the one sent first, and the later one is rejected', async () => {
  const users = await Promise.all(
    ['first', 'second'].map((who) =>
      send({
        entityType: 'USER',
        eventType: 'USER_CREATED',
        eventData: { name: who, email: `${who}@example.com`, password: `pw-${who}`, groups: [] },
      }),
    ),
  );
  for (const id of users)
    expect((await waitForOutcome(t.target.doc, t.stack.names.table, id)).status).toBe('APPLIED');
  // Sent first but held back 3 s by the queue: the second user takes the address in the meantime.
  const earlier = await sendHeldBack({
    entityType: 'USER',
    eventType: 'USER_UPDATED',
    eventData: { email: 'first@example.com', newEmail: 'wanted@example.com' },
  });
  const later = await send({
    entityType: 'USER',
    eventType: 'USER_UPDATED',
    eventData: { email: 'second@example.com', newEmail: 'wanted@example.com' },
  });
  expect((await waitForOutcome(t.target.doc, t.stack.names.table, later)).status).toBe('APPLIED');
  expect((await waitForOutcome(t.target.doc, t.stack.names.table, earlier)).status).toBe('APPLIED');
  expect(await waitForOutcome(t.target.doc, t.stack.names.table, later)).toMatchObject({
    status: 'REJECTED',
    reasons: ['email: a user with email "wanted@example.com" already exists'],
  });
  const state = (await stateOf(t)).users;
  expect(state).toContainEqual(expect.objectContaining({ name: 'first', email: 'wanted@example.com' }));
  expect(state).toContainEqual(expect.objectContaining({ name: 'second', email: 'second@example.com' }));
  // Listed among the rejections, as any refused command is.
  expect(await rejectionsOf(t, [later])).toEqual([
    expect.objectContaining({ reasons: ['email: a user with email "wanted@example.com" already exists'] }),
  ]);
}, 60_000);

test('a command whose entity never comes is rejected once the window has passed, with its reason', async () => {
  const stack = await startTestStack({
    hasher: unsafeTestHasher(),
    settleWindowSeconds: 2,
    logLevel: 'SILENT',
  });
  try {
    const sent = Date.now();
    const id = await sendMessage(
      stack.target.sqs,
      stack.stack.queueUrls.input,
      JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_DELETED', eventData: { name: 'Never' } }),
    );
    const outcome = await waitForOutcome(stack.target.doc, stack.stack.names.table, id);
    expect(outcome).toMatchObject({ status: 'REJECTED', reasons: ['group: unknown group: "Never"'] });
    expect(Date.parse(outcome.at)).toBeGreaterThanOrEqual(sent + 2_000 - 1_000);
  } finally {
    await stack.stack.stop();
  }
}, 60_000);
