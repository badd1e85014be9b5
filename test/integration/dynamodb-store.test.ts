import * as E from 'fp-ts/Either';
import { BatchWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keyAttributes } from '../../src/adapters/dynamodb/expressions';
import { makeDirectoryStore, makeDocumentClient, readDirectory } from '../../src/adapters/dynamodb';
import { applyCommand, lookupOf, SWEEP_BATCH, type Outcome } from '../../src/domain/apply';
import type { HashedCommand } from '../../src/domain/commands';
import { keys } from '../../src/domain/model';
import type { CommandEvent } from '../../src/domain/events';
import { lookupFor, planCommand, planMembershipSweep } from '../../src/domain/planner';
import type { DirectoryStore, View } from '../../src/domain/store';
import type { DynamoDbLocal } from '../../src/local/dynamodb-local';
import { provisionTable } from '../../src/local/provision';
import { HASH, eventOf, groupRef, userRef, viewOf } from '../support/builders';
import { scanAll, startPrivateDynamoDb } from '../support/emulators';

let dynamodb: DynamoDbLocal;
let doc: DynamoDBDocumentClient;
let store: DirectoryStore;
let table: string;
let stage = 0;

beforeAll(async () => {
  dynamodb = await startPrivateDynamoDb();
  doc = makeDocumentClient({ region: 'us-east-1', endpoint: dynamodb.endpoint });
}, 60_000);
afterAll(async () => {
  doc.destroy();
  await dynamodb.stop();
});
beforeEach(async () => {
  stage += 1;
  ({ table } = await provisionTable({ region: 'us-east-1', endpoint: dynamodb.endpoint }, `it${stage}`));
  store = makeDirectoryStore(doc, table);
});

const run = async <A>(te: () => Promise<E.Either<Error, A>>): Promise<A> => {
  const r = await te();
  if (E.isLeft(r)) throw r.left;
  return r.right;
};
const apply = (command: HashedCommand | CommandEvent, s: DirectoryStore = store): Promise<Outcome> =>
  run(applyCommand(s)('schema' in command ? command : eventOf(command)));
const state = () => readDirectory(doc, table);
const createGroup = (name: string) => apply({ type: 'GROUP_CREATED', name });
const createUser = (email: string, groups: string[] = []) =>
  apply({
    type: 'USER_CREATED',
    name: email.split('@')[0] ?? email,
    email,
    passwordHash: HASH,
    groups: groups.map(groupRef),
  });

