import fc from 'fast-check';
import { compileOp, keyAttributes, type TransactItem } from '../../../src/adapters/dynamodb/expressions';
import { keys, type Item } from '../../../src/domain/model';
import { absent, equals, present, type Condition, type WriteOp } from '../../../src/domain/writes';

const T = 'directory';
const key = keys.group('g1');
const item = { ...keys.groupName('abc'), type: 'GROUPNAME', groupKey: 'g1', name: 'Dev' } as Item;

describe('compileOp: exact TransactWriteItems entries', () => {
  test('keys are named as the table names them', () => {
    expect(keyAttributes(key)).toEqual({ pk: 'GROUP#g1', sk: 'GROUP' });
  });

  test('put only if absent', () => {
    expect(compileOp(T, { op: 'put', label: 'l', item, conditions: [absent] })).toEqual({
      Put: {
        TableName: T,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk' },
      },
    });
  });

  test('put without conditions carries no expression at all', () => {
    expect(compileOp(T, { op: 'put', label: 'l', item, conditions: [] })).toEqual({
      Put: { TableName: T, Item: item },
    });
  });

  test('update: SET and REMOVE, conditions AND-ed, set and condition on the same attribute never collide', () => {
    const op: WriteOp = {
      op: 'update',
      label: 'group',
      key,
      set: { name: 'Ops', version: 4 },
      remove: ['gsi1pk', 'gsi1sk'],
      conditions: [equals('version', 3), equals('status', 'ACTIVE')],
    };
    expect(compileOp(T, op)).toEqual({
      Update: {
        TableName: T,
        Key: { pk: 'GROUP#g1', sk: 'GROUP' },
        UpdateExpression: 'SET #s0 = :s0, #s1 = :s1 REMOVE #r0, #r1',
        ConditionExpression: '#c0 = :c0 AND #c1 = :c1',
        ExpressionAttributeNames: {
          '#s0': 'name',
          '#s1': 'version',
          '#r0': 'gsi1pk',
          '#r1': 'gsi1sk',
          '#c0': 'version',
          '#c1': 'status',
        },
        ExpressionAttributeValues: { ':s0': 'Ops', ':s1': 4, ':c0': 3, ':c1': 'ACTIVE' },
      },
    });
  });

  test('update without conditions or removals', () => {
    expect(
      compileOp(T, { op: 'update', label: 'u', key, set: { status: 'APPLIED' }, remove: [], conditions: [] }),
    ).toEqual({
      Update: {
        TableName: T,
        Key: { pk: 'GROUP#g1', sk: 'GROUP' },
        UpdateExpression: 'SET #s0 = :s0',
        ExpressionAttributeNames: { '#s0': 'status' },
        ExpressionAttributeValues: { ':s0': 'APPLIED' },
      },
    });
  });

  test('update that only removes', () => {
    expect(
      compileOp(T, { op: 'update', label: 'u', key, set: {}, remove: ['groupKey'], conditions: [present] }),
    ).toEqual({
      Update: {
        TableName: T,
        Key: { pk: 'GROUP#g1', sk: 'GROUP' },
        UpdateExpression: 'REMOVE #r0',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#r0': 'groupKey', '#pk': 'pk' },
      },
    });
  });

  test('update that adds to a counter, only on an existing item', () => {
    expect(
      compileOp(T, {
        op: 'update',
        label: 'count',
        key,
        set: {},
        remove: [],
        add: { memberCount: -3 },
        conditions: [present],
      }),
    ).toEqual({
      Update: {
        TableName: T,
        Key: { pk: 'GROUP#g1', sk: 'GROUP' },
        UpdateExpression: 'ADD #a0 :a0',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#a0': 'memberCount', '#pk': 'pk' },
        ExpressionAttributeValues: { ':a0': -3 },
      },
    });
  });

  test('delete with and without a condition', () => {
    expect(compileOp(T, { op: 'delete', label: 'd', key, conditions: [equals('groupKey', 'g1')] })).toEqual({
      Delete: {
        TableName: T,
        Key: { pk: 'GROUP#g1', sk: 'GROUP' },
        ConditionExpression: '#c0 = :c0',
        ExpressionAttributeNames: { '#c0': 'groupKey' },
        ExpressionAttributeValues: { ':c0': 'g1' },
      },
    });
    expect(compileOp(T, { op: 'delete', label: 'd', key, conditions: [] })).toEqual({
      Delete: { TableName: T, Key: { pk: 'GROUP#g1', sk: 'GROUP' } },
    });
  });

  test('a check with conditions checks them', () => {
    expect(compileOp(T, { op: 'check', label: 'c', key, conditions: [equals('groupKey', 'g1')] })).toEqual({
      ConditionCheck: {
        TableName: T,
        Key: { pk: 'GROUP#g1', sk: 'GROUP' },
        ConditionExpression: '#c0 = :c0',
        ExpressionAttributeNames: { '#c0': 'groupKey' },
        ExpressionAttributeValues: { ':c0': 'g1' },
      },
    });
  });

  test('a check without conditions checks presence', () => {
    expect(compileOp(T, { op: 'check', label: 'c', key, conditions: [] })).toEqual({
      ConditionCheck: {
        TableName: T,
        Key: { pk: 'GROUP#g1', sk: 'GROUP' },
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk' },
      },
    });
  });
});

