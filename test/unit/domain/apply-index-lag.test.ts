import * as E from 'fp-ts/Either';
import { applyCommand, type Outcome } from '../../../src/domain/apply';
import type { HashedCommand } from '../../../src/domain/commands';
import type { CommandEvent } from '../../../src/domain/events';
import { keys } from '../../../src/domain/model';
import type { DirectoryStore } from '../../../src/domain/store';
import { HASH, eventOf, groupRef, userRef } from '../../support/builders';
import { FakeDirectoryStore } from '../../support/fakes';
import { withIndexLag } from '../../support/lagging-index';

/** The group member index lags by 1 s, as a GSI may; the clock moves only when the code pauses. */
const LAG_MS = 1_000;

const setUp = () => {
  let now = 0;
  const table = new FakeDirectoryStore();
  const store = withIndexLag(table, LAG_MS, () => now);
  const pauses: number[] = [];
  const pause = async (ms: number) => {
    pauses.push(ms);
    now += ms;
  };
  const guarded: DirectoryStore = {
    ...store,
    membershipsOfGroup: (groupKey, limit) => {
      if (store.indexReads() >= 200) throw new Error('the deletion reads the index in a tight loop');
      return store.membershipsOfGroup(groupKey, limit);
    },
  };
  const apply = async (command: HashedCommand, id?: string): Promise<Outcome> => {
    const event: CommandEvent = eventOf(command, id);
    const result = await applyCommand(guarded, () => new Date(now).toISOString(), pause)(event)();
    if (E.isLeft(result)) throw result.left;
    return result.right;
  };
  const advance = (ms: number) => (now += ms);
  return { table, store, apply, advance, pauses };
};

const user = (email: string, groups: string[]): HashedCommand => ({
  type: 'USER_CREATED',
  name: email,
  email,
  passwordHash: HASH,
  groups: groups.map(groupRef),
});

describe('group deletion under a lagging member index', () => {
  test('a member who joined just before the delete is swept, not left as an orphan membership', async () => {
    const { table, apply, advance } = setUp();
    expect(await apply({ type: 'GROUP_CREATED', name: 'Dev' })).toEqual({ kind: 'applied' });
    advance(5_000);
    expect(await apply(user('ana@x.io', ['Dev']))).toEqual({ kind: 'applied' });
    advance(100);
    expect(await apply({ type: 'GROUP_DELETED', group: groupRef('Dev') }, 'del')).toEqual({
      kind: 'applied',
    });
    expect(table.ofType('GROUP')).toEqual([]);
    expect(table.ofType('MEMBERSHIP')).toEqual([]);
    expect(table.get(keys.command('del'))).toMatchObject({ status: 'APPLIED' });
  });

  test('index entries of members already gone are not deleted again in a tight loop', async () => {
    const { table, store, apply, advance, pauses } = setUp();
    await apply({ type: 'GROUP_CREATED', name: 'Dev' });
    await apply(user('ana@x.io', ['Dev']));
    await apply(user('bob@x.io', ['Dev']));
    advance(5_000);
    await apply({ type: 'USER_DELETED', user: userRef('ana@x.io') });
    advance(100);
    expect(await apply({ type: 'GROUP_DELETED', group: groupRef('Dev') })).toEqual({ kind: 'applied' });
    expect(table.ofType('GROUP')).toEqual([]);
    expect(table.ofType('MEMBERSHIP')).toEqual([]);
    expect(store.indexReads()).toBeLessThanOrEqual(3);
    expect(pauses).toEqual([]);
  });

  test('the group item counts its members in the same transactions that add and remove them', async () => {
    const { table, apply } = setUp();
    await apply({ type: 'GROUP_CREATED', name: 'Dev' });
    await apply({ type: 'GROUP_CREATED', name: 'Ops' });
    const count = (name: string) => table.ofType('GROUP').find((g) => g['name'] === name)?.['memberCount'];
    await apply(user('ana@x.io', ['Dev', 'Ops']));
    await apply(user('bob@x.io', ['Dev']));
    expect([count('Dev'), count('Ops')]).toEqual([2, 1]);
    await apply({ type: 'USER_UPDATED', user: userRef('ana@x.io'), groups: [groupRef('Ops')] });
    expect([count('Dev'), count('Ops')]).toEqual([1, 1]);
    await apply({ type: 'USER_DELETED', user: userRef('bob@x.io') });
    expect([count('Dev'), count('Ops')]).toEqual([0, 1]);
  });

  test('members who join while the index shows nobody are waited for with a growing pause, then swept', async () => {
    const { table, apply, advance, pauses } = setUp();
    await apply({ type: 'GROUP_CREATED', name: 'Dev' });
    advance(5_000);
    for (const email of ['a@x.io', 'b@x.io', 'c@x.io']) await apply(user(email, ['Dev']));
    expect(await apply({ type: 'GROUP_DELETED', group: groupRef('Dev') })).toEqual({ kind: 'applied' });
    expect(table.ofType('MEMBERSHIP')).toEqual([]);
    expect(pauses.length).toBeGreaterThan(0);
    expect(pauses.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(LAG_MS);
    expect(pauses).toEqual([...pauses].sort((a, b) => a - b));
  });
});
