import type { HashedCommand } from './commands';
import type { CommandEvent } from './events';
import { groupIdOf, userIdOf } from './ids';
import {
  expiryOf,
  keys,
  LISTS,
  MARKER_TTL_SECONDS,
  groupMembersPartition,
  MEMBER_PREFIX,
  type CommandItem,
  type EmailItem,
  type GroupItem,
  type GroupNameItem,
  type Key,
  type UserItem,
} from './model';
import { reason, type Reason } from './reasons';
import { absent, equals, MARKER_LABEL, type WriteOp } from './writes';

/** What a command needs read before it can be planned. */
export interface Lookup {
  /** Public group ids (name hashes) whose claim and group item to read. */
  readonly groupIds: readonly string[];
  /** Public user ids (email hashes) whose email claim to read. */
  readonly emailIds: readonly string[];
  /** The user the command names: its claim, item and memberships are read. */
  readonly userId?: string;
}

/** An active group found through its name claim. */
export interface GroupRecord {
  readonly claim: GroupNameItem;
  readonly group: GroupItem;
}

/** The user a command names, with the group keys of its memberships. */
export interface UserRecord {
  readonly user: UserItem;
  readonly memberships: readonly string[];
}

/** A consistent read of what a command needs: the planner's whole input besides the command. */
export interface View {
  readonly groups: ReadonlyMap<string, GroupRecord>;
  readonly emails: ReadonlyMap<string, EmailItem>;
  readonly user?: UserRecord;
}

/** What to do with a command. */
export type Plan =
  | { readonly kind: 'transaction'; readonly ops: readonly WriteOp[] }
  | { readonly kind: 'reject'; readonly reasons: readonly Reason[] }
  | { readonly kind: 'deleteGroup'; readonly groupKey: string; readonly begin: readonly WriteOp[] };

/** When and by which command the writes happen. */
export interface PlanContext {
  readonly commandId: string;
  readonly sentAt: string;
  readonly now: string;
}

/** The reads a command needs. */
export const lookupFor = (command: HashedCommand): Lookup => {
  switch (command.type) {
    case 'GROUP_CREATED':
      return { groupIds: [groupIdOf(command.name)], emailIds: [] };
    case 'GROUP_UPDATED':
      return { groupIds: [command.group.id, groupIdOf(command.name)], emailIds: [] };
    case 'GROUP_DELETED':
      return { groupIds: [command.group.id], emailIds: [] };
    case 'USER_CREATED':
      return { groupIds: command.groups.map((g) => g.id), emailIds: [userIdOf(command.email)] };
    case 'USER_UPDATED':
      return {
        groupIds: (command.groups ?? []).map((g) => g.id),
        emailIds: command.email === undefined ? [] : [userIdOf(command.email)],
        userId: command.user.id,
      };
    case 'USER_DELETED':
      return { groupIds: [], emailIds: [], userId: command.user.id };
  }
};

const markerItem = (
  event: CommandEvent,
  ctx: PlanContext,
  status: CommandItem['status'],
  groupKey?: string,
): CommandItem => ({
  ...keys.command(ctx.commandId),
  type: 'COMMAND',
  commandId: ctx.commandId,
  status,
  eventType: event.command.type,
  entityType: event.command.type.startsWith('USER') ? 'USER' : 'GROUP',
  stage: 'cache-handler',
  at: ctx.now,
  sentAt: ctx.sentAt,
  ...(groupKey === undefined ? {} : { groupKey }),
  expiresAt: expiryOf(ctx.now, MARKER_TTL_SECONDS),
});

const marker = (
  event: CommandEvent,
  ctx: PlanContext,
  status: CommandItem['status'] = 'APPLIED',
  groupKey?: string,
): WriteOp => ({
  op: 'put',
  label: MARKER_LABEL,
  item: markerItem(event, ctx, status, groupKey),
  conditions: [absent],
});

