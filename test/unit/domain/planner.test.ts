import { MAX_GROUPS_PER_USER } from '../../../src/domain/fields';
import { canonicalGroupNameOf, userIdOf } from '../../../src/domain/ids';
import { keys } from '../../../src/domain/model';
import { lookupFor, planCommand, planGroupDeletionFinish, type Plan } from '../../../src/domain/planner';
import { MAX_TRANSACTION_ITEMS, type WriteOp } from '../../../src/domain/writes';
import {
  HASH,
  emailClaim,
  eventOf,
  groupRecord,
  groupRef,
  userRecord,
  userRef,
  viewOf,
} from '../../support/builders';

const ctx = (commandId: string) => ({
  commandId,
  sentAt: '2026-11-30T00:00:00.000Z',
  now: '2026-11-30T00:00:01.000Z',
});
const plan = (command: Parameters<typeof eventOf>[0], view = viewOf({}), id = 'cmd-x'): Plan =>
  planCommand(eventOf(command, id), view, ctx(id));
const opsOf = (p: Plan): readonly WriteOp[] => {
  if (p.kind === 'reject') throw new Error(`rejected: ${JSON.stringify(p.reasons)}`);
  return p.kind === 'transaction' ? p.ops : p.begin;
};
const summary = (p: Plan) => opsOf(p).map((op) => `${op.op} ${op.label}`);

describe('GROUP_CREATED', () => {
  test('puts marker, group, name claim and canonical name claim, each only if absent', () => {
    const p = plan({ type: 'GROUP_CREATED', name: 'Dev' });
    expect(summary(p)).toEqual(['put marker', 'put group', 'put name:new', 'put canonical:new']);
    expect(opsOf(p).every((op) => op.conditions.some((c) => c.kind === 'absent'))).toBe(true);
  });
  test('a taken name is rejected', () => {
    expect(plan({ type: 'GROUP_CREATED', name: 'Dev' }, viewOf({ groups: [groupRecord('Dev')] }))).toEqual({
      kind: 'reject',
      reasons: [{ path: 'name', message: 'a group named "Dev" already exists' }],
    });
  });
});

describe('GROUP_UPDATED (rename)', () => {
  const view = viewOf({ groups: [groupRecord('Dev', 'g1', 3)] });
  test('touches O(1) items: marker, group, old and new claims; members are not rewritten', () => {
    const p = plan({ type: 'GROUP_UPDATED', group: groupRef('Dev'), name: 'Platform' }, view);
    expect(summary(p)).toEqual([
      'put marker',
      'update group',
      'delete name:old',
      'put former:groupname',
      'put history:groupname',
      'put name:new',
      'delete canonical:old',
      'put canonical:new',
    ]);
    const update = opsOf(p)[1];
    expect(update).toMatchObject({
      set: { name: 'Platform', version: 4 },
      conditions: [
        { attribute: 'version', value: 3 },
        { attribute: 'status', value: 'ACTIVE' },
      ],
    });
  });
  test('an unknown group or a taken new name is rejected', () => {
    expect(plan({ type: 'GROUP_UPDATED', group: groupRef('Nope'), name: 'X' }, view)).toMatchObject({
      kind: 'reject',
      reasons: [{ path: 'group', message: 'unknown group: "Nope"' }],
    });
    const both = viewOf({ groups: [groupRecord('Dev', 'g1'), groupRecord('Ops', 'g2')] });
    expect(plan({ type: 'GROUP_UPDATED', group: groupRef('Dev'), name: 'Ops' }, both)).toMatchObject({
      kind: 'reject',
      reasons: [{ path: 'name', message: 'a group named "Ops" already exists' }],
    });
  });
  test('renaming to the same name only records the command', () => {
    expect(summary(plan({ type: 'GROUP_UPDATED', group: groupRef('Dev'), name: 'Dev' }, view))).toEqual([
      'put marker',
    ]);
  });
  test('reads the current and the new name', () => {
    expect(lookupFor({ type: 'GROUP_UPDATED', group: groupRef('Dev'), name: 'Ops' }).groupIds).toEqual([
      groupRef('Dev').id,
      groupRef('Ops').id,
    ]);
  });
});

