import * as E from 'fp-ts/Either';
import { applyCommand, MAX_ATTEMPTS, SWEEP_BATCH, type Outcome } from '../../../src/domain/apply';
import type { HashedCommand } from '../../../src/domain/commands';
import type { CommandEvent } from '../../../src/domain/events';
import { groupIdOf, userIdOf } from '../../../src/domain/ids';
import { keys, rejectionItem } from '../../../src/domain/model';
import { MARKER_LABEL, type WriteOp } from '../../../src/domain/writes';
import {
  HASH,
  emailClaim,
  eventOf,
  groupItems,
  groupRecord,
  groupRef,
  userRecord,
  userRef,
} from '../../support/builders';
import { FakeDirectoryStore, membershipItem, type StoreMethod } from '../../support/fakes';

const NOW = '2026-11-30T00:00:01.000Z';

/** The pauses applyCommand asked for between lost races (recorded, not slept). */
let pauses: number[] = [];
beforeEach(() => {
  pauses = [];
});
const pause = async (ms: number): Promise<void> => {
  pauses.push(ms);
};

const run = (store: FakeDirectoryStore, event: CommandEvent) =>
  applyCommand(store, () => NOW, pause)(event)();

const outcomeOf = async (store: FakeDirectoryStore, event: CommandEvent): Promise<Outcome> => {
  const result = await run(store, event);
  if (E.isLeft(result)) throw result.left;
  return result.right;
};

/** A store holding group Dev (key g-dev) and user ana@x.io (key u-ana, version 1) in Dev. */
const seeded = (): FakeDirectoryStore => {
  const dev = groupRecord('Dev', 'g-dev', 1, 1);
  const ana = userRecord('ana@x.io', 'u-ana');
  return new FakeDirectoryStore().seed(
    ...groupItems(dev),
    ana.user,
    emailClaim('ana@x.io', 'u-ana'),
    membershipItem('u-ana', 'g-dev'),
  );
};

const rename: HashedCommand = { type: 'USER_UPDATED', user: userRef('ana@x.io'), name: 'Ana B' };
const resultsOf = (store: FakeDirectoryStore) => store.transactions.map((t) => t.result);

describe('applyCommand: applying each command', () => {
  test('GROUP_CREATED writes the group, its name claim and an APPLIED marker', async () => {
    const store = new FakeDirectoryStore();
    expect(await outcomeOf(store, eventOf({ type: 'GROUP_CREATED', name: 'Ops' }, 'c-ops'))).toEqual({
      kind: 'applied',
    });
    expect(store.get(keys.group('c-ops'))).toMatchObject({ name: 'Ops', status: 'ACTIVE', version: 1 });
    expect(store.get(keys.groupName(groupIdOf('Ops')))).toMatchObject({ groupKey: 'c-ops' });
    expect(store.get(keys.command('c-ops'))).toMatchObject({ status: 'APPLIED', at: NOW });
  });

  test('USER_CREATED, USER_UPDATED and USER_DELETED go through against the table', async () => {
    const store = seeded();
    const created: HashedCommand = {
      type: 'USER_CREATED',
      name: 'Bo',
      email: 'bo@x.io',
      passwordHash: HASH,
      groups: [groupRef('Dev')],
    };
    expect(await outcomeOf(store, eventOf(created, 'c-bo'))).toEqual({ kind: 'applied' });
    expect(store.get(keys.membership('c-bo', 'g-dev'))).toBeDefined();
    const moved: HashedCommand = {
      type: 'USER_UPDATED',
      user: userRef('bo@x.io'),
      email: 'bo@y.io',
      groups: [],
    };
    expect(await outcomeOf(store, eventOf(moved))).toEqual({ kind: 'applied' });
    expect(store.get(keys.email(userIdOf('bo@x.io')))).toBeUndefined();
    expect(store.get(keys.email(userIdOf('bo@y.io')))).toMatchObject({ userKey: 'c-bo' });
    expect(store.get(keys.membership('c-bo', 'g-dev'))).toBeUndefined();
    expect(await outcomeOf(store, eventOf({ type: 'USER_DELETED', user: userRef('bo@y.io') }))).toEqual({
      kind: 'applied',
    });
    expect(store.ofType('USER').map((u) => u['userKey'])).toEqual(['u-ana']);
    expect(store.ofType('EMAIL').map((u) => u['userKey'])).toEqual(['u-ana']);
  });

  test('the default clock stamps the marker with the current time', async () => {
    const store = new FakeDirectoryStore();
    const before = Date.now();
    const result = await applyCommand(store)(eventOf({ type: 'GROUP_CREATED', name: 'Ops' }, 'c-clock'))();
    expect(result).toEqual(E.right({ kind: 'applied' }));
    const at = Date.parse(String(store.get(keys.command('c-clock'))?.['at']));
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });
});

