/** The write plans of the user commands. */
import type { HashedCommand } from '../commands';
import type { CommandEvent } from '../events';
import { userIdOf } from '../ids';
import { keys, LISTS, sentAfter, type UserItem, type UserState } from '../model';
import type { UserRecord, View } from '../store';
import { equals, type WriteOp } from '../writes';
import {
  create,
  emailClaim,
  emailClaimRemoval,
  emailTaken,
  firstVersion,
  formerClaim,
  joinGroup,
  leaveGroup,
  marker,
  reject,
  sendOrderOf,
  transaction,
  unknownUser,
  type Plan,
  type PlanContext,
  type Ref,
} from './ops';
import { resolveGroups, missingGroups } from './references';
import { carrying, snapshotAfter } from './snapshot';
import { takeEmailBack } from './yield';

type CommandOf<K extends HashedCommand['type']> = Extract<HashedCommand, { type: K }>;

/**
 * Who a command names, at its send order:
 * - `user`: the user that held the email then: its current holder (the claim is read before the
 *   user item, so a user who moved to another email in between is not the one named: read skew), or
 *   one that moved to another email since (found through the claim's history);
 * - `gone`: the user that held it then was deleted since, or its holder got it only after the
 *   command was sent: in send order the command's effect is overwritten, it changes nothing;
 * - `none`: no one, now or then.
 */
const namedAt = (
  view: View,
  ref: Ref,
  ctx: PlanContext,
):
  | { readonly kind: 'user'; readonly record: UserRecord }
  | { readonly kind: 'gone' }
  | { readonly kind: 'none' } => {
  if (view.user?.formerly !== undefined) return { kind: 'user', record: view.user };
  const current = view.user !== undefined && view.user.user.userId === ref.id ? view.user : undefined;
  if (current !== undefined && sentAfter(sendOrderOf(ctx), current.user.emailSince))
    return { kind: 'user', record: current };
  if (view.formerUser !== undefined || current !== undefined) return { kind: 'gone' };
  return { kind: 'none' };
};

/** The email claim of a user and its history entry, as the user gives it up. */
const emailRetirement = (user: UserState, retiredAs: 'renamed' | 'deleted', ctx: PlanContext) => [
  emailClaimRemoval(user),
  ...formerClaim(
    keys.email(user.userId),
    user.userKey,
    { claimedOrder: user.emailSince, retiredOrder: sendOrderOf(ctx) },
    retiredAs,
    ctx,
  ),
];

/**
 * The writes that claim an email for a user: a new claim if no one has it, the claim taken back from
 * a user that took it in a command sent later (`takeEmailBack`), or undefined: taken.
 */
const emailClaimFor = (
  view: View,
  email: string,
  userKey: string,
  ctx: PlanContext,
): WriteOp[] | undefined => {
  const userId = userIdOf(email);
  if (!view.emails.has(userId)) return [emailClaim(userId, userKey, email)];
  return takeEmailBack(view, email, userKey, ctx);
};

/**
 * Whether an email a command gives, in a field a later command set since, belonged to another user
 * already (one that will not yield it): in send order the command was refused for it.
 */
const heldByAnother = (view: View, email: string, ref: Ref, user: UserState, ctx: PlanContext): boolean => {
  const userId = userIdOf(email);
  if (userId === ref.id || view.emails.get(userId)?.userKey === user.userKey) return false;
  return emailClaimFor(view, email, user.userKey, ctx) === undefined;
};

/** USER_CREATED: the user (keyed by the command id), its email claim, its memberships and the marker. */
export const planUserCreated = (
  event: CommandEvent,
  command: CommandOf<'USER_CREATED'>,
  view: View,
  ctx: PlanContext,
): Plan => {
  const userId = userIdOf(command.email);
  const order = sendOrderOf(ctx);
  const groups = resolveGroups(command.groups, view, order);
  const userKey = ctx.commandId;
  const claim = emailClaimFor(view, command.email, userKey, ctx);
  const reasons = [
    ...(claim === undefined ? [emailTaken(command.email)] : []),
    ...missingGroups(groups.missing),
  ];
  if (reasons.length > 0 || claim === undefined) return reject(...reasons);
  const user: UserItem = {
    ...keys.user(userKey),
    type: 'USER',
    userKey,
    userId,
    name: command.name,
    email: command.email,
    passwordHash: command.passwordHash,
    nameOrder: order,
    emailOrder: order,
    emailSince: order,
    passwordOrder: order,
    groupsOrder: order,
    ...firstVersion(ctx),
    gsi1pk: LISTS.users,
    gsi1sk: command.email,
  };
  const snapshot = snapshotAfter(
    user,
    {},
    [],
    groups.join.map((g) => g.groupKey),
  );
  return transaction(
    marker(event, ctx),
    create('user', user),
    ...carrying(claim, snapshot),
    ...groups.join.flatMap((group) => joinGroup(userKey, group, ctx.now)),
  );
};