describe('every command against DynamoDB (DynamoDB Local)', () => {
  test('Sales, sales and Ｓales cannot coexist; a group may change the case of its own name, and its deletion frees the name', async () => {
    expect(await createGroup('Sales')).toEqual({ kind: 'applied' });
    expect(await createGroup('sales')).toMatchObject({ kind: 'rejected' });
    expect(await createGroup('Ｓales')).toMatchObject({ kind: 'rejected' });
    expect(await apply({ type: 'GROUP_UPDATED', group: groupRef('Sales'), name: 'SALES' })).toEqual({
      kind: 'applied',
    });
    expect((await state()).groups.filter((g) => g.name.toLowerCase() === 'sales')).toEqual([
      expect.objectContaining({ name: 'SALES' }),
    ]);
    expect(await apply({ type: 'GROUP_DELETED', group: groupRef('SALES') })).toEqual({ kind: 'applied' });
    expect(await createGroup('sales')).toEqual({ kind: 'applied' });
    await apply({ type: 'GROUP_DELETED', group: groupRef('sales') });
  });

  test('create, rename with members, email change, group replace, delete with members, delete user', async () => {
    await createGroup('Dev');
    await createGroup('Ops');
    expect(await createUser('ana@x.io', ['Dev', 'Ops'])).toEqual({ kind: 'applied' });
    await createUser('bob@x.io', ['Dev']);
    expect(await apply({ type: 'GROUP_UPDATED', group: groupRef('Dev'), name: 'Platform' })).toEqual({
      kind: 'applied',
    });
    expect(await state()).toMatchObject({
      users: [
        { email: 'ana@x.io', groups: ['Ops', 'Platform'] },
        { email: 'bob@x.io', groups: ['Platform'] },
      ],
      groups: [
        { name: 'Ops', members: ['ana@x.io'] },
        { name: 'Platform', members: ['ana@x.io', 'bob@x.io'] },
      ],
    });
    expect(
      await apply({
        type: 'USER_UPDATED',
        user: userRef('ana@x.io'),
        email: 'ana@y.io',
        name: 'Ana Y',
        groups: [groupRef('Ops')],
      }),
    ).toEqual({ kind: 'applied' });
    expect(await apply({ type: 'GROUP_DELETED', group: groupRef('Platform') })).toEqual({ kind: 'applied' });
    expect(await state()).toEqual({
      users: [
        { id: userRef('ana@y.io').id, email: 'ana@y.io', name: 'Ana Y', groups: ['Ops'] },
        { id: userRef('bob@x.io').id, email: 'bob@x.io', name: 'bob', groups: [] },
      ],
      groups: [{ id: groupRef('Ops').id, name: 'Ops', members: ['ana@y.io'] }],
    });
    expect(await apply({ type: 'USER_DELETED', user: userRef('ana@y.io') })).toEqual({ kind: 'applied' });
    expect(await state()).toMatchObject({
      users: [{ email: 'bob@x.io' }],
      groups: [{ name: 'Ops', members: [] }],
    });
    const items = await scanAll(doc, table);
    expect(items.filter((i) => String(i['sk']).startsWith('MEMBER#'))).toEqual([]);
    expect(items.filter((i) => i['type'] === 'EMAIL').map((i) => i['email'])).toEqual(['bob@x.io']);
    expect(items.some((i) => JSON.stringify(i).includes('"password"'))).toBe(false);
  });

  test('the old email and the old group name are free again after a change', async () => {
    await createGroup('Dev');
    await createUser('ana@x.io');
    await apply({ type: 'GROUP_UPDATED', group: groupRef('Dev'), name: 'Platform' });
    await apply({ type: 'USER_UPDATED', user: userRef('ana@x.io'), email: 'ana@y.io' });
    expect(await createGroup('Dev')).toEqual({ kind: 'applied' });
    expect(await createUser('ana@x.io')).toEqual({ kind: 'applied' });
    expect(await createUser('ana@y.io')).toMatchObject({
      kind: 'rejected',
      reasons: ['email: a user with email "ana@y.io" already exists'],
    });
  });

  test('rule violations are stored as rejection records and change nothing else', async () => {
    await createGroup('Dev');
    const before = await scanAll(doc, table);
    const outcome = await createUser('ana@x.io', ['Dev', 'Nope']);
    expect(outcome).toEqual({ kind: 'rejected', reasons: ['groups: unknown group: "Nope"'] });
    const after = await scanAll(doc, table);
    const added = after.filter((i) => !before.some((b) => b['pk'] === i['pk']));
    expect(added).toEqual([
      expect.objectContaining({ type: 'COMMAND', status: 'REJECTED', eventType: 'USER_CREATED' }),
    ]);
  });

  test('the same commandId applied twice changes nothing the second time', async () => {
    await createGroup('Dev');
    const event = eventOf({
      type: 'USER_CREATED',
      name: 'A',
      email: 'a@x.io',
      passwordHash: HASH,
      groups: [groupRef('Dev')],
    });
    expect(await apply(event)).toEqual({ kind: 'applied' });
    const before = await scanAll(doc, table);
    expect(await apply(event)).toEqual({ kind: 'duplicate', status: 'APPLIED' });
    expect(await scanAll(doc, table)).toEqual(before);
    const rejected = eventOf({ type: 'GROUP_CREATED', name: 'Dev' });
    await apply(rejected);
    const afterReject = await scanAll(doc, table);
    expect(await apply(rejected)).toEqual({ kind: 'duplicate', status: 'REJECTED' });
    expect(await scanAll(doc, table)).toEqual(afterReject);
  });
});