/** Replaces every placeholder by what it stands for; throws on a placeholder that is not defined. */
const resolve = (
  expression: string,
  names: Record<string, string> = {},
  values: Record<string, unknown> = {},
): string =>
  expression.replace(/[#:][A-Za-z]\w*/g, (token) => {
    const table: Record<string, unknown> = token.startsWith('#') ? names : values;
    if (!(token in table)) throw new Error(`undefined placeholder ${token} in ${expression}`);
    return token.startsWith('#') ? String(table[token]) : JSON.stringify(table[token]);
  });

const renderCondition = (c: Condition): string => {
  switch (c.kind) {
    case 'absent':
      return 'attribute_not_exists(pk)';
    case 'present':
      return 'attribute_exists(pk)';
    case 'equals':
      return `${c.attribute} = ${JSON.stringify(c.value)}`;
  }
};

const attribute = fc.constantFrom(
  'pk',
  'sk',
  'name',
  'version',
  'status',
  'groupKey',
  'c0',
  's0',
  '#x',
  ':y',
);
const value = fc.oneof(fc.string({ maxLength: 8 }), fc.integer());
const condition: fc.Arbitrary<Condition> = fc.oneof(
  fc.constant(absent),
  fc.constant(present),
  fc.tuple(attribute, value).map(([a, v]) => equals(a, v)),
);

describe('compileOp: placeholders', () => {
  test('every placeholder is defined, none is reused for another name or value, none is left unused', () => {
    fc.assert(
      fc.property(
        fc.dictionary(attribute, value, { minKeys: 1 }),
        fc.uniqueArray(attribute, { maxLength: 3 }),
        fc.array(condition, { maxLength: 4 }),
        fc.dictionary(attribute, fc.integer(), { maxKeys: 2 }),
        (set, remove, conditions, add) => {
          const compiled: TransactItem = compileOp(T, {
            op: 'update',
            label: 'u',
            key,
            set,
            remove,
            add,
            conditions,
          });
          const update = compiled.Update!;
          const names = update.ExpressionAttributeNames;
          const values = update.ExpressionAttributeValues;
          const removal = remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : '';
          const assignments = Object.entries(set).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
          const additions = Object.entries(add).map(([k, v]) => `${k} ${JSON.stringify(v)}`);
          const addition = additions.length > 0 ? ` ADD ${additions.join(', ')}` : '';
          expect(resolve(update.UpdateExpression ?? '', names, values)).toBe(
            `SET ${assignments.join(', ')}${removal}${addition}`,
          );
          if (conditions.length === 0) expect(update.ConditionExpression).toBeUndefined();
          else
            expect(resolve(update.ConditionExpression ?? '', names, values)).toBe(
              conditions.map(renderCondition).join(' AND '),
            );
          const used = `${update.UpdateExpression} ${update.ConditionExpression ?? ''}`;
          for (const placeholder of [...Object.keys(names ?? {}), ...Object.keys(values ?? {})])
            expect(used).toMatch(new RegExp(`${placeholder}(?!\\w)`));
        },
      ),
      { numRuns: 100 },
    );
  });

  test('a check resolves to its conditions, or to presence when it has none', () => {
    fc.assert(
      fc.property(fc.array(condition, { maxLength: 4 }), (conditions) => {
        const check = compileOp(T, { op: 'check', label: 'c', key, conditions }).ConditionCheck!;
        const expected = (conditions.length > 0 ? conditions : [present]).map(renderCondition).join(' AND ');
        expect(
          resolve(
            check.ConditionExpression ?? '',
            check.ExpressionAttributeNames,
            check.ExpressionAttributeValues,
          ),
        ).toBe(expected);
      }),
    );
  });
});