describe('group names are unique ignoring case and compatibility forms', () => {
  const sales = viewOf({ groups: [groupRecord('Sales', 'g-sales')] });
  test.each(['sales', 'SALES', 'Ｓales'])('GROUP_CREATED %s is refused while Sales exists', (name) => {
    expect(plan({ type: 'GROUP_CREATED', name }, sales)).toEqual({
      kind: 'reject',
      reasons: [
        {
          path: 'name',
          message: `${JSON.stringify(name)} is the same name as the existing group "Sales" (names are compared ignoring case and compatibility forms)`,
        },
      ],
    });
  });
  test("a rename to another group's name in another case is refused", () => {
    const both = viewOf({ groups: [groupRecord('Sales', 'g-sales'), groupRecord('Ops', 'g-ops')] });
    expect(plan({ type: 'GROUP_UPDATED', group: groupRef('Ops'), name: 'SALES' }, both)).toMatchObject({
      kind: 'reject',
      reasons: [{ path: 'name' }],
    });
  });
  test('a group may change the case of its own name; its canonical claim stays', () => {
    expect(summary(plan({ type: 'GROUP_UPDATED', group: groupRef('Sales'), name: 'SALES' }, sales))).toEqual([
      'put marker',
      'update group',
      'delete name:old',
      'put former:groupname',
      'put history:groupname',
      'put name:new',
    ]);
  });
  test('the canonical key folds case and width, and keeps the public id of the exact name', () => {
    expect(canonicalGroupNameOf('Ｓales')).toBe(canonicalGroupNameOf('sAlEs'));
    expect(canonicalGroupNameOf('Straße')).toBe(canonicalGroupNameOf('STRASSE'));
    expect(canonicalGroupNameOf('Sales')).not.toBe(canonicalGroupNameOf('Sale'));
    expect(groupRef('Sales').id).not.toBe(groupRef('sales').id);
  });
});

describe('GROUP_DELETED', () => {
  test('begins by hiding the group and freeing its name, marker IN_PROGRESS with the group key', () => {
    const p = plan(
      { type: 'GROUP_DELETED', group: groupRef('Dev') },
      viewOf({ groups: [groupRecord('Dev', 'g1')] }),
    );
    expect(p.kind).toBe('deleteGroup');
    expect(summary(p)).toEqual([
      'put marker',
      'update group',
      'delete name:old',
      'put former:groupname',
      'put history:groupname',
      'delete canonical:old',
    ]);
    expect(opsOf(p)[0]).toMatchObject({ item: { status: 'IN_PROGRESS', groupKey: 'g1' } });
    expect(opsOf(p)[1]).toMatchObject({ set: { status: 'DELETING' }, remove: ['gsi1pk', 'gsi1sk'] });
  });
  test('finishes only once, and only with no member counted: marker IN_PROGRESS -> APPLIED, group item deleted', () => {
    expect(planGroupDeletionFinish('c1', 'g1', 'now')).toEqual([
      expect.objectContaining({
        op: 'update',
        key: keys.command('c1'),
        conditions: [{ kind: 'equals', attribute: 'status', value: 'IN_PROGRESS' }],
      }),
      expect.objectContaining({
        op: 'delete',
        key: keys.group('g1'),
        conditions: [{ kind: 'equals', attribute: 'memberCount', value: 0 }],
      }),
    ]);
  });
});

describe('USER_CREATED', () => {
  const command = {
    type: 'USER_CREATED' as const,
    name: 'Ana',
    email: 'ana@x.io',
    passwordHash: HASH,
    groups: [groupRef('Dev'), groupRef('Ops')],
  };
  test('user, email claim, and per group a count on the group (still active under that name) plus the membership', () => {
    const p = plan(
      command,
      viewOf({ groups: [groupRecord('Dev', 'g1'), groupRecord('Ops', 'g2')] }),
      'c-ana',
    );
    expect(summary(p)).toEqual([
      'put marker',
      'put user',
      'put email:new',
      'update group:' + groupRef('Dev').id,
      'put membership:g1',
      'update group:' + groupRef('Ops').id,
      'put membership:g2',
    ]);
    expect(opsOf(p)[3]).toMatchObject({
      key: keys.group('g1'),
      add: { memberCount: 1 },
      conditions: [
        { attribute: 'groupId', value: groupRef('Dev').id },
        { attribute: 'status', value: 'ACTIVE' },
      ],
    });
    expect(opsOf(p)[1]).toMatchObject({
      item: { userKey: 'c-ana', passwordHash: HASH, userId: userIdOf('ana@x.io') },
    });
    expect(JSON.stringify(p)).not.toContain('"password"');
  });
  test('unknown groups and a taken email are rejected together, nothing written', () => {
    const p = plan(command, viewOf({ groups: [groupRecord('Dev')], emails: [emailClaim('ana@x.io')] }));
    expect(p).toEqual({
      kind: 'reject',
      reasons: [
        { path: 'email', message: 'a user with email "ana@x.io" already exists' },
        { path: 'groups', message: 'unknown group: "Ops"', missing: true },
      ],
    });
  });
});

