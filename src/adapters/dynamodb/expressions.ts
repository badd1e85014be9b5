/** Pure translation of the domain's write operations into DynamoDB TransactWriteItems entries. */
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TABLE, type Key } from '../../domain/model';
import { present, type Condition, type WriteOp } from '../../domain/writes';

/** One entry of a TransactWriteItems request, as lib-dynamodb takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

type Names = Record<string, string>;
type Values = Record<string, unknown>;

/** The key attributes of an item, named as the table names them. */
export const keyAttributes = (key: Key): Record<string, string> => ({
  [TABLE.partitionKey]: key.pk,
  [TABLE.sortKey]: key.sk,
});

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

const expressions = (condition: string | undefined, names: Names, values: Values) => ({
  ...(condition === undefined ? {} : { ConditionExpression: condition }),
  ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
  ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
});

const updateExpression = (
  set: Readonly<Record<string, unknown>>,
  remove: readonly string[],
  add: Readonly<Record<string, number>>,
  names: Names,
  values: Values,
) => {
  const assignments = Object.entries(set).map(([k, v], i) => {
    names[`#s${i}`] = k;
    values[`:s${i}`] = v;
    return `#s${i} = :s${i}`;
  });
  const removals = remove.map((k, i) => {
    names[`#r${i}`] = k;
    return `#r${i}`;
  });
  const additions = Object.entries(add).map(([k, v], i) => {
    names[`#a${i}`] = k;
    values[`:a${i}`] = v;
    return `#a${i} :a${i}`;
  });
  return [
    assignments.length > 0 ? `SET ${assignments.join(', ')}` : '',
    removals.length > 0 ? `REMOVE ${removals.join(', ')}` : '',
    additions.length > 0 ? `ADD ${additions.join(', ')}` : '',
  ]
    .filter((part) => part !== '')
    .join(' ');
};

/**
 * Translates a domain write operation into a TransactWriteItems entry. Attribute names always go
 * through placeholders, so any attribute name is safe; a check without conditions checks presence.
 */
export const compileOp = (tableName: string, op: WriteOp): TransactItem => {
  const names: Names = {};
  const values: Values = {};
  switch (op.op) {
    case 'put': {
      const condition = compileConditions(op.conditions, names, values);
      return { Put: { TableName: tableName, Item: op.item, ...expressions(condition, names, values) } };
    }
    case 'update': {
      const update = updateExpression(op.set, op.remove, op.add ?? {}, names, values);
      const condition = compileConditions(op.conditions, names, values);
      return {
        Update: {
          TableName: tableName,
          Key: keyAttributes(op.key),
          UpdateExpression: update,
          ...expressions(condition, names, values),
        },
      };
    }
    case 'delete': {
      const condition = compileConditions(op.conditions, names, values);
      return {
        Delete: {
          TableName: tableName,
          Key: keyAttributes(op.key),
          ...expressions(condition, names, values),
        },
      };
    }
    case 'check': {
      const conditions = op.conditions.length > 0 ? op.conditions : [present];
      const condition = compileConditions(conditions, names, values) ?? '';
      return {
        ConditionCheck: {
          TableName: tableName,
          Key: keyAttributes(op.key),
          ...expressions(condition, names, values),
          ConditionExpression: condition,
        },
      };
    }
  }
};
