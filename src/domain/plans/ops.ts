/** The shared vocabulary of the write planners: plans, their context, and the write ops they reuse. */
import type { CommandEvent } from '../events';
import { canonicalGroupNameOf, groupIdOf } from '../ids';
import {
  entityTypeOf,
  expiryOf,
  FORMER_TTL_SECONDS,
  groupMembersPartition,
  keys,
  markerItem,
  MEMBER_PREFIX,
  type EmailItem,
  type FormerClaimItem,
  type Item,
  type Key,
  type SendOrder,
  type UserState,
} from '../model';
import { missingReason, quote, reason, type Reason } from '../reasons';
import type { GroupState, View } from '../store';
import { absent, equals, MARKER_LABEL, present, type WriteOp } from '../writes';

/** What to do with a command. */
export type Plan =
  | { readonly kind: 'transaction'; readonly ops: readonly WriteOp[] }
  | { readonly kind: 'reject'; readonly reasons: readonly Reason[] }
  /**
   * A group deletion: `whole` deletes it in one transaction if it has no member (its count is 0);
   * else `begin` hides it and frees its name, and its memberships are swept after.
   */
  | {
      readonly kind: 'deleteGroup';
      readonly groupKey: string;
      readonly whole: readonly WriteOp[];
      readonly begin: readonly WriteOp[];
    };

/** When and by which command the writes happen. */
export interface PlanContext {
  readonly commandId: string;
  readonly sentAt: string;
  readonly now: string;
}

/** A group or user reference as the planners read it. */
export interface Ref {
  readonly id: string;
  readonly label: string;
}

/** The command's marker, put only if absent: its failure means "already done". */
export const marker = (
  event: CommandEvent,
  ctx: PlanContext,
  status: 'APPLIED' | 'IN_PROGRESS' = 'APPLIED',
  groupKey?: string,
): WriteOp => ({
  op: 'put',
  label: MARKER_LABEL,
  item: markerItem(
    {
      commandId: ctx.commandId,
      eventType: event.command.type,
      entityType: entityTypeOf(event.command.type),
      stage: 'cache-handler',
      at: ctx.now,
      sentAt: ctx.sentAt,
    },
    status,
    groupKey,
  ),
  conditions: [absent],
});

/** Puts a new item, only if no item has its key. */
export const create = (label: string, item: Item): WriteOp => ({
  op: 'put',
  label,
  item,
  conditions: [absent],
});

/** The command's place in send order. */
export const sendOrderOf = (ctx: Pick<PlanContext, 'sentAt' | 'commandId'>): SendOrder =>
  `${ctx.sentAt}#${ctx.commandId}`;

/** The bookkeeping fields of a new group or user. */
export const firstVersion = (ctx: PlanContext) => ({ version: 1, createdAt: ctx.now, updatedAt: ctx.now });

/** A one-transaction plan. */
export const transaction = (...ops: WriteOp[]): Plan => ({ kind: 'transaction', ops });

/** A refusal with its reasons. */
export const reject = (...reasons: Reason[]): Plan => ({ kind: 'reject', reasons });

/** The refusal of a command naming a user that does not exist. */
export const unknownUser = (label: string): Plan =>
  reject(missingReason('user', `unknown user: ${quote(label)}`));

/** The refusal of a command naming a group that does not exist. */
export const unknownGroup = (ref: Ref): Plan =>
  reject(missingReason('group', `unknown group: ${quote(ref.label)}`));

/** The reason a name is refused because another group has it. */
export const groupNameTaken = (name: string): Reason =>
  reason('name', `a group named ${quote(name)} already exists`);

/** The reason a name is refused because another group's name differs from it only in case or form. */
export const groupNameClashes = (name: string, existing: string): Reason =>
  reason(
    'name',
    `${quote(name)} is the same name as the existing group ${quote(existing)} (names are compared ignoring case and compatibility forms)`,
  );

/** Why a group may not take this name (none when it may); `self` is the group being renamed. */
export const nameRefusal = (name: string, view: View, self?: string): Reason | undefined => {
  if (view.groups.has(groupIdOf(name))) return groupNameTaken(name);
  const clash = view.canonicalNames.get(canonicalGroupNameOf(name));
  return clash === undefined || clash.groupKey === self ? undefined : groupNameClashes(name, clash.name);
};

/** The reason an email is refused because another user has it. */
export const emailTaken = (email: string): Reason =>
  reason('email', `a user with email ${quote(email)} already exists`);

/**
 * Keeps a name or email in its claim's history when its holder gives it up (renamed, email changed,
 * deleted), so that commands sent while it held it still find it; expires with the markers. Its
 * head beside the claim says that the claim has history (see `HistoryHeadItem`).
 */
