/** The write side: the DynamoDB implementation of the domain's storage port. */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import * as TE from 'fp-ts/TaskEither';
import {
  canonicalIdOfClaim,
  FORMER_PREFIX,
  groupIdOfClaim,
  groupMembersPartition,
  keys,
  TABLE,
  userIdOfClaim,
  type EmailItem,
  type FormerClaimItem,
  type GroupCanonicalItem,
  type GroupItem,
  type GroupNameItem,
  type Key,
  type MembershipItem,
  type UserItem,
} from '../../domain/model';
import { toError } from '../../domain/errors';
import { userIdOf } from '../../domain/ids';
import {
  coveringFormer,
  heldAt,
  type DirectoryStore,
  type EmailHolder,
  type FormerGroup,
  type GroupRecord,
  type Lookup,
  type TransactResult,
  type View,
} from '../../domain/store';
import { absent, type WriteOp } from '../../domain/writes';
import { pollUntil } from '../poll-until';
import { getCommandRecord, partitionQuery, queryAll } from './client';
import { compileOp, keyAttributes } from './expressions';

/**
 * Runs a transaction; a cancellation is a result (with the failed labels), not an error. A single
 * put, update or delete goes as a plain conditional write: same guarantee, half the write units.
 */
export const transactWrite = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  ops: readonly WriteOp[],
): Promise<TransactResult> => {
  const [only] = ops;
  if (ops.length === 1 && only !== undefined && only.op !== 'check') {
    const compiled = compileOp(tableName, only);
    try {
      if (compiled.Put !== undefined) await doc.send(new PutCommand(compiled.Put));
      else if (compiled.Update !== undefined) await doc.send(new UpdateCommand(compiled.Update));
      else if (compiled.Delete !== undefined) await doc.send(new DeleteCommand(compiled.Delete));
      return { kind: 'committed' };
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException)
        return { kind: 'cancelled', failed: [only.label], conflict: false };
      throw e;
    }
  }
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: ops.map((op) => compileOp(tableName, op)) }));
    return { kind: 'committed' };
  } catch (e) {
    if (!(e instanceof TransactionCanceledException)) throw e;
    const reasons = e.CancellationReasons ?? [];
    const failed = ops.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed').map((op) => op.label);
    const conflict = reasons.some((r) => r.Code === 'TransactionConflict');
    if (failed.length === 0 && !conflict) throw e;
    return { kind: 'cancelled', failed, conflict };
  }
};

/** Most keys in one BatchGetItem request. */
const BATCH_GET_LIMIT = 100;

/** Reads items by key with strongly consistent reads, in chunks of 100, retrying unprocessed keys. */
export const batchGet = async <T>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keyList: readonly Key[],
): Promise<T[]> => {
  const out: T[] = [];
  const unique = [...new Map(keyList.map((k) => [`${k.pk}|${k.sk}`, k])).values()];
  for (let i = 0; i < unique.length; i += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] = unique.slice(i, i + BATCH_GET_LIMIT).map(keyAttributes);
    await pollUntil(
      async () => {
        const result = await doc.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
        );
        out.push(...((result.Responses?.[tableName] ?? []) as T[]));
        pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
        return pending.length === 0 ? true : undefined;
      },
      { what: 'BatchGetItem to return every key', timeoutMs: 10_000, maxAttempts: 9 },
    );
  }
  return out;
};

/** A claim's history entries (a group name's or an email's former holders), strongly consistent. */
const formerOf = (doc: DynamoDBDocumentClient, tableName: string, claim: Key): Promise<FormerClaimItem[]> =>
  queryAll<FormerClaimItem>(
    doc,
    partitionQuery({ tableName, partition: claim.pk, sortKeyPrefix: FORMER_PREFIX, consistent: true }),
  );

/** A user's item and the group keys of its memberships (one partition). */
const userRecordOf = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  userKey: string,
): Promise<{ user: UserItem; memberships: string[] } | undefined> => {
  const items = await queryAll<UserItem | MembershipItem>(
    doc,
    partitionQuery({ tableName, partition: keys.user(userKey).pk, consistent: true }),
  );
  const user = items.find((i): i is UserItem => i.type === 'USER');
  if (user === undefined) return undefined;
  const memberships = items
    .filter((i): i is MembershipItem => i.type === 'MEMBERSHIP')
    .map((m) => m.groupKey);
  return { user, memberships };
};

