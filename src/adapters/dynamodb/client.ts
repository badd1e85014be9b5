import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { keys, TABLE, type CommandItem } from '../../domain/model';
import { clientOptions, instrument, type AwsConfig } from '../aws-config';

/** A DynamoDB document client for the given connection. */
export const makeDocumentClient = (config: AwsConfig): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(instrument(new DynamoDBClient(clientOptions(config)), config), {
    marshallOptions: { removeUndefinedValues: true },
  });

/** Where a partition query reads: the table's own key or the GSI's. */
export interface PartitionQuery {
  readonly tableName: string;
  readonly partition: string;
  readonly index?: 'gsi';
  /** Only items whose sort key starts with this. */
  readonly sortKeyPrefix?: string;
  readonly consistent?: boolean;
  readonly ascending?: boolean;
  readonly limit?: number;
}

/** The Query input for one partition, with the key attribute names taken from the table model. */
export const partitionQuery = (q: PartitionQuery): QueryCommandInput => {
  const onIndex = q.index === 'gsi';
  const pk = onIndex ? TABLE.gsiPartitionKey : TABLE.partitionKey;
  const sk = onIndex ? TABLE.gsiSortKey : TABLE.sortKey;
  return {
    TableName: q.tableName,
    ...(onIndex ? { IndexName: TABLE.gsi } : {}),
    KeyConditionExpression:
      q.sortKeyPrefix === undefined ? '#pk = :pk' : '#pk = :pk AND begins_with(#sk, :sk)',
    ExpressionAttributeNames: { '#pk': pk, ...(q.sortKeyPrefix === undefined ? {} : { '#sk': sk }) },
    ExpressionAttributeValues: {
      ':pk': q.partition,
      ...(q.sortKeyPrefix === undefined ? {} : { ':sk': q.sortKeyPrefix }),
    },
    ...(q.consistent === true ? { ConsistentRead: true } : {}),
    ...(q.ascending === undefined ? {} : { ScanIndexForward: q.ascending }),
    ...(q.limit === undefined ? {} : { Limit: q.limit }),
  };
};

/** Runs a query to the end of its pages (lib-dynamodb's paginator). */
export const queryAll = async <T>(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<T[]> => {
  const out: T[] = [];
  for await (const page of paginateQuery({ client: doc }, input)) out.push(...((page.Items ?? []) as T[]));
  return out;
};

/** Reads one command's marker (APPLIED, REJECTED or IN_PROGRESS), if any, strongly consistently. */
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
