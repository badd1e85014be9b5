import { pollUntil } from '../../src/adapters/poll-until';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../src/local/dynamodb-local';
import { startEmulators, type Emulators } from '../../src/local/emulators';
import { freePort } from '../../src/local/ports';

/** Starts a private, in-memory DynamoDB Local on a free loopback port for one suite. */
export const startPrivateDynamoDb = async (): Promise<DynamoDbLocal> =>
  startDynamoDbLocal({ port: await freePort() });

/** Starts private emulators (fauxqs + DynamoDB Local behind one endpoint) on free loopback ports. */
export const startPrivateEmulators = (): Promise<Emulators> => startEmulators();

/** Every item of a table, sorted by key: a full picture to compare before and after. */
export const scanAll = async (
  doc: DynamoDBDocumentClient,
  table: string,
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({ TableName: table, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  const key = (i: Record<string, unknown>) => `${String(i['pk'])}|${String(i['sk'])}`;
  return items.sort((a, b) => (key(a) < key(b) ? -1 : 1));
};

/** Polls a probe until it returns a value that is not undefined, or fails after `timeoutMs`. */
export const eventually = <T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> => pollUntil(probe, { timeoutMs, what, maxDelayMs: 200 });
