/** The user snapshot a plan writes on its user's email claim (see `UserSnapshot`). */
import { keys, userStateOf, type EmailItem, type UserSnapshot, type UserState } from '../model';
import { equals, type WriteOp } from '../writes';
import { emailClaimItem } from './ops';

/**
 * A user's state after an update: `set` applied, `remove` removed (fields outside the user state
 * are ignored), with the group keys of its memberships then.
 */
export const snapshotAfter = (
  user: UserState,
  set: Readonly<Record<string, unknown>>,
  remove: readonly string[],
  groupKeys: readonly string[],
): UserSnapshot => {
  const merged: Record<string, unknown> = { ...user, ...set };
  for (const field of remove) delete merged[field];
  return { ...userStateOf(merged as unknown as UserState), groupKeys: [...groupKeys] };
};

const isClaimOf = (
  op: WriteOp,
  snapshot: UserSnapshot,
): op is Extract<WriteOp, { op: 'put' }> & {
  readonly item: EmailItem;
} => {
  if (op.op !== 'put' || op.item.type !== 'EMAIL') return false;
  const claim = keys.email(snapshot.userId);
  return op.item.pk === claim.pk && op.item.userKey === snapshot.userKey;
};

/**
 * The ops with the user's email claim carrying `snapshot`: the claim the ops put for it gets it;
 * if they put none (the email stays), the claim is put again with it, only if still the user's.
 */
export const carrying = (ops: readonly WriteOp[], snapshot: UserSnapshot): WriteOp[] => {
  if (ops.some((op) => isClaimOf(op, snapshot)))
    return ops.map((op) =>
      isClaimOf(op, snapshot) ? { ...op, item: { ...op.item, holder: snapshot } } : op,
    );
  const claim: EmailItem = {
    ...emailClaimItem(snapshot.userId, snapshot.userKey, snapshot.email),
    holder: snapshot,
  };
  return [
    ...ops,
    { op: 'put', label: 'email:snapshot', item: claim, conditions: [equals('userKey', snapshot.userKey)] },
  ];
};
