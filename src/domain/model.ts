/**
 * The single-table model of the cache (see docs/data-model.md). Entities have an immutable internal
 * key (the id of the command that created them), so a rename or an email change touches O(1) items;
 * their public ids (sha256 of name / email) live in claim items that enforce uniqueness.
 */

/** Primary key of every item. */
export interface Key {
  readonly pk: string;
  readonly sk: string;
}

/** Attribute names of the table's keys, its one GSI and its TTL. */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi: 'gsi1',
  gsiPartitionKey: 'gsi1pk',
  gsiSortKey: 'gsi1sk',
  ttlAttribute: 'expiresAt',
} as const;

/** GSI partitions that list entities. */
export const LISTS = { users: 'USERS', groups: 'GROUPS', rejections: 'REJECTIONS' } as const;

/** The primary key of each kind of item. */
export const keys = {
  group: (groupKey: string): Key => ({ pk: `GROUP#${groupKey}`, sk: 'GROUP' }),
  groupName: (groupId: string): Key => ({ pk: `GROUPNAME#${groupId}`, sk: 'GROUPNAME' }),
  user: (userKey: string): Key => ({ pk: `USER#${userKey}`, sk: 'USER' }),
  email: (userId: string): Key => ({ pk: `EMAIL#${userId}`, sk: 'EMAIL' }),
  membership: (userKey: string, groupKey: string): Key => ({
    pk: `USER#${userKey}`,
    sk: `MEMBER#${groupKey}`,
  }),
  command: (commandId: string): Key => ({ pk: `COMMAND#${commandId}`, sk: 'COMMAND' }),
};

/** Sort-key prefix of a user's membership items, and the GSI partition of a group's members. */
export const MEMBER_PREFIX = 'MEMBER#';
/** The GSI partition that lists a group's memberships. */
export const groupMembersPartition = (groupKey: string): string => `GROUP#${groupKey}`;

/** A group; its key never changes, its name and public id do. */
export interface GroupItem extends Key {
  readonly type: 'GROUP';
  readonly groupKey: string;
  /** sha256 of the current name: the group's public id. */
  readonly groupId: string;
  readonly name: string;
  readonly status: 'ACTIVE' | 'DELETING';
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly gsi1pk?: string;
  readonly gsi1sk?: string;
}

/** Claims a group name (by its hash) for one group: makes names unique and resolves ids. */
export interface GroupNameItem extends Key {
  readonly type: 'GROUPNAME';
  readonly groupKey: string;
  readonly name: string;
}

/** A user; its key never changes, its email and public id do. */
export interface UserItem extends Key {
  readonly type: 'USER';
  readonly userKey: string;
  /** sha256 of the current email: the user's public id. */
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  /** A PHC string; the plaintext is never stored. */
  readonly passwordHash: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly gsi1pk: string;
  readonly gsi1sk: string;
}

/** Claims an email (by its hash) for one user. */
export interface EmailItem extends Key {
  readonly type: 'EMAIL';
  readonly userKey: string;
  readonly email: string;
}

/** One membership: the single fact both the user's group list and the group's member list read. */
export interface MembershipItem extends Key {
  readonly type: 'MEMBERSHIP';
  readonly userKey: string;
  readonly groupKey: string;
  readonly createdAt: string;
  readonly gsi1pk: string;
  readonly gsi1sk: string;
}

/** Where a command stands: done, refused, or a group deletion under way. */
export type CommandStatus = 'APPLIED' | 'REJECTED' | 'IN_PROGRESS';

/** A command's marker (idempotency) and, when rejected, its rejection record. */
export interface CommandItem extends Key {
  readonly type: 'COMMAND';
  readonly commandId: string;
  readonly status: CommandStatus;
  readonly eventType: string | null;
  readonly entityType: string | null;
  /** Where the command was decided: the message handler (validation) or the cache handler (rules). */
  readonly stage: 'message-handler' | 'cache-handler';
  readonly at: string;
  readonly sentAt?: string;
  readonly reasons?: readonly string[];
  /** The group being deleted, while a GROUP_DELETED is IN_PROGRESS. */
  readonly groupKey?: string;
  readonly expiresAt: number;
  readonly gsi1pk?: string;
  readonly gsi1sk?: string;
}

/** Any item of the table. */
export type Item = GroupItem | GroupNameItem | UserItem | EmailItem | MembershipItem | CommandItem;

/** How long a marker of an applied command is kept: longer than a message can live in a DLQ (14 days). */
export const MARKER_TTL_SECONDS = 15 * 24 * 3600;
/** How long a rejection record is kept. */
export const REJECTION_TTL_SECONDS = 30 * 24 * 3600;

/** Epoch seconds of an ISO time plus a TTL. */
export const expiryOf = (nowIso: string, ttlSeconds: number): number =>
  Math.floor(Date.parse(nowIso) / 1000) + ttlSeconds;

/** The rejection record of a command. */
export const rejectionItem = (args: {
  commandId: string;
  eventType: string | null;
  entityType: string | null;
  stage: CommandItem['stage'];
  reasons: readonly string[];
  at: string;
  sentAt?: string;
}): CommandItem => ({
  ...keys.command(args.commandId),
  type: 'COMMAND',
  status: 'REJECTED',
  commandId: args.commandId,
  eventType: args.eventType,
  entityType: args.entityType,
  stage: args.stage,
  reasons: args.reasons,
  at: args.at,
  ...(args.sentAt === undefined ? {} : { sentAt: args.sentAt }),
  expiresAt: expiryOf(args.at, REJECTION_TTL_SECONDS),
  gsi1pk: LISTS.rejections,
  gsi1sk: `${args.at}#${args.commandId}`,
});
