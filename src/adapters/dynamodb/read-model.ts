/** The read side: the directory and the rejections as the CLI and the tests show them. */
import { GetCommand, paginateQuery, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  groupMembersPartition,
  keys,
  LISTS,
  MEMBER_PREFIX,
  PREFIX,
  type CommandItem,
  type EmailItem,
  type GroupItem,
  type GsiView,
  type GroupNameItem,
  type Key,
  type MembershipItem,
  type UserItem,
} from '../../domain/model';
import { partitionQuery, queryAll } from './client';
import { decodeCursor, encodeCursor } from './cursor';
import type { GroupView, MemberView, Page, UserView } from './read-views';
import { mapBounded } from '../map-bounded';
import { batchGet } from './store';

export type { GroupView, MemberView, Page, UserView } from './read-views';

/** Queries one read keeps in flight: below the SDK client's 50 sockets. */
const READ_CONCURRENCY = 32;

/** The directory as users see it. Both lists come from the same membership items, so they always agree. */
export interface DirectoryState {
  readonly users: { id: string; email: string; name: string; groups: string[] }[];
  readonly groups: { id: string; name: string; members: string[] }[];
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Reads the whole directory: users sorted by email, groups by name, every list sorted. */
export const readDirectory = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<DirectoryState> => {
  const list = <T>(partition: string) =>
    queryAll<T>(doc, partitionQuery({ tableName, partition, index: 'gsi' }));
  const [users, groups] = await Promise.all([
    list<GsiView<UserItem>>(LISTS.users),
    list<GsiView<GroupItem>>(LISTS.groups),
  ]);
  const activeGroups = new Map(groups.filter((g) => g.status === 'ACTIVE').map((g) => [g.groupKey, g]));
  const members = new Map<string, string[]>([...activeGroups.keys()].map((k) => [k, []]));
  const userRows = await mapBounded(users, READ_CONCURRENCY, async (user) => {
    const memberships = await queryAll<MembershipItem>(
      doc,
      partitionQuery({ tableName, partition: keys.user(user.userKey).pk, sortKeyPrefix: MEMBER_PREFIX }),
    );
    const names = memberships.flatMap((m) => {
      const group = activeGroups.get(m.groupKey);
      if (group === undefined) return [];
      members.get(m.groupKey)?.push(user.email);
      return [group.name];
    });
    return { id: user.userId, email: user.email, name: user.name, groups: names.sort(byText) };
  });
  return {
    users: userRows.sort((a, b) => byText(a.email, b.email)),
    groups: [...activeGroups.values()]
      .map((g) => ({ id: g.groupId, name: g.name, members: (members.get(g.groupKey) ?? []).sort(byText) }))
      .sort((a, b) => byText(a.name, b.name)),
  };
};

/** A rejected command as the CLI and the tests list it. */
export interface RejectionView {
  readonly commandId: string;
  readonly eventType: string | null;
  readonly entityType: string | null;
  readonly stage: string;
  readonly reasons: readonly string[];
  readonly at: string;
}

/** Every stored rejection, oldest first. */
export const listRejections = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<RejectionView[]> => {
  const items = await queryAll<GsiView<CommandItem>>(
    doc,
    partitionQuery({ tableName, partition: LISTS.rejections, index: 'gsi', ascending: true }),
  );
  return items.map(rejectionView);
};

const rejectionView = (i: GsiView<CommandItem>): RejectionView => ({
  commandId: i.commandId,
  eventType: i.eventType ?? null,
  entityType: i.entityType ?? null,
  stage: i.stage,
  reasons: i.reasons ?? [],
  at: i.at,
});

/**
 * One page of a GSI partition as base-table keys: the index may project keys only, so callers
 * read the items themselves by key (which also keeps unprojected attributes out of the index).
 */
const gsiKeyPage = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  page: { partition: string; limit: number; cursor?: string | undefined; ascending?: boolean },
): Promise<{ keys: Key[]; next?: string }> => {
  const start = decodeCursor(page.cursor, page.partition);
  const result = await doc.send(
    new QueryCommand({
      ...partitionQuery({
        tableName,
        partition: page.partition,
        index: 'gsi',
        limit: page.limit,
        ascending: page.ascending ?? true,
      }),
      ...(start === undefined ? {} : { ExclusiveStartKey: start }),
    }),
  );
  const keyList = (result.Items ?? []).map((i) => ({ pk: String(i['pk']), sk: String(i['sk']) }));
  const next = encodeCursor(result.LastEvaluatedKey);
  return { keys: keyList, ...(next === undefined ? {} : { next }) };
};

/** Reads items by key and returns them in the order of the keys (missing ones dropped). */
const itemsInOrder = async <T extends Key>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keyList: readonly Key[],
): Promise<T[]> => {
  const found = new Map((await batchGet<T>(doc, tableName, keyList)).map((i) => [`${i.pk}|${i.sk}`, i]));
  return keyList.flatMap((k) => {
    const item = found.get(`${k.pk}|${k.sk}`);
    return item === undefined ? [] : [item];
  });
};

const getItem = async <T>(doc: DynamoDBDocumentClient, tableName: string, key: Key): Promise<T | undefined> =>
  (await doc.send(new GetCommand({ TableName: tableName, Key: { pk: key.pk, sk: key.sk } }))).Item as
    T | undefined;