describe('TransactionCanceledException paths', () => {
  const staleTransact = async (command: HashedCommand, stale: View, commandId = `stale-${Math.random()}`) => {
    const event = eventOf(command, commandId);
    const plan = planCommand(event, stale, {
      commandId,
      sentAt: event.sentAt,
      now: new Date().toISOString(),
    });
    if (plan.kind !== 'transaction') throw new Error(plan.kind);
    return run(store.transact(plan.ops));
  };

  test('marker already written: cancelled on the marker (a duplicate)', async () => {
    const event = eventOf({ type: 'GROUP_CREATED', name: 'Dev' }, 'dup-1');
    await apply(event);
    const plan = planCommand(event, viewOf({}), {
      commandId: 'dup-1',
      sentAt: event.sentAt,
      now: new Date().toISOString(),
    });
    if (plan.kind !== 'transaction') throw new Error(plan.kind);
    expect(await run(store.transact(plan.ops))).toEqual({
      kind: 'cancelled',
      failed: ['marker', 'group', 'name:new', 'canonical:new'],
      conflict: false,
    });
  });

  test('group name taken after the read: cancelled on the new name claim and its canonical claim', async () => {
    await createGroup('Dev');
    expect(await staleTransact({ type: 'GROUP_CREATED', name: 'Dev' }, viewOf({}))).toEqual({
      kind: 'cancelled',
      failed: ['name:new', 'canonical:new'],
      conflict: false,
    });
  });

  test('email taken after the read: cancelled on the email claim', async () => {
    await createUser('ana@x.io');
    const result = await staleTransact(
      { type: 'USER_CREATED', name: 'A', email: 'ana@x.io', passwordHash: HASH, groups: [] },
      viewOf({}),
    );
    expect(result).toEqual({ kind: 'cancelled', failed: ['email:new'], conflict: false });
  });

  test('group deleted after the read: cancelled on the group check', async () => {
    await createGroup('Dev');
    const view = await run(
      store.load(
        lookupFor({
          type: 'USER_CREATED',
          name: 'A',
          email: 'a@x.io',
          passwordHash: HASH,
          groups: [groupRef('Dev')],
        }),
      ),
    );
    await apply({ type: 'GROUP_DELETED', group: groupRef('Dev') });
    const result = await staleTransact(
      { type: 'USER_CREATED', name: 'A', email: 'a@x.io', passwordHash: HASH, groups: [groupRef('Dev')] },
      view,
    );
    expect(result).toEqual({ kind: 'cancelled', failed: [`group:${groupRef('Dev').id}`], conflict: false });
  });

  test('user changed after the read: cancelled on the version', async () => {
    await createUser('ana@x.io');
    const command: HashedCommand = { type: 'USER_UPDATED', user: userRef('ana@x.io'), name: 'New' };
    const view = await run(store.load(lookupFor(command)));
    await apply({ type: 'USER_UPDATED', user: userRef('ana@x.io'), name: 'Other' });
    expect(await staleTransact(command, view)).toEqual({
      kind: 'cancelled',
      failed: ['user'],
      conflict: false,
    });
  });

  test('a lost race is re-read and re-planned: the stale writer ends rejected, not dropped', async () => {
    let first = true;
    const racing: DirectoryStore = {
      ...store,
      load: (lookup) => async () => {
        const view = await store.load(lookup)();
        if (first) {
          first = false;
          await createUser('ana@x.io');
        }
        return view;
      },
    };
    const outcome = await apply(
      { type: 'USER_CREATED', name: 'A2', email: 'ana@x.io', passwordHash: HASH, groups: [] },
      racing,
    );
    expect(outcome).toEqual({
      kind: 'rejected',
      reasons: ['email: a user with email "ana@x.io" already exists'],
    });
    expect((await state()).users).toMatchObject([{ email: 'ana@x.io', name: 'ana' }]);
  });
});