const reject = (...reasons: Reason[]): Plan => ({ kind: 'reject', reasons });
const quote = (s: string): string => JSON.stringify(s);

const unknownGroups = (refs: readonly { id: string; label: string }[], view: View): Reason[] => {
  const missing = refs.filter((r) => !view.groups.has(r.id));
  return missing.length === 0
    ? []
    : [
        reason(
          'groups',
          `unknown group${missing.length > 1 ? 's' : ''}: ${missing.map((r) => quote(r.label)).join(', ')}`,
        ),
      ];
};

const membershipOp = (userKey: string, groupKey: string, now: string): WriteOp => ({
  op: 'put',
  label: `membership:${groupKey}`,
  item: {
    ...keys.membership(userKey, groupKey),
    type: 'MEMBERSHIP',
    userKey,
    groupKey,
    createdAt: now,
    gsi1pk: groupMembersPartition(groupKey),
    gsi1sk: `${MEMBER_PREFIX}${userKey}`,
  },
  conditions: [],
});

/** Asserts, inside the transaction, that a name still names the same active group. */
const groupStillThere = (record: GroupRecord): WriteOp => ({
  op: 'check',
  label: `group:${record.group.groupId}`,
  key: keys.groupName(record.group.groupId),
  conditions: [equals('groupKey', record.group.groupKey)],
});

const nameClaim = (groupId: string, groupKey: string, name: string): WriteOp => ({
  op: 'put',
  label: 'name:new',
  item: { ...keys.groupName(groupId), type: 'GROUPNAME', groupKey, name },
  conditions: [absent],
});

/** The active groups a list of references names, in order (unknown ones are reported elsewhere). */
const knownGroups = (refs: readonly { id: string }[], view: View): GroupRecord[] =>
  refs.flatMap((ref) => {
    const record = view.groups.get(ref.id);
    return record === undefined ? [] : [record];
  });

/** Removes one membership; no condition, so a concurrent group deletion's sweep cannot make it fail. */
const membershipRemoval = (userKey: string, groupKey: string): WriteOp => ({
  op: 'delete',
  label: `membership:${groupKey}`,
  key: keys.membership(userKey, groupKey),
  conditions: [],
});

/** Frees a user's current email, only if the claim is still this user's. */
const emailClaimRemoval = (user: UserItem): WriteOp => ({
  op: 'delete',
  label: 'email:old',
  key: keys.email(user.userId),
  conditions: [equals('userKey', user.userKey)],
});

const unknownUser = (label: string): Plan => reject(reason('user', `unknown user: ${quote(label)}`));

const unknownGroup = (ref: { label: string }): Plan =>
  reject(reason('group', `unknown group: ${quote(ref.label)}`));

const emailClaim = (userId: string, userKey: string, email: string): WriteOp => ({
  op: 'put',
  label: 'email:new',
  item: { ...keys.email(userId), type: 'EMAIL', userKey, email },
  conditions: [absent],
});

const planGroupCreated = (event: CommandEvent, name: string, view: View, ctx: PlanContext): Plan => {
  const groupId = groupIdOf(name);
  if (view.groups.has(groupId)) return reject(reason('name', `a group named ${quote(name)} already exists`));
  const groupKey = ctx.commandId;
  return {
    kind: 'transaction',
    ops: [
      marker(event, ctx),
      {
        op: 'put',
        label: 'group',
        item: {
          ...keys.group(groupKey),
          type: 'GROUP',
          groupKey,
          groupId,
          name,
          status: 'ACTIVE',
          version: 1,
          createdAt: ctx.now,
          updatedAt: ctx.now,
          gsi1pk: LISTS.groups,
          gsi1sk: name,
        },
        conditions: [absent],
      },
      nameClaim(groupId, groupKey, name),
    ],
  };
};

