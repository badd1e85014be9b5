/** What group references name at a command's send order: now, or through the names' history. */
import type { SendOrder } from '../model';
import { sentAfter } from '../model';
import { missingReason, quote, type Reason } from '../reasons';
import type { GroupState, View } from '../store';
import type { Ref } from './ops';

/**
 * Which group a reference names, at a send order:
 * - `holder`: the group that has the name now and had it then;
 * - `renamed`: the group that had it then and was renamed since (found through the name's history);
 * - `later`: the group that has it now got it only after the command was sent;
 * - `gone`: the group that had it then was deleted since;
 * - `none`: no group, now or then.
 */
export const groupNamedAt = (
  view: View,
  ref: Ref,
  order: SendOrder,
):
  | { readonly kind: 'holder' | 'renamed' | 'later'; readonly group: GroupState }
  | { readonly kind: 'gone' }
  | { readonly kind: 'none' } => {
  const active = view.groups.get(ref.id);
  if (active !== undefined && sentAfter(order, active.group.nameOrder))
    return { kind: 'holder', group: active.group };
  const former = view.formerGroups?.get(ref.id);
  if (former !== undefined)
    return former.former.retiredAs === 'renamed' && former.group !== undefined
      ? { kind: 'renamed', group: former.group }
      : { kind: 'gone' };
  return active === undefined ? { kind: 'none' } : { kind: 'later', group: active.group };
};

/**
 * What a list of group references named at a send order: groups to join (active now, or renamed since
 * under another name) and references to no group. A reference to a group deleted since is dropped
 * without a reason: in send order its membership was swept with it.
 */
export const resolveGroups = (
  refs: readonly Ref[],
  view: View,
  order: SendOrder,
): { readonly join: readonly GroupState[]; readonly missing: readonly Ref[] } => {
  const join = new Map<string, GroupState>();
  const missing: Ref[] = [];
  for (const ref of refs) {
    const named = groupNamedAt(view, ref, order);
    if (named.kind === 'none') missing.push(ref);
    else if (named.kind !== 'gone' && !join.has(named.group.groupKey))
      join.set(named.group.groupKey, named.group);
  }
  return { join: [...join.values()], missing };
};

/** The reason listing references that name no group (none when there are none). */
export const missingGroups = (missing: readonly Ref[]): Reason[] =>
  missing.length === 0
    ? []
    : [
        missingReason(
          'groups',
          `unknown group${missing.length > 1 ? 's' : ''}: ${missing.map((r) => quote(r.label)).join(', ')}`,
        ),
      ];
