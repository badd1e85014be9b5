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
  /** What the GSI copies from each item: its keys and the attributes below, never `passwordHash`. */
  gsiProjection: 'INCLUDE',
  ttlAttribute: 'expiresAt',
} as const;

/**
 * The non-key attributes the GSI copies: exactly what its queries read (the user and group lists,
 * the rejections; a group's member list reads keys only). A password hash never reaches the index.
 */
export const GSI_ATTRIBUTES = [
  'type',
  'userKey',
  'userId',
  'email',
  'name',
  'groupKey',
  'groupId',
  'status',
  'commandId',
  'eventType',
  'entityType',
  'stage',
  'reasons',
  'at',
] as const;

/** What a GSI query returns of an item: its keys and the projected attributes, nothing else. */
export type GsiView<T> = Pick<
  T,
  Extract<keyof T, (typeof GSI_ATTRIBUTES)[number] | 'pk' | 'sk' | 'gsi1pk' | 'gsi1sk'>
>;

/** GSI partitions that list entities. */
export const LISTS = { users: 'USERS', groups: 'GROUPS', rejections: 'REJECTIONS' } as const;

/** The partition-key prefix of each kind of item: the only place key shapes are spelled. */
export const PREFIX = {
  group: 'GROUP#',
  groupName: 'GROUPNAME#',
  groupCanonical: 'GROUPCANON#',
  user: 'USER#',
  email: 'EMAIL#',
  member: 'MEMBER#',
  command: 'COMMAND#',
} as const;

/** The primary key of each kind of item. */
export const keys = {
  group: (groupKey: string): Key => ({ pk: `${PREFIX.group}${groupKey}`, sk: 'GROUP' }),
  groupName: (groupId: string): Key => ({ pk: `${PREFIX.groupName}${groupId}`, sk: 'GROUPNAME' }),
  groupCanonical: (canonicalId: string): Key => ({
    pk: `${PREFIX.groupCanonical}${canonicalId}`,
    sk: 'GROUPCANON',
  }),
  user: (userKey: string): Key => ({ pk: `${PREFIX.user}${userKey}`, sk: 'USER' }),
  email: (userId: string): Key => ({ pk: `${PREFIX.email}${userId}`, sk: 'EMAIL' }),
  membership: (userKey: string, groupKey: string): Key => ({
    pk: `${PREFIX.user}${userKey}`,
    sk: `${PREFIX.member}${groupKey}`,
  }),
  command: (commandId: string): Key => ({ pk: `${PREFIX.command}${commandId}`, sk: 'COMMAND' }),
  /** A group name's or an email's history entry, beside its claim, by when it was given up (and got). */
  former: (claim: Key, span: string): Key => ({
    pk: claim.pk,
    sk: `${FORMER_PREFIX}${span}`,
  }),
  /** Beside a claim: there to say that the claim has history entries (see `HistoryHeadItem`). */
  history: (claim: Key): Key => ({ pk: claim.pk, sk: 'HISTORY' }),
  /** Since when every history entry of the table has its head (see `HeadsSinceItem`). */
  headsSince: (): Key => ({ pk: 'META', sk: 'HISTORY_HEADS' }),
};

/** Sort-key prefix of a claim's history entries. */
export const FORMER_PREFIX = 'WAS#';

/** The public group id a name claim's key holds. */
export const groupIdOfClaim = (claim: GroupNameItem): string => claim.pk.slice(PREFIX.groupName.length);
/** The canonical name key a canonical claim's key holds. */
export const canonicalIdOfClaim = (claim: GroupCanonicalItem): string =>
  claim.pk.slice(PREFIX.groupCanonical.length);
/** The public user id an email claim's key holds. */
export const userIdOfClaim = (claim: EmailItem): string => claim.pk.slice(PREFIX.email.length);

/** Sort-key prefix of a user's membership items, and the GSI sort-key prefix of a group's members. */
export const MEMBER_PREFIX = PREFIX.member;
/** The GSI partition that lists a group's memberships. */
export const groupMembersPartition = (groupKey: string): string => `${PREFIX.group}${groupKey}`;

