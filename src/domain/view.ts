/**
 * How a command's view is read (`DirectoryStore.load`), over a small reader port: the claims it
 * names, their groups and user, and, at the command's send order, the claims' history and the users
 * that may have to yield an email. The DynamoDB adapter and the tests' in-memory store both build
 * their views here, so they cannot drift apart.
 */
import { userIdOf } from './ids';
import {
  canonicalIdOfClaim,
  commandIdOfOrder,
  groupIdOfClaim,
  keys,
  sentAfter,
  userIdOfClaim,
  type CommandItem,
  type EmailItem,
  type FormerClaimItem,
  type GroupCanonicalItem,
  type GroupItem,
  type GroupNameItem,
  type HeadsSinceItem,
  type HistoryHeadItem,
  type Key,
  type UserItem,
  type UserSnapshot,
  userStateOf,
} from './model';
import {
  coveringFormer,
  type EmailHolder,
  type FormerGroup,
  type GroupRecord,
  type GroupState,
  type Lookup,
  type UserRecord,
  type View,
} from './store';

/** The reads a view is made of, each strongly consistent. */
export interface ViewReader {
  /** The items at these keys (absent ones left out, in any order). */
  readonly items: <T>(keyList: readonly Key[]) => Promise<T[]>;
  /** A claim's history entries. */
  readonly former: (claim: Key) => Promise<FormerClaimItem[]>;
  /** A user's item and the group keys of its memberships. */
  readonly user: (userKey: string) => Promise<UserRecord | undefined>;
}

type Claim = GroupNameItem | GroupCanonicalItem | EmailItem;

/**
 * The keys of a view's first read, all in one request: the command's marker, the claims it names
 * and, with a send order, their history heads and the table's heads marker.
 */
export const firstReadOf = (lookup: Lookup): Key[] => {
  const emailIds = [...lookup.emailIds, ...(lookup.userId === undefined ? [] : [lookup.userId])];
  const historyKeys =
    lookup.order === undefined
      ? []
      : [
          keys.headsSince(),
          ...[...lookup.groupIds.map(keys.groupName), ...emailIds.map(keys.email)].map(keys.history),
        ];
  return [
    ...(lookup.commandId === undefined ? [] : [keys.command(lookup.commandId)]),
    ...lookup.groupIds.map(keys.groupName),
    ...lookup.canonicalIds.map(keys.groupCanonical),
    ...emailIds.map(keys.email),
    ...historyKeys,
  ];
};
const CLAIM_TYPES = new Set<string>(['GROUPNAME', 'GROUPCANON', 'EMAIL']);

/** A user record from the snapshot its email claim carries. */
const recordOf = (holder: UserSnapshot): UserRecord => ({
  user: userStateOf(holder),
  memberships: holder.groupKeys,
});

