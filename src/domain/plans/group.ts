/** The write plans of the group commands. */
import type { CommandEvent } from '../events';
import { canonicalGroupNameOf, groupIdOf } from '../ids';
import { keys, LISTS, type Key } from '../model';
import type { GroupState, View } from '../store';
import { equals, MARKER_LABEL, present, type WriteOp } from '../writes';
import {
  canonicalClaim,
  canonicalClaimRemoval,
  create,
  firstVersion,
  formerClaim,
  nameRefusal,
  marker,
  nameClaim,
  uncount,
  nameClaimRemoval,
  reject,
  sendOrderOf,
  transaction,
  unknownGroup,
  type Plan,
  type PlanContext,
  type Ref,
} from './ops';
import { groupNamedAt } from './references';

/** A group's name claim, freed, and its history entry, as the group gives the name up. */
const nameRetirement = (
  groupId: string,
  group: GroupState,
  retiredAs: 'renamed' | 'deleted',
  ctx: PlanContext,
): WriteOp[] => [
  nameClaimRemoval(groupId, group.groupKey),
  ...formerClaim(
    keys.groupName(groupId),
    group.groupKey,
    { claimedOrder: group.nameOrder, retiredOrder: sendOrderOf(ctx) },
    retiredAs,
    ctx,
  ),
];

/** GROUP_CREATED: the group (keyed by the command id), its name claim and the marker. */
export const planGroupCreated = (event: CommandEvent, name: string, view: View, ctx: PlanContext): Plan => {
  const refusal = nameRefusal(name, view);
  if (refusal !== undefined) return reject(refusal);
  const groupId = groupIdOf(name);
  const groupKey = ctx.commandId;
  const order = sendOrderOf(ctx);
  return transaction(
    marker(event, ctx),
    create('group', {
      ...keys.group(groupKey),
      type: 'GROUP',
      groupKey,
      groupId,
      name,
      status: 'ACTIVE',
      memberCount: 0,
      nameOrder: order,
      ...firstVersion(ctx),
      gsi1pk: LISTS.groups,
      gsi1sk: name,
    }),
    nameClaim(groupId, groupKey, name, { version: 1, nameOrder: order }),
    canonicalClaim(name, groupKey),
  );
};

/** GROUP_UPDATED: a rename touches four items whatever the member count (memberships hold the key). */
export const planGroupUpdated = (
  event: CommandEvent,
  ref: Ref,
  name: string,
  view: View,
  ctx: PlanContext,
): Plan => {
  const named = groupNamedAt(view, ref, sendOrderOf(ctx));
  if (named.kind === 'none') return unknownGroup(ref);
  // Renamed or deleted since by a command sent after this one (last writer wins), or the group got
  // this name only after the command was sent: in send order, overwritten.
  if (named.kind !== 'holder') return transaction(marker(event, ctx));
  const newId = groupIdOf(name);
  if (newId === ref.id) return transaction(marker(event, ctx));
  const { group } = named;
  const order = sendOrderOf(ctx);
  const refusal = nameRefusal(name, view, group.groupKey);
  if (refusal !== undefined) return reject(refusal);
  const sameCanonical = canonicalGroupNameOf(name) === canonicalGroupNameOf(group.name);
  return transaction(
    marker(event, ctx),
    {
      op: 'update',
      label: 'group',
      key: keys.group(group.groupKey),
      set: {
        name,
        groupId: newId,
        gsi1sk: name,
        nameOrder: order,
        updatedAt: ctx.now,
        version: group.version + 1,
      },
      remove: [],
      conditions: [equals('version', group.version), equals('status', 'ACTIVE')],
    },
    ...nameRetirement(ref.id, group, 'renamed', ctx),
    nameClaim(newId, group.groupKey, name, { version: group.version + 1, nameOrder: order }),
    ...(sameCanonical
      ? []
      : [canonicalClaimRemoval(group.name, group.groupKey), canonicalClaim(name, group.groupKey)]),
  );
};

/**
 * GROUP_DELETED: a group without members goes in one transaction (with its name); one with members
 * is hidden and its name freed first, and its memberships are swept after.
 */
export const planGroupDeleted = (event: CommandEvent, ref: Ref, view: View, ctx: PlanContext): Plan => {
  const named = groupNamedAt(view, ref, sendOrderOf(ctx));
  if (named.kind === 'none') return unknownGroup(ref);
  // Deleted since, or the group got this name only after the command was sent: nothing to delete.
  if (named.kind === 'gone' || named.kind === 'later') return transaction(marker(event, ctx));
  // Held the name at the send order (renamed since or not): in send order, deleted then.
  const { group } = named;
  const unchanged = [equals('version', group.version), equals('status', 'ACTIVE')];
  const freed = [
    ...nameRetirement(group.groupId, group, 'deleted', ctx),
    canonicalClaimRemoval(group.name, group.groupKey),
  ];
  return {
    kind: 'deleteGroup',
    groupKey: group.groupKey,
    whole: [
      marker(event, ctx),
      {
        op: 'delete',
        label: 'group',
        key: keys.group(group.groupKey),
        conditions: [...unchanged, equals('memberCount', 0)],
      },
      ...freed,
    ],
    begin: [
      marker(event, ctx, 'IN_PROGRESS', group.groupKey),
      {
        op: 'update',
        label: 'group',
        key: keys.group(group.groupKey),
        set: { status: 'DELETING', updatedAt: ctx.now, version: group.version + 1 },
        remove: ['gsi1pk', 'gsi1sk'],
        conditions: unchanged,
      },
      ...freed,
    ],
  };
};

/**
 * The last step of a group deletion, once no membership is left: the group item goes and the
 * marker turns APPLIED, in one transaction that only the first finisher can win. The group's own
 * count, not the (eventually consistent) index, says that no membership is left.
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
  { op: 'delete', label: 'group', key: keys.group(groupKey), conditions: [equals('memberCount', 0)] },
];

/** The label of a membership's deletion in a sweep: its key's partition (the member). */
export const sweepLabel = (membership: Key): string => `membership:${membership.pk}`;

/**
 * Deletes a batch of a deleting group's memberships and uncounts them. Each must still exist: an
 * index entry that outlived its item (the index lags) fails the transaction with its label, and the
 * sweep retries without it.
 */
export const planMembershipSweep = (groupKey: string, memberships: readonly Key[]): WriteOp[] => [
  ...memberships.map((key): WriteOp => ({
    op: 'delete',
    label: sweepLabel(key),
    key,
    conditions: [present],
  })),
  uncount(groupKey, memberships.length),
];
