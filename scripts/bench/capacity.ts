/**
 * DynamoDB request units as AWS bills them on demand, computed from the items a request writes or
 * reads: 1 write unit per started KB per item written (2 inside a transaction, ConditionCheck
 * included), 1 read unit per started 4 KB read strongly consistently (half for eventually
 * consistent reads), a minimum of one unit per item touched. Pure.
 */

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** The DynamoDB size of one attribute value given as a plain JavaScript value (lib-dynamodb form). */
export const valueSize = (v: unknown): number => {
  if (v === null || v === undefined || typeof v === 'boolean') return 1;
  if (typeof v === 'string') return utf8(v);
  if (typeof v === 'number' || typeof v === 'bigint')
    return Math.ceil(String(v).replace(/^-/, '').length / 2) + 1;
  if (v instanceof Uint8Array) return v.length;
  if (v instanceof Set) return [...v].reduce((n: number, x) => n + valueSize(x), 0);
  if (Array.isArray(v)) return 3 + v.reduce((n: number, x) => n + valueSize(x) + 1, 0);
  if (typeof v === 'object')
    return 3 + Object.entries(v).reduce((n, [k, x]) => n + utf8(k) + valueSize(x) + 1, 0);
  return 1;
};

/** The size of an item: the sum of its attribute names and values. */
export const itemSize = (item: Record<string, unknown> | undefined): number =>
  Object.entries(item ?? {}).reduce((n, [k, v]) => n + utf8(k) + valueSize(v), 0);

const KB = 1024;
const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / KB));
const readUnits = (bytes: number, consistent: boolean): number =>
  Math.max(1, Math.ceil(bytes / (4 * KB))) * (consistent ? 1 : 0.5);

type Input = Record<string, unknown>;

/** What an update or delete writes, as far as the request shows it: the key plus the values it sets. */
const writtenSize = (req: Input): number =>
  itemSize(req['Key'] as Input) + itemSize(req['ExpressionAttributeValues'] as Input);

/** Write request units of one request (0 for a read). */
export const writeRequestUnits = (operation: string, input: Input): number => {
  switch (operation) {
    case 'PutItem':
      return writeUnits(itemSize(input['Item'] as Input));
    case 'UpdateItem':
    case 'DeleteItem':
      return writeUnits(writtenSize(input));
    case 'BatchWriteItem':
      return Object.values((input['RequestItems'] ?? {}) as Record<string, Input[]>)
        .flat()
        .reduce((n, r) => {
          const put = r['PutRequest'] as Input | undefined;
          return n + writeUnits(put ? itemSize(put['Item'] as Input) : 0);
        }, 0);
    case 'TransactWriteItems':
      return ((input['TransactItems'] ?? []) as Input[]).reduce((n, t) => {
        const put = t['Put'] as Input | undefined;
        const other = (t['Update'] ?? t['Delete'] ?? t['ConditionCheck']) as Input | undefined;
        return n + 2 * writeUnits(put ? itemSize(put['Item'] as Input) : other ? writtenSize(other) : 0);
      }, 0);
    default:
      return 0;
  }
};

/** Read request units of one request from its input and output (0 for a write). */
export const readRequestUnits = (operation: string, input: Input, output: Input): number => {
  const consistent = input['ConsistentRead'] === true;
  switch (operation) {
    case 'GetItem':
      return readUnits(itemSize(output['Item'] as Input), consistent);
    case 'Query':
    case 'Scan': {
      const items = (output['Items'] ?? []) as Input[];
      return readUnits(
        items.reduce((n, i) => n + itemSize(i), 0),
        consistent,
      );
    }
    case 'BatchGetItem': {
      const requested = Object.entries((input['RequestItems'] ?? {}) as Record<string, Input>);
      const responses = (output['Responses'] ?? {}) as Record<string, Input[]>;
      return requested.reduce((n, [table, req]) => {
        const keys = ((req['Keys'] ?? []) as unknown[]).length;
        const found = responses[table] ?? [];
        const eventual = req['ConsistentRead'] !== true;
        const foundUnits = found.reduce((m, i) => m + readUnits(itemSize(i), !eventual), 0);
        return n + foundUnits + Math.max(0, keys - found.length) * (eventual ? 0.5 : 1);
      }, 0);
    }
    default:
      return 0;
  }
};

/** Operations that accept ReturnConsumedCapacity. */
export const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
]);

/** Write operations (their reported capacity counts as writes). */
export const WRITE_OPERATIONS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

/** Sums the capacity units a response reports (one entry or a list), or undefined when it reports none. */
export const reportedUnits = (consumed: unknown): number | undefined => {
  if (consumed === undefined || consumed === null) return undefined;
  const entries = (Array.isArray(consumed) ? consumed : [consumed]) as Input[];
  if (entries.length === 0) return undefined;
  return entries.reduce(
    (n, c) =>
      n +
      Number(
        c['CapacityUnits'] ?? Number(c['WriteCapacityUnits'] ?? 0) + Number(c['ReadCapacityUnits'] ?? 0),
      ),
    0,
  );
};