describe('applyCommand: exactly once', () => {
  test('a command whose marker exists is a duplicate with the marker status, and nothing is written', async () => {
    const store = new FakeDirectoryStore();
    const event = eventOf({ type: 'GROUP_CREATED', name: 'Ops' });
    await outcomeOf(store, event);
    const writes = store.calls.transact;
    expect(await outcomeOf(store, event)).toEqual({ kind: 'duplicate', status: 'APPLIED' });
    expect(store.calls.transact).toBe(writes);
  });

  test('a concurrent delivery that wrote the marker first makes this one a duplicate (marker label failed)', async () => {
    const store = new FakeDirectoryStore();
    const event = eventOf({ type: 'GROUP_CREATED', name: 'Ops' }, 'c-race');
    store.before('transact', (call) => {
      if (call === 1) store.seed({ ...keys.command('c-race'), type: 'COMMAND', status: 'APPLIED' });
    });
    expect(await outcomeOf(store, event)).toEqual({ kind: 'duplicate', status: 'seen' });
    expect(resultsOf(store)).toEqual([{ kind: 'cancelled', failed: [MARKER_LABEL], conflict: false }]);
    expect(store.get(keys.group('c-race'))).toBeUndefined();
    expect(store.calls.load).toBe(1);
  });

  test('a rejected command stores one rejection record (stage cache-handler) and reports its reasons', async () => {
    const store = seeded();
    const event = eventOf({ type: 'GROUP_CREATED', name: 'Dev' }, 'c-taken');
    expect(await outcomeOf(store, event)).toEqual({
      kind: 'rejected',
      reasons: ['name: a group named "Dev" already exists'],
    });
    expect(store.rejections).toEqual([
      expect.objectContaining({
        commandId: 'c-taken',
        status: 'REJECTED',
        stage: 'cache-handler',
        eventType: 'GROUP_CREATED',
        entityType: 'GROUP',
        reasons: ['name: a group named "Dev" already exists'],
        at: NOW,
        sentAt: event.sentAt,
      }),
    ]);
    expect(store.calls.transact).toBe(0);
    expect(await outcomeOf(store, event)).toEqual({ kind: 'duplicate', status: 'REJECTED' });
  });

  test('a rejection already recorded by a concurrent delivery is a duplicate REJECTED', async () => {
    const store = seeded();
    const event = eventOf({ type: 'USER_DELETED', user: userRef('nobody@x.io') }, 'c-twice');
    store.before('recordRejection', () =>
      store.seed(
        rejectionItem({
          commandId: 'c-twice',
          eventType: 'USER_DELETED',
          entityType: 'USER',
          stage: 'cache-handler',
          reasons: ['user: unknown user: "nobody@x.io"'],
          at: NOW,
        }),
      ),
    );
    expect(await outcomeOf(store, event)).toEqual({ kind: 'duplicate', status: 'REJECTED' });
    expect(store.rejections).toEqual([]);
  });
});

