/** The read side: the directory and the rejections as the CLI and the tests show them. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  keys,
  LISTS,
  MEMBER_PREFIX,
  type CommandItem,
  type GroupItem,
  type GsiView,
  type MembershipItem,
  type UserItem,
} from '../../domain/model';
import { partitionQuery, queryAll } from './client';

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
  const userRows = await Promise.all(
    users.map(async (user) => {
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
    }),
  );
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
  return items.map((i) => ({
    commandId: i.commandId,
    eventType: i.eventType ?? null,
    entityType: i.entityType ?? null,
    stage: i.stage,
    reasons: i.reasons ?? [],
    at: i.at,
  }));
};
