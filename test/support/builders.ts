import { canonicalGroupNameOf, groupIdOf, userIdOf } from '../../src/domain/ids';
import {
  keys,
  LISTS,
  type EmailItem,
  type GroupCanonicalItem,
  type GroupItem,
  type UserItem,
} from '../../src/domain/model';
import type { GroupRecord, UserRecord, View } from '../../src/domain/store';
import type { HashedCommand } from '../../src/domain/commands';
import { EVENT_SCHEMA, type CommandEvent } from '../../src/domain/events';

export const HASH =
  '$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';

/** An active group as the loader would return it. */
export const groupRecord = (
  name: string,
  groupKey = `gk-${name}`,
  version = 1,
  memberCount = 0,
): GroupRecord & { readonly group: GroupItem } => ({
  claim: { ...keys.groupName(groupIdOf(name)), type: 'GROUPNAME', groupKey, name },
  group: {
    ...keys.group(groupKey),
    type: 'GROUP',
    groupKey,
    groupId: groupIdOf(name),
    name,
    status: 'ACTIVE',
    memberCount,
    version,
    createdAt: 't0',
    updatedAt: 't0',
    gsi1pk: LISTS.groups,
    gsi1sk: name,
  },
});

/** A user with memberships (group keys). */
export const userRecord = (
  email: string,
  userKey = `uk-${email}`,
  memberships: string[] = [],
  version = 1,
): UserRecord & { readonly user: UserItem } => ({
  user: {
    ...keys.user(userKey),
    type: 'USER',
    userKey,
    userId: userIdOf(email),
    name: email.split('@')[0] ?? email,
    email,
    passwordHash: HASH,
    version,
    createdAt: 't0',
    updatedAt: 't0',
    gsi1pk: LISTS.users,
    gsi1sk: email,
  },
  memberships,
});

export const emailClaim = (email: string, userKey = `uk-${email}`): EmailItem => ({
  ...keys.email(userIdOf(email)),
  type: 'EMAIL',
  userKey,
  email,
});

/** The canonical-name claim a group record's name holds. */
export const canonicalClaimOf = (record: GroupRecord): GroupCanonicalItem => ({
  ...keys.groupCanonical(canonicalGroupNameOf(record.group.name)),
  type: 'GROUPCANON',
  groupKey: record.group.groupKey,
  name: record.group.name,
});

/** Every item a group has in the table: its name claim, its canonical claim and the group item. */
export const groupItems = (record: GroupRecord & { readonly group: GroupItem }) =>
  [record.claim, canonicalClaimOf(record), record.group] as const;

/** A view from records; each group's name also holds its canonical claim. */
export const viewOf = (parts: { groups?: GroupRecord[]; emails?: EmailItem[]; user?: UserRecord }): View => ({
  groups: new Map((parts.groups ?? []).map((g) => [g.group.groupId, g])),
  canonicalNames: new Map(
    (parts.groups ?? []).map((g) => [canonicalGroupNameOf(g.group.name), canonicalClaimOf(g)]),
  ),
  emails: new Map((parts.emails ?? []).map((e) => [userIdOf(e.email), e])),
  ...(parts.user === undefined ? {} : { user: parts.user }),
});

export const groupRef = (name: string) => ({ id: groupIdOf(name), label: name });
export const userRef = (email: string) => ({ id: userIdOf(email), label: email });

let counter = 0;
/**
 * A published event around a command, with a fresh command id, sent 1 ms after the previous one
 * built here: events built one after another are in send order, as a sender waiting for each makes.
 */
export const eventOf = (command: HashedCommand, commandId?: string): CommandEvent => {
  counter += 1;
  return {
    schema: EVENT_SCHEMA,
    commandId: commandId ?? `cmd-${counter}`,
    sentAt: new Date(Date.parse('2026-11-30T00:00:00.000Z') + counter).toISOString(),
    command,
  };
};