describe('deleting a group larger than one transaction', () => {
  const MEMBERS = SWEEP_BATCH + 12;
  /** Writes the items the planner would write for each user, 25 at a time, to set up quickly. */
  const setUp = async () => {
    await createGroup('Big');
    await createGroup('Other');
    const view = await run(
      store.load({ groupIds: [groupRef('Big').id, groupRef('Other').id], canonicalIds: [], emailIds: [] }),
    );
    const items = Array.from({ length: MEMBERS }, (_, i) => {
      const event = eventOf({
        type: 'USER_CREATED',
        name: `u${i}`,
        email: `u${String(i).padStart(3, '0')}@x.io`,
        passwordHash: HASH,
        groups: [groupRef('Big'), groupRef('Other')],
      });
      const plan = planCommand(event, view, {
        commandId: event.commandId,
        sentAt: event.sentAt,
        now: new Date().toISOString(),
      });
      return plan.kind === 'transaction'
        ? plan.ops.flatMap((op) => (op.op === 'put' && op.label !== 'marker' ? [op.item] : []))
        : [];
    }).flat();
    for (let i = 0; i < items.length; i += 25)
      await doc.send(
        new BatchWriteCommand({
          RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    for (const { group } of view.groups.values())
      await doc.send(
        new UpdateCommand({
          TableName: table,
          Key: keyAttributes(keys.group(group.groupKey)),
          UpdateExpression: 'SET memberCount = :n',
          ExpressionAttributeValues: { ':n': MEMBERS },
        }),
      );
  };
  const assertGone = async () => {
    const s = await state();
    expect(s.groups.map((g) => g.name)).toEqual(['Other']);
    expect(s.groups[0]?.members).toHaveLength(MEMBERS);
    expect(s.users.every((u) => u.groups.join() === 'Other')).toBe(true);
    const items = await scanAll(doc, table);
    expect(items.filter((i) => i['type'] === 'GROUP').map((i) => i['name'])).toEqual(['Other']);
    expect(items.filter((i) => i['type'] === 'MEMBERSHIP')).toHaveLength(MEMBERS);
  };

  test('a crash after hiding the group and one sweep: the redelivery resumes and finishes', async () => {
    await setUp();
    const event = eventOf({ type: 'GROUP_DELETED', group: groupRef('Big') }, 'del-big');
    const view = await run(store.load(lookupFor(event.command)));
    const plan = planCommand(event, view, {
      commandId: 'del-big',
      sentAt: event.sentAt,
      now: new Date().toISOString(),
    });
    if (plan.kind !== 'deleteGroup') throw new Error(plan.kind);
    await run(store.transact(plan.begin));
    const first = await run(store.membershipsOfGroup(plan.groupKey, SWEEP_BATCH));
    await run(store.transact(planMembershipSweep(plan.groupKey, first)));
    expect((await state()).groups.map((g) => g.name)).toEqual(['Other']);
    expect(await createUser('late@x.io', ['Big'])).toMatchObject({
      kind: 'rejected',
      reasons: ['groups: unknown group: "Big"'],
    });
    expect(await apply(event)).toEqual({ kind: 'applied' });
    await assertGone();
    const before = await scanAll(doc, table);
    expect(await apply(event)).toEqual({ kind: 'duplicate', status: 'APPLIED' });
    expect(await scanAll(doc, table)).toEqual(before);
  }, 120_000);

  test('in one go', async () => {
    await setUp();
    expect(await apply({ type: 'GROUP_DELETED', group: groupRef('Big') })).toEqual({ kind: 'applied' });
    await assertGone();
  }, 120_000);
});

describe("a group's member count (DynamoDB Local, concurrent writers)", () => {
  const groupItem = async (name: string) =>
    (await scanAll(doc, table)).find((i) => i['type'] === 'GROUP' && i['name'] === name);
  const membershipsOf = async (groupKey: unknown) =>
    (await scanAll(doc, table)).filter((i) => i['type'] === 'MEMBERSHIP' && i['groupKey'] === groupKey);

  test('concurrent joins and leaves keep it equal to the memberships', async () => {
    await createGroup('Hot');
    await createGroup('Cold');
    const emails = Array.from({ length: 24 }, (_, i) => `m${i}@x.io`);
    const created = await Promise.all(emails.map((e) => createUser(e, ['Hot', 'Cold'])));
    expect(created.every((o) => o.kind === 'applied')).toBe(true);
    const changes = await Promise.all(
      emails.map((email, i) =>
        i % 3 === 0
          ? apply({ type: 'USER_DELETED', user: userRef(email) })
          : i % 3 === 1
            ? apply({ type: 'USER_UPDATED', user: userRef(email), groups: [groupRef('Cold')] })
            : apply({ type: 'USER_UPDATED', user: userRef(email), name: 'renamed' }),
      ),
    );
    expect(changes.every((o) => o.kind === 'applied')).toBe(true);
    for (const name of ['Hot', 'Cold']) {
      const group = await groupItem(name);
      expect(group?.['memberCount']).toBe((await membershipsOf(group?.['groupKey'])).length);
    }
    expect((await groupItem('Hot'))?.['memberCount']).toBe(8);
    expect((await groupItem('Cold'))?.['memberCount']).toBe(16);
  }, 120_000);

  test('a deletion racing new members ends with no orphan membership, whoever wins each race', async () => {
    await createGroup('Race');
    await Promise.all(Array.from({ length: 10 }, (_, i) => createUser(`early${i}@x.io`, ['Race'])));
    const [deletion, ...joins] = await Promise.all([
      apply({ type: 'GROUP_DELETED', group: groupRef('Race') }),
      ...Array.from({ length: 10 }, (_, i) => createUser(`late${i}@x.io`, ['Race'])),
    ]);
    expect(deletion).toEqual({ kind: 'applied' });
    expect(joins.every((o) => o.kind === 'applied' || o.kind === 'rejected')).toBe(true);
    const items = await scanAll(doc, table);
    expect(items.filter((i) => i['type'] === 'GROUP')).toEqual([]);
    expect(items.filter((i) => i['type'] === 'MEMBERSHIP')).toEqual([]);
  }, 120_000);
});

describe("a batch's first reads made together (forBatch)", () => {
  /** The store, with a count of the BatchGetItem requests the client sends. */
  const counted = () => {
    let batchGets = 0;
    doc.middlewareStack.add(
      (next, context) => async (args) => {
        if (/^BatchGet(Item)?Command$/.test(String(context.commandName))) batchGets += 1;
        return next(args);
      },
      { step: 'initialize', name: `count-${stage}` },
    );
    return {
      count: () => batchGets,
      stop: () => doc.middlewareStack.remove(`count-${stage}`),
    };
  };
  const applyAll = async (s: DirectoryStore, events: CommandEvent[]) => {
    const out: Outcome[] = [];
    for (const event of events) out.push(await run(applyCommand(s)(event)));
    return out;
  };

  test('independent commands: one request reads what all of them need, and each applies as alone', async () => {
    const events = ['A', 'B', 'C', 'D'].map((name) => eventOf({ type: 'GROUP_CREATED', name }, `c-${name}`));
    const meter = counted();
    try {
      const batch = await run(store.forBatch!(events.map(lookupOf)));
      expect(await applyAll(batch, events)).toEqual(events.map(() => ({ kind: 'applied' })));
      expect(meter.count()).toBe(1);
    } finally {
      meter.stop();
    }
    expect((await state()).groups.map((g) => g.name)).toEqual(['A', 'B', 'C', 'D']);
  });

  test('a command that needs what an earlier one in the batch wrote reads it again, and sees it', async () => {
    const events = [
      eventOf({ type: 'GROUP_CREATED', name: 'Dev' }, 'c-dev'),
      eventOf(
        {
          type: 'USER_CREATED',
          name: 'Ana',
          email: 'ana@x.io',
          passwordHash: HASH,
          groups: [groupRef('Dev')],
        },
        'c-ana',
      ),
      eventOf({ type: 'GROUP_CREATED', name: 'Dev' }, 'c-dev'),
    ];
    const batch = await run(store.forBatch!(events.map(lookupOf)));
    const outcomes = await applyAll(batch, events);
    expect(outcomes[0]).toEqual({ kind: 'applied' });
    expect(outcomes[1]).toEqual({ kind: 'applied' });
    // the same command again in the batch: its marker was written by the first, so it is a duplicate
    expect(outcomes[2]).toMatchObject({ kind: 'duplicate' });
    expect((await state()).users).toEqual([expect.objectContaining({ email: 'ana@x.io', groups: ['Dev'] })]);
  });
});

test('a lost race inside a batch read again: the next attempt sees what the other writer changed', async () => {
  await createGroup('Dev');
  const user = eventOf(
    { type: 'USER_CREATED', name: 'Bo', email: 'bo@x.io', passwordHash: HASH, groups: [groupRef('Dev')] },
    'c-bo',
  );
  const batch = await run(store.forBatch!([lookupOf(user)]));
  // another writer (another batch) renames the group after the batch read
  expect(await apply({ type: 'GROUP_UPDATED', group: groupRef('Dev'), name: 'Ops' })).toEqual({
    kind: 'applied',
  });
  // the first attempt fails on the group's condition; the next one reads the rename and joins
  expect(await run(applyCommand(batch)(user))).toEqual({ kind: 'applied' });
  expect((await state()).users).toEqual([expect.objectContaining({ email: 'bo@x.io', groups: ['Ops'] })]);
});

describe('requests per command on the common path (one read, one write)', () => {
  /** Every request the client sends, by command name, while `body` runs. */
  const requestsOf = async (body: () => Promise<unknown>): Promise<string[]> => {
    const sent: string[] = [];
    const name = `requests-${stage}`;
    doc.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(String(context.commandName).replace(/Command$/, ''));
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      await body();
    } finally {
      doc.middlewareStack.remove(name);
    }
    return sent;
  };

  test('every command kind takes one BatchGetItem and one write', async () => {
    await createGroup('Dev');
    await createGroup('Ops');
    await createUser('ana@x.io', ['Dev']);
    const cases: [string, HashedCommand][] = [
      ['GROUP_CREATED', { type: 'GROUP_CREATED', name: 'QA' }],
      ['GROUP_UPDATED', { type: 'GROUP_UPDATED', group: groupRef('QA'), name: 'Quality' }],
      ['GROUP_DELETED (no members)', { type: 'GROUP_DELETED', group: groupRef('Quality') }],
      [
        'USER_CREATED',
        { type: 'USER_CREATED', name: 'Bo', email: 'bo@x.io', passwordHash: HASH, groups: [groupRef('Ops')] },
      ],
      ['USER_UPDATED (name)', { type: 'USER_UPDATED', user: userRef('ana@x.io'), name: 'Ana B' }],
      [
        'USER_UPDATED (groups)',
        { type: 'USER_UPDATED', user: userRef('ana@x.io'), groups: [groupRef('Ops')] },
      ],
      ['USER_UPDATED (email)', { type: 'USER_UPDATED', user: userRef('ana@x.io'), email: 'ana@y.io' }],
      ['USER_DELETED', { type: 'USER_DELETED', user: userRef('bo@x.io') }],
      ['a rejection', { type: 'GROUP_CREATED', name: 'Ops' }],
    ];
    const counted: Record<string, string[]> = {};
    for (const [label, command] of cases) {
      let outcome: Outcome | undefined;
      counted[label] = await requestsOf(async () => {
        outcome = await apply(command);
      });
      expect([label, outcome?.kind]).toEqual([label, label === 'a rejection' ? 'rejected' : 'applied']);
    }
    const write = expect.stringMatching(/^(TransactWriteItems|PutItem|UpdateItem|DeleteItem)$/);
    for (const label of Object.keys(counted))
      expect([label, counted[label]]).toEqual([label, ['BatchGetItem', write]]);
    const event = eventOf({ type: 'USER_UPDATED', user: userRef('ana@y.io'), name: 'Ana C' });
    await apply(event);
    expect(await requestsOf(() => apply(event))).toEqual(['BatchGetItem']);
    expect((await state()).users).toEqual([
      expect.objectContaining({ email: 'ana@y.io', name: 'Ana C', groups: ['Ops'] }),
    ]);
  });
});