/**
 * A command's place in send order: `<sentAt ISO>#<commandId>` (fixed-width ISO times sort as strings;
 * the id breaks ties). Kept on entities per field, so a command delivered after a command sent later
 * never overwrites what that later one wrote (last writer wins by send time). Absent on items written
 * before it was kept: any command counts as later.
 */
export type SendOrder = string;

/** Whether a command at `order` was sent after the one that wrote at `written` (nothing written: yes). */
export const sentAfter = (order: SendOrder, written: SendOrder | undefined): boolean =>
  written === undefined || order > written;

/** The command id inside a send order (`<sentAt>#<commandId>`). */
export const commandIdOfOrder = (order: SendOrder): string => order.slice(order.indexOf('#') + 1);

/** A group; its key never changes, its name and public id do. */
export interface GroupItem extends Key {
  readonly type: 'GROUP';
  readonly groupKey: string;
  /** sha256 of the current name: the group's public id. */
  readonly groupId: string;
  readonly name: string;
  readonly status: 'ACTIVE' | 'DELETING';
  /**
   * How many memberships the group has, kept in the same transactions that add and remove them:
   * strongly consistent, unlike the index that lists the members. A deletion finishes only at 0.
   */
  readonly memberCount: number;
  /** Send order (see `SendOrder`) of the command that gave the group its current name. */
  readonly nameOrder?: SendOrder;
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
  /**
   * The group's `version` and `nameOrder`, written with the group in every transaction that changes
   * them (creation and rename write the claim too; deletion removes it): a command that names the
   * group reads them here, without reading the group item. Absent on claims written before.
   */
  readonly version?: number;
  readonly nameOrder?: SendOrder;
}

/** Claims a group name's canonical key (case and compatibility forms folded) for one group. */
export interface GroupCanonicalItem extends Key {
  readonly type: 'GROUPCANON';
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
  /** Send order of the last command that set each field (creation sets them all). */
  readonly nameOrder?: SendOrder;
  readonly emailOrder?: SendOrder;
  /** Send order of the command that gave the user its current email (creation or a change to another). */
  readonly emailSince?: SendOrder;
  /** The email before the last change, and since when the user had it: what undoing that change restores. */
  readonly previousEmail?: string;
  readonly previousEmailSince?: SendOrder;
  readonly passwordOrder?: SendOrder;
  readonly groupsOrder?: SendOrder;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly gsi1pk: string;
  readonly gsi1sk: string;
}

/** The fields of a user item that the planners read: everything but its name, hash, times and index keys. */
export const USER_STATE_FIELDS = [
  'userKey',
  'userId',
  'email',
  'nameOrder',
  'emailOrder',
  'emailSince',
  'previousEmail',
  'previousEmailSince',
  'passwordOrder',
  'groupsOrder',
  'version',
] as const;

/** What the planners read of a user (see `USER_STATE_FIELDS`). */
export type UserState = Pick<UserItem, (typeof USER_STATE_FIELDS)[number]>;

/**
 * A user's state and the group keys of its memberships, as its email claim carries them: written
 * with the user item in every transaction that changes the user or its memberships, so a command
 * that names the user reads them in its first request. A group deletion's sweep removes
 * memberships without touching claims: a key listed here may be gone (a removal of it then fails
 * its condition, and the next attempt reads the user's partition).
 */
export interface UserSnapshot extends UserState {
  readonly groupKeys: readonly string[];
}

/** The user state of any object carrying it (a user item, a snapshot): exactly `USER_STATE_FIELDS`. */
export const userStateOf = (source: UserState): UserState => {
  const picked: Record<string, unknown> = {};
  for (const field of USER_STATE_FIELDS) if (source[field] !== undefined) picked[field] = source[field];
  return picked as unknown as UserState;
};