const planGroupUpdated = (
  event: CommandEvent,
  ref: { id: string; label: string },
  name: string,
  view: View,
  ctx: PlanContext,
): Plan => {
  const current = view.groups.get(ref.id);
  if (current === undefined) return unknownGroup(ref);
  const newId = groupIdOf(name);
  if (newId === ref.id) return { kind: 'transaction', ops: [marker(event, ctx)] };
  if (view.groups.has(newId)) return reject(reason('name', `a group named ${quote(name)} already exists`));
  const { group } = current;
  return {
    kind: 'transaction',
    ops: [
      marker(event, ctx),
      {
        op: 'update',
        label: 'group',
        key: keys.group(group.groupKey),
        set: { name, groupId: newId, gsi1sk: name, updatedAt: ctx.now, version: group.version + 1 },
        remove: [],
        conditions: [equals('version', group.version), equals('status', 'ACTIVE')],
      },
      {
        op: 'delete',
        label: 'name:old',
        key: keys.groupName(ref.id),
        conditions: [equals('groupKey', group.groupKey)],
      },
      nameClaim(newId, group.groupKey, name),
    ],
  };
};

const planGroupDeleted = (
  event: CommandEvent,
  ref: { id: string; label: string },
  view: View,
  ctx: PlanContext,
): Plan => {
  const current = view.groups.get(ref.id);
  if (current === undefined) return unknownGroup(ref);
  const { group } = current;
  return {
    kind: 'deleteGroup',
    groupKey: group.groupKey,
    begin: [
      marker(event, ctx, 'IN_PROGRESS', group.groupKey),
      {
        op: 'update',
        label: 'group',
        key: keys.group(group.groupKey),
        set: { status: 'DELETING', updatedAt: ctx.now, version: group.version + 1 },
        remove: ['gsi1pk', 'gsi1sk'],
        conditions: [equals('version', group.version), equals('status', 'ACTIVE')],
      },
      {
        op: 'delete',
        label: 'name:old',
        key: keys.groupName(ref.id),
        conditions: [equals('groupKey', group.groupKey)],
      },
    ],
  };
};

/**
 * The last step of a group deletion, once no membership is left: the group item goes and the
 * marker turns APPLIED, in one transaction that only the first finisher can win.
 */
export const planGroupDeletionFinish = (commandId: string, groupKey: string, now: string): WriteOp[] => [
  {
    op: 'update',
    label: MARKER_LABEL,
    key: keys.command(commandId),
    set: { status: 'APPLIED', at: now },
    remove: ['groupKey'],
    conditions: [equals('status', 'IN_PROGRESS')],
  },
  { op: 'delete', label: 'group', key: keys.group(groupKey), conditions: [] },
];

/** Deletes a batch of a deleting group's memberships (idempotent: deleting a missing item is a no-op). */
export const planMembershipSweep = (memberships: readonly Key[]): WriteOp[] =>
  memberships.map((key) => ({ op: 'delete', label: `membership:${key.sk}`, key, conditions: [] }));

const planUserCreated = (
  event: CommandEvent,
  command: Extract<HashedCommand, { type: 'USER_CREATED' }>,
  view: View,
  ctx: PlanContext,
): Plan => {
  const userId = userIdOf(command.email);
  const reasons = [
    ...(view.emails.has(userId)
      ? [reason('email', `a user with email ${quote(command.email)} already exists`)]
      : []),
    ...unknownGroups(command.groups, view),
  ];
  if (reasons.length > 0) return reject(...reasons);
  const userKey = ctx.commandId;
  const groups = knownGroups(command.groups, view);
  return {
    kind: 'transaction',
    ops: [
      marker(event, ctx),
      {
        op: 'put',
        label: 'user',
        item: {
          ...keys.user(userKey),
          type: 'USER',
          userKey,
          userId,
          name: command.name,
          email: command.email,
          passwordHash: command.passwordHash,
          version: 1,
          createdAt: ctx.now,
          updatedAt: ctx.now,
          gsi1pk: LISTS.users,
          gsi1sk: command.email,
        },
        conditions: [absent],
      },
      emailClaim(userId, userKey, command.email),
      ...groups.flatMap((record) => [
        groupStillThere(record),
        membershipOp(userKey, record.group.groupKey, ctx.now),
      ]),
    ],
  };
};