describe('USER_UPDATED', () => {
  const user = userRecord('ana@x.io', 'u1', ['g1', 'g2'], 5);
  const groups = [groupRecord('A', 'g1'), groupRecord('B', 'g2'), groupRecord('C', 'g3')];
  test('an email change swaps the claims atomically and bumps the version', () => {
    const p = plan(
      { type: 'USER_UPDATED', user: userRef('ana@x.io'), email: 'ana@y.io' },
      viewOf({ user, emails: [emailClaim('ana@x.io', 'u1')] }),
    );
    expect(summary(p)).toEqual([
      'put marker',
      'update user',
      'delete email:old',
      'put former:email',
      'put history:email',
      'put email:new',
    ]);
    expect(opsOf(p)[1]).toMatchObject({
      set: { email: 'ana@y.io', userId: userIdOf('ana@y.io'), version: 6 },
      conditions: [{ attribute: 'version', value: 5 }],
    });
    expect(opsOf(p)[2]).toMatchObject({ conditions: [{ attribute: 'userKey', value: 'u1' }] });
    const claim = opsOf(p)[5];
    expect(claim).toMatchObject({
      item: {
        ...keys.email(userIdOf('ana@y.io')),
        holder: { userId: userIdOf('ana@y.io'), email: 'ana@y.io', previousEmail: 'ana@x.io', version: 6 },
      },
    });
    expect(
      claim?.op === 'put' && claim.item.type === 'EMAIL' && 'passwordHash' in (claim.item.holder ?? {}),
    ).toBe(false);
  });
  test('groups replace the memberships: only the difference is written', () => {
    const p = plan(
      { type: 'USER_UPDATED', user: userRef('ana@x.io'), groups: [groupRef('B'), groupRef('C')] },
      viewOf({ user, groups }),
    );
    expect(summary(p)).toEqual([
      'put marker',
      'update user',
      'put email:snapshot',
      'delete membership:g1',
      'update count:g1',
      `update group:${groupRef('C').id}`,
      'put membership:g3',
    ]);
    expect(opsOf(p)[4]).toMatchObject({ key: keys.group('g1'), add: { memberCount: -1 } });
    expect(opsOf(p)[2]).toMatchObject({
      item: { ...keys.email(userIdOf('ana@x.io')), holder: { version: 6, groupKeys: ['g2', 'g3'] } },
      conditions: [{ attribute: 'userKey', value: 'u1' }],
    });
  });
  test('without groups the memberships stay', () => {
    expect(
      summary(plan({ type: 'USER_UPDATED', user: userRef('ana@x.io'), name: 'Ana B' }, viewOf({ user }))),
    ).toEqual(['put marker', 'update user', 'put email:snapshot']);
  });
  test('unknown user, taken email, unknown group', () => {
    expect(plan({ type: 'USER_UPDATED', user: userRef('no@x.io'), name: 'N' })).toMatchObject({
      kind: 'reject',
      reasons: [{ path: 'user', message: 'unknown user: "no@x.io"' }],
    });
    const p = plan(
      { type: 'USER_UPDATED', user: userRef('ana@x.io'), email: 'bob@x.io', groups: [groupRef('Z')] },
      viewOf({ user, emails: [emailClaim('bob@x.io')] }),
    );
    expect(p).toMatchObject({
      kind: 'reject',
      reasons: [{ path: 'email' }, { path: 'groups', message: 'unknown group: "Z"' }],
    });
  });
  // Every case, not a sample: the one that breaks the bound is a single corner (full swap, email taken back).
  test(`every swap of up to ${MAX_GROUPS_PER_USER} groups (${MAX_GROUPS_PER_USER + 1} stored under the previous limit) fits one transaction, with an email taken back`, () => {
    // The address is held by a user who took it in a command sent later and changed nothing else.
    const holder = userRecord('z@x.io', 'u2');
    const taker = {
      ...holder.user,
      emailSince: '2026-12-01T00:00:00.000Z#later',
      emailOrder: '2026-12-01T00:00:00.000Z#later',
      previousEmail: 'zed@x.io',
    };
    const sizes = (max: number) => Array.from({ length: max + 1 }, (_, i) => i);
    let largest = 0;
    for (const current of sizes(MAX_GROUPS_PER_USER + 1))
      for (const target of sizes(MAX_GROUPS_PER_USER))
        for (const emailChange of ['none', 'free', 'taken back'] as const) {
          const old = Array.from({ length: current }, (_, i) => groupRecord(`old${i}`, `o${i}`));
          const next = Array.from({ length: target }, (_, i) => groupRecord(`new${i}`, `n${i}`));
          const p = plan(
            {
              type: 'USER_UPDATED',
              user: userRef('ana@x.io'),
              name: 'A',
              passwordHash: HASH,
              groups: next.map((g) => groupRef(g.group.name)),
              ...(emailChange === 'none' ? {} : { email: 'z@x.io' }),
            },
            {
              ...viewOf({
                user: userRecord(
                  'ana@x.io',
                  'u1',
                  old.map((g) => g.group.groupKey),
                ),
                groups: [...old, ...next],
                emails: emailChange === 'taken back' ? [emailClaim('z@x.io', 'u2')] : [],
              }),
              ...(emailChange === 'taken back'
                ? {
                    emailHolders: new Map([
                      [userIdOf('z@x.io'), { user: taker, previousFree: true, laterApplied: true }],
                    ]),
                  }
                : {}),
            },
          );
          expect(p.kind).toBe('transaction');
          if (emailChange === 'taken back') expect(summary(p)).toContain('update yield:marker');
          const items = opsOf(p).length;
          if (items > MAX_TRANSACTION_ITEMS)
            throw new Error(`${current} -> ${target} (${emailChange}): ${items} items`);
          largest = Math.max(largest, items);
        }
    // marker, user, old claim + its history entry and head, the taken claim, the yield's 3, 2 per group change.
    expect(largest).toBe(9 + 2 * (MAX_GROUPS_PER_USER + 1) + 2 * MAX_GROUPS_PER_USER);
  });
});