/** Claims an email (by its hash) for one user. */
export interface EmailItem extends Key {
  readonly type: 'EMAIL';
  readonly userKey: string;
  readonly email: string;
  /** The user's state and memberships (see `UserSnapshot`); absent on claims written before. */
  readonly holder?: UserSnapshot;
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

/**
 * A group name or an email that an entity held until a command took it away (a rename, an email
 * change, a deletion), kept beside the claim: a command sent while the entity held it, delivered
 * after, still finds what it named. `claimedOrder` to `retiredOrder` is when the entity held it.
 */
export interface FormerClaimItem extends Key {
  readonly type: 'FORMER';
  /** The group key or user key that held it. */
  readonly entityKey: string;
  /** Absent when the holder got it before send order was kept: since always. */
  readonly claimedOrder?: SendOrder;
  readonly retiredOrder: SendOrder;
  readonly retiredAs: 'renamed' | 'deleted';
  readonly expiresAt: number;
}

/**
 * Written with every history entry of a claim, in the same transaction: where it is absent, the claim
 * has no history, and a command need not query for it. Expires with the latest entry.
 */
export interface HistoryHeadItem extends Key {
  readonly type: 'HISTORY';
  readonly expiresAt: number;
}

/**
 * The send order from which heads can be trusted: every history entry written after it has one. A
 * table created by this version starts with it (`since` empty); on an older table the first command
 * after the upgrade writes it, a quarter of an hour ahead (code of the previous version may still be
 * finishing invocations): commands sent before it query the history as they always did.
 */
export interface HeadsSinceItem extends Key {
  readonly type: 'META';
  readonly since: SendOrder;
}

/** How far ahead of its writer's clock an upgraded table's `HeadsSinceItem` starts. */
export const HEADS_SINCE_MARGIN_SECONDS = 15 * 60;

/** Any item of the table. */
export type Item =
  | GroupItem
  | GroupNameItem
  | GroupCanonicalItem
  | UserItem
  | EmailItem
  | MembershipItem
  | CommandItem
  | FormerClaimItem
  | HistoryHeadItem
  | HeadsSinceItem;

/** How long a marker of an applied command is kept: longer than a message can live in a DLQ (14 days). */
export const MARKER_TTL_SECONDS = 15 * 24 * 3600;
/** How long a claim's history entry is kept: as long as a marker, so a redriven command still finds what it named. */
export const FORMER_TTL_SECONDS = 15 * 24 * 3600;
/** How long a rejection record is kept. */
export const REJECTION_TTL_SECONDS = 30 * 24 * 3600;

/** Epoch seconds of an ISO time plus a TTL. */
export const expiryOf = (nowIso: string, ttlSeconds: number): number =>
  Math.floor(Date.parse(nowIso) / 1000) + ttlSeconds;

/** The entity an event type belongs to: USER_* -> USER, GROUP_* -> GROUP. */
export const entityTypeOf = (eventType: string): 'USER' | 'GROUP' =>
  eventType.startsWith('USER') ? 'USER' : 'GROUP';

/** What every command item records, whatever its status. */
export interface CommandRecordFields {
  readonly commandId: string;
  readonly eventType: string | null;
  readonly entityType: string | null;
  readonly stage: CommandItem['stage'];
  readonly at: string;
  readonly sentAt?: string;
}

const commandItem = (
  fields: CommandRecordFields,
  status: CommandStatus,
  ttlSeconds: number,
): Omit<CommandItem, 'reasons' | 'groupKey' | 'gsi1pk' | 'gsi1sk'> => ({
  ...keys.command(fields.commandId),
  type: 'COMMAND',
  commandId: fields.commandId,
  status,
  eventType: fields.eventType,
  entityType: fields.entityType,
  stage: fields.stage,
  at: fields.at,
  ...(fields.sentAt === undefined ? {} : { sentAt: fields.sentAt }),
  expiresAt: expiryOf(fields.at, ttlSeconds),
});

/** The marker of a command applied (or, for a group deletion under way, in progress) by the cache handler. */
export const markerItem = (
  fields: CommandRecordFields,
  status: 'APPLIED' | 'IN_PROGRESS',
  groupKey?: string,
): CommandItem => ({
  ...commandItem(fields, status, MARKER_TTL_SECONDS),
  ...(groupKey === undefined ? {} : { groupKey }),
});

/** The rejection record of a command: the one shape every stage stores a refusal in. */
export const rejectionItem = (fields: CommandRecordFields & { reasons: readonly string[] }): CommandItem => ({
  ...commandItem(fields, 'REJECTED', REJECTION_TTL_SECONDS),
  reasons: fields.reasons,
  gsi1pk: LISTS.rejections,
  gsi1sk: `${fields.at}#${fields.commandId}`,
});