const planUserUpdated = (
  event: CommandEvent,
  command: Extract<HashedCommand, { type: 'USER_UPDATED' }>,
  view: View,
  ctx: PlanContext,
): Plan => {
  if (view.user === undefined) return unknownUser(command.user.label);
  const { user, memberships } = view.user;
  const newUserId = command.email === undefined ? user.userId : userIdOf(command.email);
  const emailChanges = newUserId !== user.userId;
  const reasons = [
    ...(emailChanges && view.emails.has(newUserId)
      ? [reason('email', `a user with email ${quote(command.email ?? '')} already exists`)]
      : []),
    ...unknownGroups(command.groups ?? [], view),
  ];
  if (reasons.length > 0) return reject(...reasons);

  const set: Record<string, string | number> = { updatedAt: ctx.now, version: user.version + 1 };
  if (command.name !== undefined) set['name'] = command.name;
  if (command.passwordHash !== undefined) set['passwordHash'] = command.passwordHash;
  if (emailChanges && command.email !== undefined) {
    set['email'] = command.email;
    set['userId'] = newUserId;
    set['gsi1sk'] = command.email;
  }
  const target = knownGroups(command.groups ?? [], view);
  const targetKeys = new Set(target.map((r) => r.group.groupKey));
  const removals = command.groups === undefined ? [] : memberships.filter((k) => !targetKeys.has(k));
  const additions = target.filter((r) => !memberships.includes(r.group.groupKey));
  return {
    kind: 'transaction',
    ops: [
      marker(event, ctx),
      {
        op: 'update',
        label: 'user',
        key: keys.user(user.userKey),
        set,
        remove: [],
        conditions: [equals('version', user.version)],
      },
      ...(emailChanges && command.email !== undefined
        ? [emailClaimRemoval(user), emailClaim(newUserId, user.userKey, command.email)]
        : []),
      ...removals.map((groupKey) => membershipRemoval(user.userKey, groupKey)),
      ...additions.flatMap((record) => [
        groupStillThere(record),
        membershipOp(user.userKey, record.group.groupKey, ctx.now),
      ]),
    ],
  };
};

const planUserDeleted = (event: CommandEvent, label: string, view: View, ctx: PlanContext): Plan => {
  if (view.user === undefined) return unknownUser(label);
  const { user, memberships } = view.user;
  return {
    kind: 'transaction',
    ops: [
      marker(event, ctx),
      {
        op: 'delete',
        label: 'user',
        key: keys.user(user.userKey),
        conditions: [equals('version', user.version)],
      },
      emailClaimRemoval(user),
      ...memberships.map((groupKey) => membershipRemoval(user.userKey, groupKey)),
    ],
  };
};

/**
 * Plans a command against a consistent view: the items to write under which conditions, or the
 * rule it breaks. Pure: the same command and view always give the same plan.
 */
export const planCommand = (event: CommandEvent, view: View, ctx: PlanContext): Plan => {
  const command = event.command;
  switch (command.type) {
    case 'GROUP_CREATED':
      return planGroupCreated(event, command.name, view, ctx);
    case 'GROUP_UPDATED':
      return planGroupUpdated(event, command.group, command.name, view, ctx);
    case 'GROUP_DELETED':
      return planGroupDeleted(event, command.group, view, ctx);
    case 'USER_CREATED':
      return planUserCreated(event, command, view, ctx);
    case 'USER_UPDATED':
      return planUserUpdated(event, command, view, ctx);
    case 'USER_DELETED':
      return planUserDeleted(event, command.user.label, view, ctx);
  }
};