describe('applyCommand: lost races', () => {
  test('a concurrent update of the user cancels the write; the command re-reads and succeeds on attempt 2', async () => {
    const store = seeded();
    store.before('transact', (call) => {
      if (call === 1) store.seed({ ...store.get(keys.user('u-ana'))!, name: 'Concurrent', version: 2 });
    });
    expect(await outcomeOf(store, eventOf(rename))).toEqual({ kind: 'applied' });
    expect(store.calls.load).toBe(2);
    expect(resultsOf(store)).toEqual([
      { kind: 'cancelled', failed: ['user'], conflict: false },
      { kind: 'committed' },
    ]);
    expect(store.get(keys.user('u-ana'))).toMatchObject({ name: 'Ana B', version: 3 });
    expect(pauses).toHaveLength(1);
  });

  test(`gives up after ${MAX_ATTEMPTS} attempts with an error naming the failed labels, writing nothing`, async () => {
    const store = seeded();
    store.before('transact', () => {
      const user = store.get(keys.user('u-ana'))!;
      store.seed({ ...user, version: Number(user['version']) + 1 });
    });
    const event = eventOf(rename, 'c-starved');
    const result = await run(store, event);
    expect(result).toEqual(
      E.left(new Error(`write conflict persisted after ${MAX_ATTEMPTS} attempts (user)`)),
    );
    expect(store.calls.load).toBe(MAX_ATTEMPTS);
    expect(store.calls.transact).toBe(MAX_ATTEMPTS);
    expect(pauses).toHaveLength(MAX_ATTEMPTS - 1);
    expect(store.get(keys.command('c-starved'))).toBeUndefined();
  });

  test('the error lists every failed label of the last attempt', async () => {
    const store = seeded().cancelTransact(MAX_ATTEMPTS, ['user', 'email:new']);
    const result = await run(store, eventOf(rename));
    expect(result).toEqual(
      E.left(new Error(`write conflict persisted after ${MAX_ATTEMPTS} attempts (user, email:new)`)),
    );
  });

  test('a cancelled transaction with a conflict and no failed condition is retried', async () => {
    const store = seeded().cancelTransact(1, [], true);
    expect(await outcomeOf(store, eventOf(rename))).toEqual({ kind: 'applied' });
    expect(store.calls.load).toBe(2);
    expect(store.get(keys.user('u-ana'))).toMatchObject({ name: 'Ana B', version: 2 });
  });

  test('a conflict that persists gives up naming the transaction conflict', async () => {
    const store = seeded().cancelTransact(MAX_ATTEMPTS, [], true);
    expect(await run(store, eventOf(rename))).toEqual(
      E.left(new Error(`write conflict persisted after ${MAX_ATTEMPTS} attempts (transaction conflict)`)),
    );
  });

  test('a lost race that makes the command break a rule ends in a rejection, not an error', async () => {
    const store = new FakeDirectoryStore();
    store.before('transact', (call) => {
      if (call === 1) {
        const rival = groupRecord('Ops', 'g-rival');
        store.seed(...groupItems(rival));
      }
    });
    expect(await outcomeOf(store, eventOf({ type: 'GROUP_CREATED', name: 'Ops' }))).toEqual({
      kind: 'rejected',
      reasons: ['name: a group named "Ops" already exists'],
    });
    expect(resultsOf(store)).toEqual([
      { kind: 'cancelled', failed: ['name:new', 'canonical:new'], conflict: false },
    ]);
  });
});

