/** The write plans of the group commands. */
import type { CommandEvent } from '../events';
import { canonicalGroupNameOf, groupIdOf } from '../ids';
import { keys, LISTS, type Key } from '../model';
import type { View } from '../store';
import { equals, MARKER_LABEL, type WriteOp } from '../writes';
import {
  canonicalClaim,
  canonicalClaimRemoval,
  create,
  firstVersion,
  nameRefusal,
  marker,
  nameClaim,
  nameClaimRemoval,
  reject,
  transaction,
  unknownGroup,
  type Plan,
  type PlanContext,
  type Ref,
} from './ops';

/** GROUP_CREATED: the group (keyed by the command id), its name claim and the marker. */
export const planGroupCreated = (event: CommandEvent, name: string, view: View, ctx: PlanContext): Plan => {
  const refusal = nameRefusal(name, view);
  if (refusal !== undefined) return reject(refusal);
  const groupId = groupIdOf(name);
  const groupKey = ctx.commandId;
  return transaction(
    marker(event, ctx),
    create('group', {
      ...keys.group(groupKey),
      type: 'GROUP',
      groupKey,
      groupId,
      name,
      status: 'ACTIVE',
      ...firstVersion(ctx),
      gsi1pk: LISTS.groups,
      gsi1sk: name,
    }),
    nameClaim(groupId, groupKey, name),
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
  const current = view.groups.get(ref.id);
  if (current === undefined) return unknownGroup(ref);
  const newId = groupIdOf(name);
  if (newId === ref.id) return transaction(marker(event, ctx));
  const { group } = current;
  const refusal = nameRefusal(name, view, group.groupKey);
  if (refusal !== undefined) return reject(refusal);
  const sameCanonical = canonicalGroupNameOf(name) === canonicalGroupNameOf(group.name);
  return transaction(
    marker(event, ctx),
    {
      op: 'update',
      label: 'group',
      key: keys.group(group.groupKey),
      set: { name, groupId: newId, gsi1sk: name, updatedAt: ctx.now, version: group.version + 1 },
      remove: [],
      conditions: [equals('version', group.version), equals('status', 'ACTIVE')],
    },
    nameClaimRemoval(ref.id, group.groupKey),
    nameClaim(newId, group.groupKey, name),
    ...(sameCanonical
      ? []
      : [canonicalClaimRemoval(group.name, group.groupKey), canonicalClaim(name, group.groupKey)]),
  );
};

/** GROUP_DELETED, first step: hide the group and free its name; the memberships are swept after. */
export const planGroupDeleted = (event: CommandEvent, ref: Ref, view: View, ctx: PlanContext): Plan => {
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
      nameClaimRemoval(ref.id, group.groupKey),
      canonicalClaimRemoval(group.name, group.groupKey),
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