export const formerClaim = (
  claim: Key,
  entityKey: string,
  span: { readonly claimedOrder: SendOrder | undefined; readonly retiredOrder: SendOrder },
  retiredAs: FormerClaimItem['retiredAs'],
  ctx: PlanContext,
): WriteOp[] => {
  const { claimedOrder, retiredOrder } = span;
  const expiresAt = expiryOf(ctx.now, FORMER_TTL_SECONDS);
  const entry: WriteOp = {
    op: 'put',
    label: `former:${claim.sk.toLowerCase()}`,
    item: {
      ...keys.former(claim, `${retiredOrder}#${claimedOrder ?? ''}`),
      type: 'FORMER',
      entityKey,
      ...(claimedOrder === undefined ? {} : { claimedOrder }),
      retiredOrder,
      retiredAs,
      expiresAt,
    },
    conditions: [absent],
  };
  const head: WriteOp = {
    op: 'put',
    label: `history:${claim.sk.toLowerCase()}`,
    item: { ...keys.history(claim), type: 'HISTORY', expiresAt },
    conditions: [],
  };
  return [entry, head];
};

/**
 * Adds a user to a group and counts the member on the group item, asserting inside the transaction
 * that the group is still active under the name the command used (a rename or deletion fails it).
 */
export const joinGroup = (userKey: string, group: GroupState, now: string): WriteOp[] => {
  const { groupKey, groupId } = group;
  return [
    {
      op: 'update',
      label: `group:${groupId}`,
      key: keys.group(groupKey),
      set: {},
      remove: [],
      add: { memberCount: 1 },
      conditions: [equals('groupId', groupId), equals('status', 'ACTIVE')],
    },
    {
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
      conditions: [absent],
    },
  ];
};

/** Uncounts `count` members of a group that still exists (active or being deleted). */
export const uncount = (groupKey: string, count: number): WriteOp => ({
  op: 'update',
  label: `count:${groupKey}`,
  key: keys.group(groupKey),
  set: {},
  remove: [],
  add: { memberCount: -count },
  conditions: [present],
});

/**
 * Removes one membership and uncounts it, only if it is still there: a concurrent removal (a group
 * deletion's sweep) makes the command re-read and re-plan instead of counting the member out twice.
 */
export const leaveGroup = (userKey: string, groupKey: string): WriteOp[] => [
  {
    op: 'delete',
    label: `membership:${groupKey}`,
    key: keys.membership(userKey, groupKey),
    conditions: [present],
  },
  uncount(groupKey, 1),
];

/** Claims a group name (by its id) for a group, only if no group has it. */
export const nameClaim = (
  groupId: string,
  groupKey: string,
  name: string,
  group: { readonly version: number; readonly nameOrder: SendOrder },
): WriteOp => ({
  op: 'put',
  label: 'name:new',
  item: {
    ...keys.groupName(groupId),
    type: 'GROUPNAME',
    groupKey,
    name,
    version: group.version,
    nameOrder: group.nameOrder,
  },
  conditions: [absent],
});

/** Frees a group name, only if the claim is still this group's. */
export const nameClaimRemoval = (groupId: string, groupKey: string): WriteOp => ({
  op: 'delete',
  label: 'name:old',
  key: keys.groupName(groupId),
  conditions: [equals('groupKey', groupKey)],
});

/** Claims a name's canonical key for a group, only if no group has a name with that key. */
export const canonicalClaim = (name: string, groupKey: string): WriteOp => ({
  op: 'put',
  label: 'canonical:new',
  item: { ...keys.groupCanonical(canonicalGroupNameOf(name)), type: 'GROUPCANON', groupKey, name },
  conditions: [absent],
});

/** Frees a name's canonical key, only if the claim is still this group's. */
export const canonicalClaimRemoval = (name: string, groupKey: string): WriteOp => ({
  op: 'delete',
  label: 'canonical:old',
  key: keys.groupCanonical(canonicalGroupNameOf(name)),
  conditions: [equals('groupKey', groupKey)],
});

/** The email claim item of a user (without a snapshot: see `plans/snapshot.ts`). */
export const emailClaimItem = (userId: string, userKey: string, email: string): EmailItem => ({
  ...keys.email(userId),
  type: 'EMAIL',
  userKey,
  email,
});

/** Claims an email (by its user id) for a user, only if no user has it. */
export const emailClaim = (userId: string, userKey: string, email: string): WriteOp => ({
  op: 'put',
  label: 'email:new',
  item: emailClaimItem(userId, userKey, email),
  conditions: [absent],
});

/** Frees a user's current email, only if the claim is still this user's. */
export const emailClaimRemoval = (user: UserState): WriteOp => ({
  op: 'delete',
  label: 'email:old',
  key: keys.email(user.userId),
  conditions: [equals('userKey', user.userKey)],
});

/** Marks the table's history heads as trusted from `since` on (put once: the first writer wins). */
export const headsSinceMarker = (since: SendOrder): WriteOp => ({
  op: 'put',
  label: 'heads-since',
  item: { ...keys.headsSince(), type: 'META', since },
  conditions: [absent],
});