/** Reads the view of a lookup. */
export const readView = async (reader: ViewReader, lookup: Lookup): Promise<View> => {
  const order = lookup.order;
  const first = await reader.items<Claim | CommandItem | HistoryHeadItem | HeadsSinceItem>(
    firstReadOf(lookup),
  );
  const marker = first.find((i): i is CommandItem => i.type === 'COMMAND');
  const claims = first.filter((i): i is Claim => CLAIM_TYPES.has(i.type));
  const headsSince = first.find((i): i is HeadsSinceItem => i.type === 'META');
  const heads = new Set(first.filter((i) => i.type === 'HISTORY').map((i) => i.pk));
  const trusted = headsSince !== undefined && order !== undefined && order >= headsSince.since;
  /** A claim's history, queried unless its absent head says there is none. */
  const historyOf = async (claim: Key): Promise<FormerClaimItem[]> =>
    trusted && !heads.has(claim.pk) ? [] : reader.former(claim);
  const nameClaims = claims.filter((c): c is GroupNameItem => c.type === 'GROUPNAME');
  const canonicalNames = new Map(
    claims
      .filter((c): c is GroupCanonicalItem => c.type === 'GROUPCANON')
      .map((c) => [canonicalIdOfClaim(c), c]),
  );
  const emailClaims = claims.filter((c): c is EmailItem => c.type === 'EMAIL');
  // A claim exists only while its group is active (a deletion frees it first) and carries the
  // group's version and name order; a claim written before it did needs the group item read.
  const legacy = nameClaims.filter((c) => c.version === undefined);
  const groupItems =
    legacy.length === 0 ? [] : await reader.items<GroupItem>(legacy.map((c) => keys.group(c.groupKey)));
  const groups = new Map<string, GroupRecord>();
  for (const claim of nameClaims) {
    const group: GroupState | undefined =
      claim.version === undefined
        ? groupItems.find((g) => g.groupKey === claim.groupKey && g.status === 'ACTIVE')
        : {
            groupKey: claim.groupKey,
            groupId: groupIdOfClaim(claim),
            name: claim.name,
            status: 'ACTIVE',
            version: claim.version,
            ...(claim.nameOrder === undefined ? {} : { nameOrder: claim.nameOrder }),
          };
    if (group !== undefined) groups.set(groupIdOfClaim(claim), { claim, group });
  }
  // A name no group has, or one its group got after the command was sent: who had it then?
  const formerGroups = new Map<string, FormerGroup>();
  // Emails the command claims that a user took after it was sent: that user may have to yield.
  const emailHolders = new Map<string, EmailHolder>();
  if (order !== undefined) {
    await Promise.all(
      lookup.groupIds
        .filter((id) => {
          const holder = groups.get(id);
          return holder === undefined || !sentAfter(order, holder.group.nameOrder);
        })
        .map(async (id) => {
          const former = coveringFormer(await historyOf(keys.groupName(id)), order);
          if (former === undefined) return;
          const [group] =
            former.retiredAs === 'renamed'
              ? await reader.items<GroupItem>([keys.group(former.entityKey)])
              : [];
          formerGroups.set(id, { former, ...(group?.status === 'ACTIVE' ? { group } : {}) });
        }),
    );
    await Promise.all(
      emailClaims
        .filter((c) => lookup.emailIds.includes(userIdOfClaim(c)))
        .map(async (claim) => {
          const user = claim.holder ?? (await reader.items<UserItem>([keys.user(claim.userKey)]))[0];
          if (user?.emailSince === undefined || user.emailSince <= order || user.previousEmail === undefined)
            return;
          const [previous, later] = await Promise.all([
            reader.items([keys.email(userIdOf(user.previousEmail))]),
            reader.items<CommandItem>([keys.command(commandIdOfOrder(user.emailSince))]),
          ]);
          emailHolders.set(userIdOfClaim(claim), {
            user,
            ...(claim.holder === undefined ? {} : { memberships: claim.holder.groupKeys }),
            previousFree: previous.length === 0,
            laterApplied: later[0]?.status === 'APPLIED',
          });
        }),
    );
  }
  const emails = new Map(emailClaims.map((c) => [userIdOfClaim(c), c]));
  const unmarked = order !== undefined && headsSince === undefined ? { headsSinceMissing: true } : {};
  const base = {
    ...unmarked,
    groups,
    canonicalNames,
    emails,
    formerGroups,
    emailHolders,
    ...(marker === undefined ? {} : { marker }),
  };
  if (lookup.userId === undefined) return base;
  const userClaim = emails.get(lookup.userId);
  const current =
    userClaim === undefined
      ? undefined
      : userClaim.holder !== undefined && lookup.userFromPartition !== true
        ? recordOf(userClaim.holder)
        : await reader.user(userClaim.userKey);
  const withCurrent = current === undefined ? base : { ...base, user: current };
  const named = current?.user.userId === lookup.userId ? current : undefined;
  // The user holding the email now held it then (or no order to look back from): that is the one.
  if (order === undefined || (named !== undefined && sentAfter(order, named.user.emailSince)))
    return withCurrent;
  const former = coveringFormer(await historyOf(keys.email(lookup.userId)), order);
  if (former === undefined) return withCurrent;
  const moved = former.retiredAs === 'renamed' ? await reader.user(former.entityKey) : undefined;
  if (moved !== undefined) return { ...base, user: { ...moved, formerly: former } };
  return { ...withCurrent, formerUser: former };
};
