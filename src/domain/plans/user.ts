/** The write plans of the user commands. */
import type { HashedCommand } from '../commands';
import type { CommandEvent } from '../events';
import { userIdOf } from '../ids';
import { keys, LISTS } from '../model';
import type { UserRecord, View } from '../store';
import { equals } from '../writes';
import {
  create,
  emailClaim,
  firstVersion,
  emailClaimRemoval,
  emailTaken,
  joinGroup,
  knownGroups,
  leaveGroup,
  marker,
  reject,
  sendOrderOf,
  sentAfter,
  transaction,
  unknownGroups,
  unknownUser,
  type Plan,
  type PlanContext,
  type Ref,
} from './ops';

type CommandOf<K extends HashedCommand['type']> = Extract<HashedCommand, { type: K }>;

/**
 * A command naming a user by an email the user got only after the command was sent (created or
 * changed later) named someone else, or no one, in send order: it changes nothing (`emailOrder`).
 *
 * The user a command names, if the view holds it under that id. The claim is read before the user
 * item, so a user who moved to another email in between is found through the old claim: that user is
 * not the one named (read skew), and the command names no user.
 */
const namedUser = (view: View, ref: Ref): UserRecord | undefined =>
  view.user !== undefined && view.user.user.userId === ref.id ? view.user : undefined;

/** USER_CREATED: the user (keyed by the command id), its email claim, its memberships and the marker. */
export const planUserCreated = (
  event: CommandEvent,
  command: CommandOf<'USER_CREATED'>,
  view: View,
  ctx: PlanContext,
): Plan => {
  const userId = userIdOf(command.email);
  const reasons = [
    ...(view.emails.has(userId) ? [emailTaken(command.email)] : []),
    ...unknownGroups(command.groups, view),
  ];
  if (reasons.length > 0) return reject(...reasons);
  const userKey = ctx.commandId;
  const order = sendOrderOf(ctx);
  return transaction(
    marker(event, ctx),
    create('user', {
      ...keys.user(userKey),
      type: 'USER',
      userKey,
      userId,
      name: command.name,
      email: command.email,
      passwordHash: command.passwordHash,
      nameOrder: order,
      emailOrder: order,
      passwordOrder: order,
      groupsOrder: order,
      ...firstVersion(ctx),
      gsi1pk: LISTS.users,
      gsi1sk: command.email,
    }),
    emailClaim(userId, userKey, command.email),
    ...knownGroups(command.groups, view).flatMap((record) => joinGroup(userKey, record, ctx.now)),
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
  const named = namedUser(view, command.user);
  if (named === undefined) return unknownUser(command.user.label);
  const { user, memberships } = named;
  const order = sendOrderOf(ctx);
  if (!sentAfter(order, user.emailOrder)) return transaction(marker(event, ctx));
  const takes = {
    name: command.name !== undefined && sentAfter(order, user.nameOrder),
    email: command.email !== undefined && sentAfter(order, user.emailOrder),
    password: command.passwordHash !== undefined && sentAfter(order, user.passwordOrder),
    groups: command.groups !== undefined && sentAfter(order, user.groupsOrder),
  };
  // Every field it gives was set by a command sent after it: in send order, overwritten.
  if (!Object.values(takes).some(Boolean)) return transaction(marker(event, ctx));
  const newEmail =
    takes.email && command.email !== undefined && userIdOf(command.email) !== user.userId
      ? command.email
      : undefined;
  const newUserId = newEmail === undefined ? user.userId : userIdOf(newEmail);
  const groups = takes.groups ? (command.groups ?? []) : [];
  const reasons = [
    ...(newEmail !== undefined && view.emails.has(newUserId) ? [emailTaken(newEmail)] : []),
    ...unknownGroups(groups, view),
  ];
  if (reasons.length > 0) return reject(...reasons);

  const set: Record<string, string | number> = { updatedAt: ctx.now, version: user.version + 1 };
  if (takes.name && command.name !== undefined) Object.assign(set, { name: command.name, nameOrder: order });
  if (takes.password && command.passwordHash !== undefined)
    Object.assign(set, { passwordHash: command.passwordHash, passwordOrder: order });
  if (takes.email) set['emailOrder'] = order;
  if (takes.groups) set['groupsOrder'] = order;
  if (newEmail !== undefined) Object.assign(set, { email: newEmail, userId: newUserId, gsi1sk: newEmail });
  const target = knownGroups(groups, view);
  const targetKeys = new Set(target.map((r) => r.group.groupKey));
  const removals = takes.groups ? memberships.filter((k) => !targetKeys.has(k)) : [];
  const additions = target.filter((r) => !memberships.includes(r.group.groupKey));
  return transaction(
    marker(event, ctx),
    {
      op: 'update',
      label: 'user',
      key: keys.user(user.userKey),
      set,
      remove: [],
      conditions: [equals('version', user.version)],
    },
    ...(newEmail === undefined
      ? []
      : [emailClaimRemoval(user), emailClaim(newUserId, user.userKey, newEmail)]),
    ...removals.flatMap((groupKey) => leaveGroup(user.userKey, groupKey)),
    ...additions.flatMap((record) => joinGroup(user.userKey, record, ctx.now)),
  );
};

/** USER_DELETED: the user, its email claim and every membership. */
export const planUserDeleted = (event: CommandEvent, ref: Ref, view: View, ctx: PlanContext): Plan => {
  const named = namedUser(view, ref);
  if (named === undefined) return unknownUser(ref.label);
  const { user, memberships } = named;
  if (!sentAfter(sendOrderOf(ctx), user.emailOrder)) return transaction(marker(event, ctx));
  return transaction(
    marker(event, ctx),
    {
      op: 'delete',
      label: 'user',
      key: keys.user(user.userKey),
      conditions: [equals('version', user.version)],
    },
    emailClaimRemoval(user),
    ...memberships.flatMap((groupKey) => leaveGroup(user.userKey, groupKey)),
  );
};