describe('applyCommand: group deletion', () => {
  const members = 2 * SWEEP_BATCH + 7;
  const withMembers = (): FakeDirectoryStore => {
    const dev = groupRecord('Dev', 'g-dev', 1, members);
    const other = groupRecord('Ops', 'g-ops', 1, 1);
    return new FakeDirectoryStore().seed(
      ...groupItems(dev),
      ...groupItems(other),
      membershipItem('u-keep', 'g-ops'),
      ...Array.from({ length: members }, (_, i) =>
        membershipItem(`u-${String(i).padStart(4, '0')}`, 'g-dev'),
      ),
    );
  };
  const deleteDev = (commandId: string) =>
    eventOf({ type: 'GROUP_DELETED', group: groupRef('Dev') }, commandId);
  const sweeps = (store: FakeDirectoryStore) =>
    store.transactions
      .map((t) => t.ops)
      .filter((ops) => ops.every((op: WriteOp) => /^(membership|count):/.test(op.label)))
      .map((ops) => ops.filter((op) => op.label.startsWith('membership:')).length);

  test(`hides the group, sweeps memberships ${SWEEP_BATCH} at a time, then finishes`, async () => {
    const store = withMembers();
    expect(await outcomeOf(store, deleteDev('c-del'))).toEqual({ kind: 'applied' });
    expect(sweeps(store)).toEqual([SWEEP_BATCH, SWEEP_BATCH, 7]);
    expect(store.sweepLimits).toEqual([SWEEP_BATCH, SWEEP_BATCH, SWEEP_BATCH, SWEEP_BATCH]);
    expect(store.get(keys.group('g-dev'))).toBeUndefined();
    expect(store.get(keys.groupName(groupIdOf('Dev')))).toBeUndefined();
    expect(store.ofType('MEMBERSHIP').map((m) => m['groupKey'])).toEqual(['g-ops']);
    const marker = store.get(keys.command('c-del'));
    expect(marker).toMatchObject({ status: 'APPLIED', at: NOW });
    expect(marker).not.toHaveProperty('groupKey');
  });

  test('a deletion interrupted mid-sweep resumes from its IN_PROGRESS marker without re-planning', async () => {
    const store = withMembers().fail('membershipsOfGroup', 2);
    expect(await run(store, deleteDev('c-resume'))).toEqual(
      E.left(new Error('injected membershipsOfGroup failure')),
    );
    expect(store.get(keys.command('c-resume'))).toMatchObject({ status: 'IN_PROGRESS', groupKey: 'g-dev' });
    expect(store.get(keys.group('g-dev'))).toMatchObject({ status: 'DELETING' });
    expect(store.ofType('MEMBERSHIP')).toHaveLength(members - SWEEP_BATCH + 1);

    const began = () => store.transactions.filter((t) => t.ops.some((op) => op.label === 'group')).length;
    const before = began();
    expect(await outcomeOf(store, deleteDev('c-resume'))).toEqual({ kind: 'applied' });
    // the second delivery read its marker (with the view) and resumed: no new plan was written
    expect(store.calls.load).toBe(2);
    expect(began()).toBe(before + 1);
    expect(store.get(keys.group('g-dev'))).toBeUndefined();
    expect(store.ofType('MEMBERSHIP')).toHaveLength(1);
    expect(store.get(keys.command('c-resume'))).toMatchObject({ status: 'APPLIED' });
    expect(await outcomeOf(store, deleteDev('c-resume'))).toEqual({ kind: 'duplicate', status: 'APPLIED' });
  });

  test('a group without members is deleted in one transaction, name and claims with it', async () => {
    const dev = groupRecord('Dev', 'g-dev');
    const store = new FakeDirectoryStore().seed(...groupItems(dev));
    expect(await outcomeOf(store, deleteDev('c-empty'))).toEqual({ kind: 'applied' });
    expect(resultsOf(store)).toEqual([{ kind: 'committed' }]);
    expect(store.calls.membershipsOfGroup).toBe(0);
    expect(store.get(keys.group('g-dev'))).toBeUndefined();
    expect(store.get(keys.groupName(groupIdOf('Dev')))).toBeUndefined();
    expect(store.get(keys.command('c-empty'))).toMatchObject({ status: 'APPLIED' });
  });

  test('a finish lost to another finisher is a duplicate APPLIED', async () => {
    const dev = groupRecord('Dev', 'g-dev', 1, 1);
    const store = new FakeDirectoryStore().seed(...groupItems(dev), membershipItem('u-ana', 'g-dev'));
    // 1: the whole-group try (it has a member), 2: hide, 3: sweep, 4: finish
    store.before('transact', (call) => {
      if (call !== 4) return;
      store.seed({ ...store.get(keys.command('c-both'))!, status: 'APPLIED' });
      store.remove(keys.group('g-dev'));
    });
    expect(await outcomeOf(store, deleteDev('c-both'))).toEqual({ kind: 'duplicate', status: 'APPLIED' });
    expect(resultsOf(store)).toEqual([
      { kind: 'cancelled', failed: ['group'], conflict: false },
      { kind: 'committed' },
      { kind: 'committed' },
      { kind: 'cancelled', failed: [MARKER_LABEL, 'group'], conflict: false },
    ]);
  });

  test('deleting an unknown group is rejected', async () => {
    const store = new FakeDirectoryStore();
    expect(await outcomeOf(store, deleteDev('c-none'))).toEqual({
      kind: 'rejected',
      reasons: ['group: unknown group: "Dev"'],
    });
  });
});