/**
 * USER_UPDATED: the user item, an atomic email swap, and the membership changes, in one transaction.
 * Each field it gives (name, email, password, groups) is set only if no command sent after it set
 * that field already: delivered late, it changes what send order would have left, and nothing else.
 */
export const planUserUpdated = (
  event: CommandEvent,
  command: CommandOf<'USER_UPDATED'>,
  view: View,
  ctx: PlanContext,
): Plan => {
  const named = namedAt(view, command.user, ctx);
  if (named.kind === 'none') return unknownUser(command.user.label);
  if (named.kind === 'gone') return transaction(marker(event, ctx));
  const { user, memberships } = named.record;
  const order = sendOrderOf(ctx);
  const takes = {
    name: command.name !== undefined && sentAfter(order, user.nameOrder),
    email: command.email !== undefined && sentAfter(order, user.emailOrder),
    password: command.passwordHash !== undefined && sentAfter(order, user.passwordOrder),
    groups: command.groups !== undefined && sentAfter(order, user.groupsOrder),
  };
  const newEmail =
    takes.email && command.email !== undefined && userIdOf(command.email) !== user.userId
      ? command.email
      : undefined;
  const newUserId = newEmail === undefined ? user.userId : userIdOf(newEmail);
  // Fields a later command set are still checked: in send order a refused field refused it all.
  const groups = resolveGroups(command.groups ?? [], view, order);
  const claim = newEmail === undefined ? [] : emailClaimFor(view, newEmail, user.userKey, ctx);
  const taken =
    newEmail !== undefined
      ? claim === undefined
      : !takes.email &&
        command.email !== undefined &&
        heldByAnother(view, command.email, command.user, user, ctx);
  const reasons = [
    ...(taken && command.email !== undefined ? [emailTaken(command.email)] : []),
    ...missingGroups(groups.missing),
  ];
  if (reasons.length > 0 || claim === undefined) return reject(...reasons);
  // Every field it gives was set by a command sent after it: in send order, overwritten.
  if (!Object.values(takes).some(Boolean)) return transaction(marker(event, ctx));

  const set: Record<string, string | number> = { updatedAt: ctx.now, version: user.version + 1 };
  if (takes.name && command.name !== undefined) Object.assign(set, { name: command.name, nameOrder: order });
  if (takes.password && command.passwordHash !== undefined)
    Object.assign(set, { passwordHash: command.passwordHash, passwordOrder: order });
  if (takes.email) set['emailOrder'] = order;
  if (takes.groups) set['groupsOrder'] = order;
  if (newEmail !== undefined)
    Object.assign(set, {
      email: newEmail,
      userId: newUserId,
      gsi1sk: newEmail,
      emailSince: order,
      previousEmail: user.email,
      ...(user.emailSince === undefined ? {} : { previousEmailSince: user.emailSince }),
    });
  const targetKeys = new Set(groups.join.map((g) => g.groupKey));
  const removals = takes.groups ? memberships.filter((k) => !targetKeys.has(k)) : [];
  const additions = takes.groups ? groups.join.filter((g) => !memberships.includes(g.groupKey)) : [];
  const remove = newEmail !== undefined && user.emailSince === undefined ? ['previousEmailSince'] : [];
  const snapshot = snapshotAfter(user, set, remove, [
    ...memberships.filter((k) => !removals.includes(k)),
    ...additions.map((g) => g.groupKey),
  ]);
  return transaction(
    marker(event, ctx),
    {
      op: 'update',
      label: 'user',
      key: keys.user(user.userKey),
      set,
      remove,
      conditions: [equals('version', user.version)],
    },
    ...carrying(newEmail === undefined ? [] : [...emailRetirement(user, 'renamed', ctx), ...claim], snapshot),
    ...removals.flatMap((groupKey) => leaveGroup(user.userKey, groupKey)),
    ...additions.flatMap((group) => joinGroup(user.userKey, group, ctx.now)),
  );
};

/** USER_DELETED: the user, its email claim (kept in the claim's history) and every membership. */
export const planUserDeleted = (event: CommandEvent, ref: Ref, view: View, ctx: PlanContext): Plan => {
  const named = namedAt(view, ref, ctx);
  if (named.kind === 'none') return unknownUser(ref.label);
  if (named.kind === 'gone') return transaction(marker(event, ctx));
  const { user, memberships } = named.record;
  return transaction(
    marker(event, ctx),
    {
      op: 'delete',
      label: 'user',
      key: keys.user(user.userKey),
      conditions: [equals('version', user.version)],
    },
    ...emailRetirement(user, 'deleted', ctx),
    ...memberships.flatMap((groupKey) => leaveGroup(user.userKey, groupKey)),
  );
};