const usersWithGroups = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  users: readonly UserItem[],
): Promise<UserView[]> => {
  const memberships = await mapBounded(users, READ_CONCURRENCY, (u) =>
    queryAll<MembershipItem>(
      doc,
      partitionQuery({ tableName, partition: keys.user(u.userKey).pk, sortKeyPrefix: MEMBER_PREFIX }),
    ),
  );
  const groupKeys = [...new Set(memberships.flat().map((m) => m.groupKey))];
  const groups = new Map(
    (await batchGet<GroupItem>(doc, tableName, groupKeys.map(keys.group)))
      .filter((g) => g.status === 'ACTIVE')
      .map((g) => [g.groupKey, g.name]),
  );
  return users.map((u, i) => ({
    id: u.userId,
    email: u.email,
    name: u.name,
    groups: (memberships[i] ?? []).flatMap((m) => groups.get(m.groupKey) ?? []).sort(byText),
  }));
};

/** One page of users sorted by email, each with the names of its groups. */
export const listUsersPage = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  limit: number,
  cursor?: string,
): Promise<Page<UserView>> => {
  const page = await gsiKeyPage(doc, tableName, { partition: LISTS.users, limit, cursor });
  const users = await itemsInOrder<UserItem>(doc, tableName, page.keys);
  const items = await usersWithGroups(doc, tableName, users);
  return { items, ...(page.next === undefined ? {} : { next: page.next }) };
};

/** One user by its public id (sha256 of the email), or undefined. */
export const getUserView = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  userId: string,
): Promise<UserView | undefined> => {
  const claim = await getItem<EmailItem>(doc, tableName, keys.email(userId));
  const user = claim && (await getItem<UserItem>(doc, tableName, keys.user(claim.userKey)));
  return user === undefined ? undefined : (await usersWithGroups(doc, tableName, [user]))[0];
};

const memberCountOf = async (doc: DynamoDBDocumentClient, tableName: string, group: GroupItem) => {
  const stored = (group as GroupItem & { memberCount?: unknown }).memberCount;
  if (typeof stored === 'number') return stored;
  let count = 0;
  for await (const page of paginateQuery(
    { client: doc },
    {
      ...partitionQuery({ tableName, partition: groupMembersPartition(group.groupKey), index: 'gsi' }),
      Select: 'COUNT',
    },
  ))
    count += page.Count ?? 0;
  return count;
};

const groupView = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  g: GroupItem,
): Promise<GroupView> => ({
  id: g.groupId,
  name: g.name,
  memberCount: await memberCountOf(doc, tableName, g),
});

/** One page of active groups sorted by name, with their member counts. */
export const listGroupsPage = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  limit: number,
  cursor?: string,
): Promise<Page<GroupView>> => {
  const page = await gsiKeyPage(doc, tableName, { partition: LISTS.groups, limit, cursor });
  const groups = (await itemsInOrder<GroupItem>(doc, tableName, page.keys)).filter(
    (g) => g.status === 'ACTIVE',
  );
  const items = await Promise.all(groups.map((g) => groupView(doc, tableName, g)));
  return { items, ...(page.next === undefined ? {} : { next: page.next }) };
};

const activeGroupById = async (doc: DynamoDBDocumentClient, tableName: string, groupId: string) => {
  const claim = await getItem<GroupNameItem>(doc, tableName, keys.groupName(groupId));
  const group = claim && (await getItem<GroupItem>(doc, tableName, keys.group(claim.groupKey)));
  return group?.status === 'ACTIVE' ? group : undefined;
};

/** One active group by its public id (sha256 of the name), or undefined. */
export const getGroupView = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  groupId: string,
): Promise<GroupView | undefined> => {
  const group = await activeGroupById(doc, tableName, groupId);
  return group === undefined ? undefined : groupView(doc, tableName, group);
};

/** One page of an active group's members (undefined when there is no such group). */
export const listMembersPage = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  groupId: string,
  limit: number,
  cursor?: string,
): Promise<Page<MemberView> | undefined> => {
  const group = await activeGroupById(doc, tableName, groupId);
  if (group === undefined) return undefined;
  const partition = groupMembersPartition(group.groupKey);
  const page = await gsiKeyPage(doc, tableName, { partition, limit, cursor });
  const userKeys = page.keys.map((k) => keys.user(k.pk.slice(PREFIX.user.length)));
  const users = await itemsInOrder<UserItem>(doc, tableName, userKeys);
  const items = users.map((u) => ({ id: u.userId, email: u.email, name: u.name }));
  return { items, ...(page.next === undefined ? {} : { next: page.next }) };
};

/** One page of rejections, newest first. */
export const listRejectionsPage = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  limit: number,
  cursor?: string,
): Promise<Page<RejectionView>> => {
  const page = await gsiKeyPage(doc, tableName, {
    partition: LISTS.rejections,
    limit,
    cursor,
    ascending: false,
  });
  const items = (await itemsInOrder<CommandItem>(doc, tableName, page.keys)).map(rejectionView);
  return { items, ...(page.next === undefined ? {} : { next: page.next }) };
};