describe('applyCommand: transient failures are Left (the message is retried)', () => {
  const cases: [StoreMethod, number, HashedCommand][] = [
    ['load', 1, rename],
    ['transact', 1, rename],
    ['recordRejection', 1, { type: 'USER_DELETED', user: userRef('nobody@x.io') }],
    ['membershipsOfGroup', 1, { type: 'GROUP_DELETED', group: groupRef('Dev') }],
    ['transact', 2, { type: 'GROUP_DELETED', group: groupRef('Dev') }],
    ['transact', 3, { type: 'GROUP_DELETED', group: groupRef('Dev') }],
  ];
  test.each(cases)('%s call %i failing', async (method, call, command) => {
    const store = seeded().fail(method, call);
    expect(await run(store, eventOf(command))).toEqual(E.left(new Error(`injected ${method} failure`)));
  });
});

describe('FakeDirectoryStore honours the DynamoDB semantics the domain relies on', () => {
  const put = (label: string, pk: string, conditions: WriteOp['conditions'] = []): WriteOp => ({
    op: 'put',
    label,
    item: { ...keys.command(pk), type: 'COMMAND' } as never,
    conditions,
  });

  test('a transaction is all-or-nothing and names every failed condition', async () => {
    const store = new FakeDirectoryStore().seed(
      { ...keys.command('a'), type: 'COMMAND' },
      { ...keys.command('d'), type: 'COMMAND', v: 1 },
    );
    const result = await store.transact([
      put('new', 'b', [{ kind: 'absent' }]),
      put('taken', 'a', [{ kind: 'absent' }]),
      { op: 'check', label: 'missing', key: keys.command('c'), conditions: [] },
      {
        op: 'delete',
        label: 'wrong',
        key: keys.command('d'),
        conditions: [{ kind: 'equals', attribute: 'v', value: 2 }],
      },
    ])();
    expect(result).toEqual(
      E.right({ kind: 'cancelled', failed: ['taken', 'missing', 'wrong'], conflict: false }),
    );
    expect(store.get(keys.command('b'))).toBeUndefined();
    expect(store.get(keys.command('d'))).toMatchObject({ v: 1 });
  });

  test('present, equals and an update that sets and removes', async () => {
    const store = new FakeDirectoryStore().seed({ ...keys.command('a'), type: 'COMMAND', v: 1, gone: 'x' });
    const result = await store.transact([
      {
        op: 'update',
        label: 'u',
        key: keys.command('a'),
        set: { v: 2 },
        remove: ['gone'],
        conditions: [{ kind: 'present' }, { kind: 'equals', attribute: 'v', value: 1 }],
      },
      { op: 'check', label: 'c', key: keys.command('z'), conditions: [{ kind: 'absent' }] },
    ])();
    expect(result).toEqual(E.right({ kind: 'committed' }));
    expect(store.get(keys.command('a'))).toEqual({ ...keys.command('a'), type: 'COMMAND', v: 2 });
  });

  test('invalid requests are errors: empty, two ops on one item, over 100 items', async () => {
    const store = new FakeDirectoryStore();
    expect(E.isLeft(await store.transact([])())).toBe(true);
    expect(E.isLeft(await store.transact([put('x', 'a'), put('y', 'a')])())).toBe(true);
    expect(
      E.isLeft(await store.transact(Array.from({ length: 101 }, (_, i) => put(`p${i}`, `k${i}`)))()),
    ).toBe(true);
    expect(store.items.size).toBe(0);
  });

  test('injected failures: thrown, rejected, and Left on the chosen calls only', async () => {
    const store = new FakeDirectoryStore().fail('getCommand', 1, 'throw').fail('getCommand', 2, 'reject');
    expect(() => store.getCommand('x')).toThrow('injected getCommand failure');
    await expect(store.getCommand('x')()).rejects.toThrow('injected getCommand failure');
    expect(await store.getCommand('x')()).toEqual(E.right(undefined));
  });
});