const loadView = async (doc: DynamoDBDocumentClient, tableName: string, lookup: Lookup): Promise<View> => {
  const emailIds = [...lookup.emailIds, ...(lookup.userId === undefined ? [] : [lookup.userId])];
  const claims = await batchGet<GroupNameItem | GroupCanonicalItem | EmailItem>(doc, tableName, [
    ...lookup.groupIds.map(keys.groupName),
    ...lookup.canonicalIds.map(keys.groupCanonical),
    ...emailIds.map(keys.email),
  ]);
  const nameClaims = claims.filter((c): c is GroupNameItem => c.type === 'GROUPNAME');
  const canonicalNames = new Map(
    claims
      .filter((c): c is GroupCanonicalItem => c.type === 'GROUPCANON')
      .map((c) => [canonicalIdOfClaim(c), c]),
  );
  const emailClaims = claims.filter((c): c is EmailItem => c.type === 'EMAIL');
  const groupItems = await batchGet<GroupItem>(
    doc,
    tableName,
    nameClaims.map((c) => keys.group(c.groupKey)),
  );
  const groups = new Map<string, GroupRecord>();
  for (const claim of nameClaims) {
    const group = groupItems.find((g) => g.groupKey === claim.groupKey && g.status === 'ACTIVE');
    if (group !== undefined) groups.set(groupIdOfClaim(claim), { claim, group });
  }
  // A name no group has, or one its group got after the command was sent: who had it then?
  const order = lookup.order;
  const formerGroups = new Map<string, FormerGroup>();
  if (order !== undefined)
    await Promise.all(
      lookup.groupIds
        .filter((id) => {
          const holder = groups.get(id);
          return holder === undefined || !heldAt(holder.group.nameOrder, order);
        })
        .map(async (id) => {
          const former = coveringFormer(await formerOf(doc, tableName, keys.groupName(id)), order);
          if (former === undefined) return;
          const group =
            former.retiredAs === 'renamed'
              ? (await batchGet<GroupItem>(doc, tableName, [keys.group(former.entityKey)]))[0]
              : undefined;
          formerGroups.set(id, { former, ...(group?.status === 'ACTIVE' ? { group } : {}) });
        }),
    );
  const emails = new Map(emailClaims.map((c) => [userIdOfClaim(c), c]));
  // Emails the command claims that a user took after it was sent: that user may have to yield.
  const emailHolders = new Map<string, EmailHolder>();
  if (order !== undefined)
    await Promise.all(
      emailClaims
        .filter((c) => lookup.emailIds.includes(userIdOfClaim(c)))
        .map(async (claim) => {
          const [user] = await batchGet<UserItem>(doc, tableName, [keys.user(claim.userKey)]);
          if (user?.emailSince === undefined || user.emailSince <= order || user.previousEmail === undefined)
            return;
          const previous = await batchGet(doc, tableName, [keys.email(userIdOf(user.previousEmail))]);
          emailHolders.set(userIdOfClaim(claim), { user, previousFree: previous.length === 0 });
        }),
    );
  const base = { groups, canonicalNames, emails, formerGroups, emailHolders };
  if (lookup.userId === undefined) return base;
  const userClaim = emails.get(lookup.userId);
  const current = userClaim === undefined ? undefined : await userRecordOf(doc, tableName, userClaim.userKey);
  const named = current?.user.userId === lookup.userId ? current : undefined;
  if (order === undefined || (named !== undefined && heldAt(named.user.emailSince, order)))
    return current === undefined ? base : { ...base, user: current };
  const former = coveringFormer(await formerOf(doc, tableName, keys.email(lookup.userId)), order);
  if (former === undefined) return current === undefined ? base : { ...base, user: current };
  const moved =
    former.retiredAs === 'renamed' ? await userRecordOf(doc, tableName, former.entityKey) : undefined;
  if (moved !== undefined) return { ...base, user: { ...moved, formerly: former } };
  return { ...base, ...(current === undefined ? {} : { user: current }), formerUser: former };
};

/** The DynamoDB implementation of the directory store port. */
export const makeDirectoryStore = (doc: DynamoDBDocumentClient, tableName: string): DirectoryStore => ({
  getCommand: (commandId) => TE.tryCatch(() => getCommandRecord(doc, tableName, commandId), toError),
  load: (lookup) => TE.tryCatch(() => loadView(doc, tableName, lookup), toError),
  transact: (ops) => TE.tryCatch(() => transactWrite(doc, tableName, ops), toError),
  membershipsOfGroup: (groupKey, limit) =>
    TE.tryCatch(async () => {
      const result = await doc.send(
        new QueryCommand(
          partitionQuery({ tableName, partition: groupMembersPartition(groupKey), index: 'gsi', limit }),
        ),
      );
      return (result.Items ?? []).map((i) => ({
        pk: String(i[TABLE.partitionKey]),
        sk: String(i[TABLE.sortKey]),
      }));
    }, toError),
  recordRejection: (item) =>
    TE.tryCatch(async () => {
      const result = await transactWrite(doc, tableName, [
        { op: 'put', label: 'rejection', item, conditions: [absent] },
      ]);
      return result.kind === 'committed' ? 'stored' : 'duplicate';
    }, toError),
});