describe('USER_DELETED', () => {
  test('the user, its email claim and every membership', () => {
    const p = plan(
      { type: 'USER_DELETED', user: userRef('ana@x.io') },
      viewOf({ user: userRecord('ana@x.io', 'u1', ['g1', 'g2'], 2) }),
    );
    expect(summary(p)).toEqual([
      'put marker',
      'delete user',
      'delete email:old',
      'put former:email',
      'put history:email',
      'delete membership:g1',
      'update count:g1',
      'delete membership:g2',
      'update count:g2',
    ]);
  });
  test('an unknown user is rejected', () => {
    expect(plan({ type: 'USER_DELETED', user: userRef('x@x.io') })).toMatchObject({ kind: 'reject' });
  });
});

describe('read skew: the user read through an email claim has since moved to another email', () => {
  const moved = viewOf({ user: userRecord('ana@moved.io', 'u1', ['g1']) });
  test.each([
    ['USER_DELETED', { type: 'USER_DELETED' as const, user: userRef('ana@x.io') }],
    ['USER_UPDATED', { type: 'USER_UPDATED' as const, user: userRef('ana@x.io'), passwordHash: HASH }],
  ])('%s is refused as naming no user, never applied to the user who moved away', (_, command) => {
    expect(plan(command, moved)).toEqual({
      kind: 'reject',
      reasons: [{ path: 'user', message: 'unknown user: "ana@x.io"', missing: true }],
    });
  });
});

test('the same command and view always give the same plan', () => {
  const view = viewOf({ groups: [groupRecord('Dev')] });
  const command = {
    type: 'USER_CREATED' as const,
    name: 'A',
    email: 'a@x.io',
    passwordHash: HASH,
    groups: [groupRef('Dev')],
  };
  expect(plan(command, view, 'same')).toEqual(plan(command, view, 'same'));
});
