/**
 * The write planner: for each command, what to read (`lookupFor`) and, from that consistent view,
 * what to write under which conditions (`planCommand`). Pure: the same command and view always give
 * the same plan. The plans themselves live in `plans/`.
 */
import type { HashedCommand } from './commands';
import type { CommandEvent } from './events';
import { canonicalGroupNameOf, groupIdOf, userIdOf } from './ids';
import { planGroupCreated, planGroupDeleted, planGroupUpdated } from './plans/group';
import type { Plan, PlanContext } from './plans/ops';
import { planUserCreated, planUserDeleted, planUserUpdated } from './plans/user';
import type { Lookup, View } from './store';

export { planGroupDeletionFinish, planMembershipSweep, sweepLabel } from './plans/group';
export { sendOrderOf } from './plans/ops';
export type { Plan, PlanContext } from './plans/ops';

/** The reads a command needs. */
export const lookupFor = (command: HashedCommand): Lookup => {
  switch (command.type) {
    case 'GROUP_CREATED':
      return {
        groupIds: [groupIdOf(command.name)],
        canonicalIds: [canonicalGroupNameOf(command.name)],
        emailIds: [],
      };
    case 'GROUP_UPDATED':
      return {
        groupIds: [command.group.id, groupIdOf(command.name)],
        canonicalIds: [canonicalGroupNameOf(command.name)],
        emailIds: [],
      };
    case 'GROUP_DELETED':
      return { groupIds: [command.group.id], canonicalIds: [], emailIds: [] };
    case 'USER_CREATED':
      return {
        groupIds: command.groups.map((g) => g.id),
        canonicalIds: [],
        emailIds: [userIdOf(command.email)],
      };
    case 'USER_UPDATED':
      return {
        groupIds: (command.groups ?? []).map((g) => g.id),
        canonicalIds: [],
        emailIds: command.email === undefined ? [] : [userIdOf(command.email)],
        userId: command.user.id,
      };
    case 'USER_DELETED':
      return { groupIds: [], canonicalIds: [], emailIds: [], userId: command.user.id };
  }
};

/** Plans a command against a consistent view: the items to write under which conditions, or the rule it breaks. */
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
      return planUserDeleted(event, command.user, view, ctx);
  }
};
