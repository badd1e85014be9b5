import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as TE from 'fp-ts/TaskEither';
import type { DirectoryStore, TransactResult } from '../domain/apply';
import {
  keys,
  LISTS,
  MEMBER_PREFIX,
  TABLE,
  groupMembersPartition,
  type CommandItem,
  type EmailItem,
  type GroupItem,
  type GroupNameItem,
  type Key,
  type MembershipItem,
  type UserItem,
} from '../domain/model';
import type { GroupRecord, Lookup, View } from '../domain/planner';
import { present, type Condition, type WriteOp } from '../domain/writes';
import { clientOptions, type AwsConfig } from './aws-config';

/** A DynamoDB document client for the given connection. */
export const makeDocumentClient = (config: AwsConfig): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions(config)), {
    marshallOptions: { removeUndefinedValues: true },
  });

type Names = Record<string, string>;
type Values = Record<string, unknown>;

const compileConditions = (
  conditions: readonly Condition[],
  names: Names,
  values: Values,
): string | undefined => {
  const parts = conditions.map((c, i) => {
    switch (c.kind) {
      case 'absent':
        names['#pk'] = TABLE.partitionKey;
        return 'attribute_not_exists(#pk)';
      case 'present':
        names['#pk'] = TABLE.partitionKey;
        return 'attribute_exists(#pk)';
      case 'equals':
        names[`#c${i}`] = c.attribute;
        values[`:c${i}`] = c.value;
        return `#c${i} = :c${i}`;
    }
  });
  return parts.length === 0 ? undefined : parts.join(' AND ');
};

const withExpressions = (names: Names, values: Values) => ({
  ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
  ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
});

/** Translates a domain write operation into a TransactWriteItems entry. */
export const compileOp = (tableName: string, op: WriteOp) => {
  const names: Names = {};
  const values: Values = {};
  switch (op.op) {
    case 'put': {
      const condition = compileConditions(op.conditions, names, values);
      return {
        Put: {
          TableName: tableName,
          Item: op.item,
          ...(condition === undefined ? {} : { ConditionExpression: condition }),
          ...withExpressions(names, values),
        },
      };
    }
    case 'update': {
      const set = Object.entries(op.set).map(([k, v], i) => {
        names[`#s${i}`] = k;
        values[`:s${i}`] = v;
        return `#s${i} = :s${i}`;
      });
      const remove = op.remove.map((k, i) => {
        names[`#r${i}`] = k;
        return `#r${i}`;
      });
      const update = [
        set.length > 0 ? `SET ${set.join(', ')}` : '',
        remove.length > 0 ? `REMOVE ${remove.join(', ')}` : '',
      ]
        .filter((s) => s !== '')
        .join(' ');
      const condition = compileConditions(op.conditions, names, values);
      return {
        Update: {
          TableName: tableName,
          Key: { pk: op.key.pk, sk: op.key.sk },
          UpdateExpression: update,
          ...(condition === undefined ? {} : { ConditionExpression: condition }),
          ...withExpressions(names, values),
        },
      };
    }
    case 'delete': {
      const condition = compileConditions(op.conditions, names, values);
      return {
        Delete: {
          TableName: tableName,
          Key: { pk: op.key.pk, sk: op.key.sk },
          ...(condition === undefined ? {} : { ConditionExpression: condition }),
          ...withExpressions(names, values),
        },
      };
    }
    case 'check': {
      const conditions = op.conditions.length > 0 ? op.conditions : [present];
      return {
        ConditionCheck: {
          TableName: tableName,
          Key: { pk: op.key.pk, sk: op.key.sk },
          ConditionExpression: compileConditions(conditions, names, values) ?? '',
          ...withExpressions(names, values),
        },
      };
    }
  }
};

const toError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

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

/** Reads items by key with strongly consistent reads, in chunks of 100, retrying unprocessed keys. */
export const batchGet = async <T>(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keyList: readonly Key[],
): Promise<T[]> => {
  const out: T[] = [];
  const unique = [...new Map(keyList.map((k) => [`${k.pk}|${k.sk}`, k])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Record<string, unknown>[] = unique.slice(i, i + 100).map((k) => ({ pk: k.pk, sk: k.sk }));
    for (let round = 0; pending.length > 0; round += 1) {
      if (round > 8) throw new Error('BatchGetItem kept returning unprocessed keys');
      const result = await doc.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      out.push(...((result.Responses?.[tableName] ?? []) as T[]));
      pending = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
      if (pending.length > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** round));
    }
  }
  return out;
};