describe('applyCommand: history heads (a claim with no head has no history, on a table that trusts them)', () => {
  const create = (name: string, id: string) => eventOf({ type: 'GROUP_CREATED', name }, id);
  const renameTo = (from: string, to: string, id: string) =>
    eventOf({ type: 'GROUP_UPDATED', group: groupRef(from), name: to }, id);
  const fresh = () => new FakeDirectoryStore().seed({ ...keys.headsSince(), type: 'META', since: '' });

  test('a new table (heads trusted from the start): a new name is created without querying its history', async () => {
    const store = fresh();
    expect(await outcomeOf(store, create('Dev', 'c-1'))).toEqual({ kind: 'applied' });
    expect(store.historyQueries).toEqual([]);
    expect(store.get(keys.headsSince())).toMatchObject({ since: '' });
  });

  test('a rename leaves a head beside the old name: a command naming it later queries its history', async () => {
    const store = fresh();
    expect(await outcomeOf(store, create('Dev', 'c-1'))).toEqual({ kind: 'applied' });
    expect(await outcomeOf(store, renameTo('Dev', 'Ops', 'c-2'))).toEqual({ kind: 'applied' });
    expect(store.get(keys.history(keys.groupName(groupIdOf('Dev'))))).toMatchObject({ type: 'HISTORY' });
    store.historyQueries.length = 0;
    expect(await outcomeOf(store, create('Dev', 'c-3'))).toEqual({ kind: 'applied' });
    expect(store.historyQueries).toEqual([keys.groupName(groupIdOf('Dev'))]);
  });

  test('a table older than heads: the first command marks them trusted a quarter of an hour ahead, and queries', async () => {
    const store = new FakeDirectoryStore();
    expect(await outcomeOf(store, create('Dev', 'c-1'))).toEqual({ kind: 'applied' });
    expect(store.historyQueries).toEqual([keys.groupName(groupIdOf('Dev'))]);
    const since = String(store.get(keys.headsSince())?.['since']);
    expect(Date.parse(since.replace(/#$/, '')) - Date.parse(NOW)).toBe(15 * 60 * 1000);
    // commands sent before that still query, as before heads existed
    store.historyQueries.length = 0;
    expect(await outcomeOf(store, create('Ops', 'c-2'))).toEqual({ kind: 'applied' });
    expect(store.historyQueries).toEqual([keys.groupName(groupIdOf('Ops'))]);
  });
});

describe("applyCommand: a user read from its email claim's snapshot", () => {
  const created = (store: FakeDirectoryStore) =>
    Promise.all([]).then(async () => {
      for (const [command, id] of [
        [{ type: 'GROUP_CREATED', name: 'Dev' }, 'g-dev'],
        [{ type: 'GROUP_CREATED', name: 'Ops' }, 'g-ops'],
        [
          {
            type: 'USER_CREATED',
            name: 'Ana',
            email: 'ana@x.io',
            passwordHash: HASH,
            groups: [groupRef('Dev'), groupRef('Ops')],
          },
          'u-ana',
        ],
      ] as const)
        expect(await outcomeOf(store, eventOf(command as HashedCommand, id))).toEqual({ kind: 'applied' });
      return store;
    });
  const claimOfAna = (store: FakeDirectoryStore) => store.get(keys.email(userIdOf('ana@x.io')));

  test('USER_CREATED writes the snapshot; USER_UPDATED reads it, not the partition, and writes the next', async () => {
    const store = await created(new FakeDirectoryStore());
    expect(claimOfAna(store)).toMatchObject({
      holder: { userKey: 'u-ana', version: 1, groupKeys: ['g-dev', 'g-ops'] },
    });
    expect(await outcomeOf(store, eventOf(rename))).toEqual({ kind: 'applied' });
    expect(store.userPartitionReads).toEqual([]);
    expect(store.get(keys.user('u-ana'))).toMatchObject({ name: 'Ana B', version: 2 });
    expect(claimOfAna(store)).toMatchObject({ holder: { version: 2, groupKeys: ['g-dev', 'g-ops'] } });
    expect(claimOfAna(store)?.['holder']).not.toHaveProperty('passwordHash');
  });

  test('a membership swept by a group deletion fails the removal once; the retry reads the partition', async () => {
    const store = await created(new FakeDirectoryStore());
    expect(
      await outcomeOf(store, eventOf({ type: 'GROUP_DELETED', group: groupRef('Dev') }, 'c-del')),
    ).toEqual({
      kind: 'applied',
    });
    // the sweep removed the membership; the claim's snapshot still lists it
    expect(store.get(keys.membership('u-ana', 'g-dev'))).toBeUndefined();
    expect(claimOfAna(store)).toMatchObject({ holder: { groupKeys: ['g-dev', 'g-ops'] } });
    expect(
      await outcomeOf(store, eventOf({ type: 'USER_DELETED', user: userRef('ana@x.io') }, 'c-gone')),
    ).toEqual({
      kind: 'applied',
    });
    expect(store.transactions.at(-2)?.result).toEqual({
      kind: 'cancelled',
      failed: ['membership:g-dev', 'count:g-dev'],
      conflict: false,
    });
    expect(store.userPartitionReads).toEqual(['u-ana']);
    expect(store.get(keys.user('u-ana'))).toBeUndefined();
    expect(store.ofType('MEMBERSHIP')).toEqual([]);
    expect(store.get(keys.group('g-ops'))).toMatchObject({ memberCount: 0 });
  });

  test('a retry after a swept membership rewrites the snapshot from the partition', async () => {
    const store = await created(new FakeDirectoryStore());
    await outcomeOf(store, eventOf({ type: 'GROUP_DELETED', group: groupRef('Dev') }, 'c-del'));
    const update = eventOf({ type: 'USER_UPDATED', user: userRef('ana@x.io'), groups: [] }, 'c-leave');
    expect(await outcomeOf(store, update)).toEqual({ kind: 'applied' });
    expect(store.userPartitionReads).toEqual(['u-ana']);
    expect(claimOfAna(store)).toMatchObject({ holder: { version: 2, groupKeys: [] } });
    expect(store.ofType('MEMBERSHIP')).toEqual([]);
  });

  test('a claim written before snapshots were kept is read through the partition', async () => {
    const store = seeded();
    expect(await outcomeOf(store, eventOf(rename))).toEqual({ kind: 'applied' });
    expect(store.userPartitionReads).toEqual(['u-ana']);
    expect(claimOfAna(store)).toMatchObject({ holder: { version: 2, groupKeys: ['g-dev'] } });
  });
});
