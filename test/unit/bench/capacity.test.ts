import {
  itemSize,
  readRequestUnits,
  reportedUnits,
  writeRequestUnits,
} from '../../../scripts/bench/capacity';

describe('DynamoDB request units as AWS bills them', () => {
  test('item size: attribute names plus values', () => {
    expect(itemSize({ pk: 'ab', n: 12 })).toBe(2 + 2 + 1 + 2);
    expect(itemSize({ l: ['a', true] })).toBe(1 + 3 + (1 + 1) + (1 + 1));
  });

  test('a put of a small item is 1 unit, of a 2.5 KB item 3 units', () => {
    expect(writeRequestUnits('PutItem', { Item: { pk: 'x' } })).toBe(1);
    expect(writeRequestUnits('PutItem', { Item: { pk: 'x', big: 'y'.repeat(2500) } })).toBe(3);
  });

  test('a transaction counts 2 per item, condition checks included', () => {
    const small = { pk: 'a', sk: 'b' };
    expect(
      writeRequestUnits('TransactWriteItems', {
        TransactItems: [
          { Put: { Item: small } },
          { Update: { Key: small, ExpressionAttributeValues: { ':v': 1 } } },
          { Delete: { Key: small } },
          { ConditionCheck: { Key: small } },
        ],
      }),
    ).toBe(8);
  });

  test('reads: strongly consistent 1 per 4 KB, eventually consistent half, a miss still costs', () => {
    expect(readRequestUnits('GetItem', { ConsistentRead: true }, { Item: { pk: 'x' } })).toBe(1);
    expect(readRequestUnits('GetItem', { ConsistentRead: true }, {})).toBe(1);
    expect(readRequestUnits('Query', {}, { Items: [{ a: 'x'.repeat(5000) }] })).toBe(1);
    expect(
      readRequestUnits(
        'BatchGetItem',
        { RequestItems: { t: { Keys: [{}, {}, {}], ConsistentRead: true } } },
        { Responses: { t: [{ pk: 'x' }] } },
      ),
    ).toBe(3);
    expect(writeRequestUnits('Query', {})).toBe(0);
  });

  test('reported capacity: one entry or a list, none when absent', () => {
    expect(reportedUnits(undefined)).toBeUndefined();
    expect(reportedUnits([])).toBeUndefined();
    expect(reportedUnits({ TableName: 't', CapacityUnits: 2 })).toBe(2);
    expect(reportedUnits([{ CapacityUnits: 2 }, { WriteCapacityUnits: 3 }])).toBe(5);
  });
});