/** Runs a query to the end of its pages. */
export const queryAll = async <T>(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<T[]> => {
  const out: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    out.push(...((page.Items ?? []) as T[]));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return out;
};

const loadView = async (doc: DynamoDBDocumentClient, tableName: string, lookup: Lookup): Promise<View> => {
  const emailIds = [...lookup.emailIds, ...(lookup.userId === undefined ? [] : [lookup.userId])];
  const claims = await batchGet<GroupNameItem | EmailItem>(doc, tableName, [
    ...lookup.groupIds.map(keys.groupName),
    ...emailIds.map(keys.email),
  ]);
  const nameClaims = claims.filter((c): c is GroupNameItem => c.type === 'GROUPNAME');
  const emailClaims = claims.filter((c): c is EmailItem => c.type === 'EMAIL');
  const groupItems = await batchGet<GroupItem>(
    doc,
    tableName,
    nameClaims.map((c) => keys.group(c.groupKey)),
  );
  const groups = new Map<string, GroupRecord>();
  for (const claim of nameClaims) {
    const group = groupItems.find((g) => g.groupKey === claim.groupKey && g.status === 'ACTIVE');
    if (group !== undefined) groups.set(claim.pk.slice('GROUPNAME#'.length), { claim, group });
  }
  const emails = new Map(emailClaims.map((c) => [c.pk.slice('EMAIL#'.length), c]));
  const userClaim = lookup.userId === undefined ? undefined : emails.get(lookup.userId);
  if (userClaim === undefined) return { groups, emails };
  const userItems = await queryAll<UserItem | MembershipItem>(doc, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': keys.user(userClaim.userKey).pk },
    ConsistentRead: true,
  });
  const user = userItems.find((i): i is UserItem => i.type === 'USER');
  if (user === undefined) return { groups, emails };
  const memberships = userItems
    .filter((i): i is MembershipItem => i.type === 'MEMBERSHIP')
    .map((m) => m.groupKey);
  return { groups, emails, user: { user, memberships } };
};

/** The DynamoDB implementation of the directory store port. */
export const makeDirectoryStore = (doc: DynamoDBDocumentClient, tableName: string): DirectoryStore => ({
  getCommand: (commandId) =>
    TE.tryCatch(async () => {
      const result = await doc.send(
        new GetCommand({ TableName: tableName, Key: keys.command(commandId), ConsistentRead: true }),
      );
      return result.Item as CommandItem | undefined;
    }, toError),
  load: (lookup) => TE.tryCatch(() => loadView(doc, tableName, lookup), toError),
  transact: (ops) => TE.tryCatch(() => transactWrite(doc, tableName, ops), toError),
  membershipsOfGroup: (groupKey, limit) =>
    TE.tryCatch(async () => {
      const result = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: TABLE.gsi,
          KeyConditionExpression: 'gsi1pk = :g',
          ExpressionAttributeValues: { ':g': groupMembersPartition(groupKey) },
          Limit: limit,
        }),
      );
      return (result.Items ?? []).map((i) => ({ pk: String(i['pk']), sk: String(i['sk']) }));
    }, toError),
});

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
    queryAll<T>(doc, {
      TableName: tableName,
      IndexName: TABLE.gsi,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': partition },
    });
  const [users, groups] = await Promise.all([list<UserItem>(LISTS.users), list<GroupItem>(LISTS.groups)]);
  const activeGroups = new Map(groups.filter((g) => g.status === 'ACTIVE').map((g) => [g.groupKey, g]));
  const members = new Map<string, string[]>([...activeGroups.keys()].map((k) => [k, []]));
  const userRows = await Promise.all(
    users.map(async (user) => {
      const memberships = await queryAll<MembershipItem>(doc, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
        ExpressionAttributeValues: { ':pk': keys.user(user.userKey).pk, ':m': MEMBER_PREFIX },
      });
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
  const items = await queryAll<CommandItem>(doc, {
    TableName: tableName,
    IndexName: TABLE.gsi,
    KeyConditionExpression: 'gsi1pk = :p',
    ExpressionAttributeValues: { ':p': LISTS.rejections },
    ScanIndexForward: true,
  });
  return items.map((i) => ({
    commandId: i.commandId,
    eventType: i.eventType ?? null,
    entityType: i.entityType ?? null,
    stage: i.stage,
    reasons: i.reasons ?? [],
    at: i.at,
  }));
};

/** Reads one command's marker (APPLIED, REJECTED or IN_PROGRESS), if any. */
export const getCommandRecord = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  commandId: string,
): Promise<CommandItem | undefined> =>
  (
    await doc.send(
      new GetCommand({ TableName: tableName, Key: keys.command(commandId), ConsistentRead: true }),
    )
  ).Item as CommandItem | undefined;

/** Stores a rejection record once: a second write for the same command is reported as a duplicate. */
export const putRejection = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  item: CommandItem,
): Promise<'stored' | 'duplicate'> => {
  const result = await transactWrite(doc, tableName, [
    { op: 'put', label: 'rejection', item, conditions: [{ kind: 'absent' }] },
  ]);
  return result.kind === 'committed' ? 'stored' : 'duplicate';
};
