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
  FORMER_PREFIX,
  groupMembersPartition,
  keys,
  TABLE,
  type FormerClaimItem,
  type Key,
  type MembershipItem,
  type UserItem,
} from '../../domain/model';
import { toError } from '../../domain/errors';
import type { DirectoryStore, Lookup, TransactResult } from '../../domain/store';
import { firstReadOf, readView, type ViewReader } from '../../domain/view';
import { absent, keyOfOp, type WriteOp } from '../../domain/writes';
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

/** The view reader over the table: batched strongly consistent gets and partition queries. */
const tableReader = (doc: DynamoDBDocumentClient, tableName: string): ViewReader => ({
  items: <T>(keyList: readonly Key[]) => batchGet<T>(doc, tableName, keyList),
  former: (claim) =>
    queryAll<FormerClaimItem>(
      doc,
      partitionQuery({ tableName, partition: claim.pk, sortKeyPrefix: FORMER_PREFIX, consistent: true }),
    ),
  user: async (userKey) => {
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
  },
});

const keyId = (k: Key): string => `${k.pk}|${k.sk}`;

/**
 * A batch's first reads, made in one request: each later `items` call for keys that were all read
 * then, none of them written since by this batch, is answered from them; anything else is read.
 * Every plan's transaction writes its command's marker, whose key is in that command's first read:
 * so a command's next attempt after a lost race reads the table again.
 */
const batchReader = async (doc: DynamoDBDocumentClient, tableName: string, lookups: readonly Lookup[]) => {
  const wanted = lookups.flatMap(firstReadOf);
  const found = new Map((await batchGet<Key>(doc, tableName, wanted)).map((i) => [keyId(i), i]));
  const read = new Set(wanted.map(keyId));
  const written = new Set<string>();
  const base = tableReader(doc, tableName);
  const reader: ViewReader = {
    ...base,
    items: async <T>(keyList: readonly Key[]) =>
      keyList.every((k) => read.has(keyId(k)) && !written.has(keyId(k)))
        ? keyList.flatMap((k) => {
            const item = found.get(keyId(k));
            return item === undefined ? [] : [item as T];
          })
        : base.items<T>(keyList),
  };
  return { reader, wrote: (keyList: readonly Key[]) => keyList.forEach((k) => written.add(keyId(k))) };
};

/** The DynamoDB implementation of the directory store port. */
export const makeDirectoryStore = (doc: DynamoDBDocumentClient, tableName: string): DirectoryStore =>
  storeOver(doc, tableName, tableReader(doc, tableName));

const storeOver = (
  doc: DynamoDBDocumentClient,
  tableName: string,
  reader: ViewReader,
  wrote: (keyList: readonly Key[]) => void = () => undefined,
): DirectoryStore => ({
  getCommand: (commandId) => TE.tryCatch(() => getCommandRecord(doc, tableName, commandId), toError),
  load: (lookup) => TE.tryCatch(() => readView(reader, lookup), toError),
  transact: (ops) =>
    TE.tryCatch(() => {
      wrote(ops.map(keyOfOp));
      return transactWrite(doc, tableName, ops);
    }, toError),
  forBatch: (lookups) =>
    TE.tryCatch(async () => {
      const batch = await batchReader(doc, tableName, lookups);
      return storeOver(doc, tableName, batch.reader, batch.wrote);
    }, toError),
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
      wrote([item]);
      const result = await transactWrite(doc, tableName, [
        { op: 'put', label: 'rejection', item, conditions: [absent] },
      ]);
      return result.kind === 'committed' ? 'stored' : 'duplicate';
    }, toError),
});
