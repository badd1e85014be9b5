/**
 * Claims yield to an earlier-sent claimer (default mode). On standard queues a command taking an
 * email can be delivered after one sent later that took the same email: in send order the earlier
 * one got it and the later one was refused. When the later one was an email change that changed
 * nothing else, and the email its user had before is still free, it is undone (its user gets that
 * email back) and its outcome becomes REJECTED with the reason send order gives, in the same
 * transaction that gives the email to the earlier command. Otherwise the earlier command is refused.
 */
import { userIdOf } from '../ids';
import { commandIdOfOrder, expiryOf, keys, LISTS, REJECTION_TTL_SECONDS } from '../model';
import { formatReason } from '../reasons';
import type { View } from '../store';
import { equals, type WriteOp } from '../writes';
import { emailClaim, emailClaimItem, emailTaken, sendOrderOf, type PlanContext } from './ops';
import { carrying, snapshotAfter } from './snapshot';

/**
 * The writes that take an email from the user holding it, for a command that claims
 * it for `userKey`; undefined when the holder keeps it (the command is then refused as today).
 */
export const takeEmailBack = (
  view: View,
  email: string,
  userKey: string,
  ctx: PlanContext,
): WriteOp[] | undefined => {
  const order = sendOrderOf(ctx);
  const userId = userIdOf(email);
  const holder = view.emailHolders?.get(userId);
  // The later command's outcome must still be on record (markers expire) to be turned into a refusal.
  if (holder === undefined || !holder.previousFree || !holder.laterApplied) return undefined;
  const { user } = holder;
  const since = user.emailSince;
  const previous = user.previousEmail;
  if (since === undefined || since <= order || previous === undefined || user.userKey === userKey)
    return undefined;
  // The later command changed other fields too: undoing only its email would leave half of it.
  if ([user.nameOrder, user.passwordOrder, user.groupsOrder].includes(since)) return undefined;
  const later = commandIdOfOrder(since);
  const restoredSince = user.previousEmailSince;
  const previousId = userIdOf(previous);
  const restored = {
    email: previous,
    userId: previousId,
    gsi1sk: previous,
    updatedAt: ctx.now,
    version: user.version + 1,
    ...(restoredSince === undefined ? {} : { emailSince: restoredSince, emailOrder: restoredSince }),
  };
  const removed = [
    'previousEmail',
    'previousEmailSince',
    ...(restoredSince === undefined ? ['emailSince', 'emailOrder'] : []),
  ];
  const restoredClaim: WriteOp = { ...emailClaim(previousId, user.userKey, previous), label: 'yield:claim' };
  return [
    {
      op: 'update',
      label: 'yield:user',
      key: keys.user(user.userKey),
      set: restored,
      remove: removed,
      conditions: [equals('version', user.version), equals('emailSince', since)],
    },
    ...(holder.memberships === undefined
      ? [restoredClaim]
      : carrying([restoredClaim], snapshotAfter(user, restored, removed, holder.memberships))),
    {
      op: 'put',
      label: 'email:new',
      item: emailClaimItem(userId, userKey, email),
      conditions: [equals('userKey', user.userKey)],
    },
    {
      op: 'update',
      label: 'yield:marker',
      key: keys.command(later),
      set: {
        status: 'REJECTED',
        at: ctx.now,
        reasons: [formatReason(emailTaken(user.email))],
        gsi1pk: LISTS.rejections,
        gsi1sk: `${ctx.now}#${later}`,
        expiresAt: expiryOf(ctx.now, REJECTION_TTL_SECONDS),
      },
      remove: [],
      conditions: [equals('status', 'APPLIED')],
    },
  ];
};
