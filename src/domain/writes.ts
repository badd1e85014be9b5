import type { Item, Key } from './model';

/** A condition on the item an operation touches (AND-ed when several). */
export type Condition =
  | { readonly kind: 'absent' }
  | { readonly kind: 'present' }
  | { readonly kind: 'equals'; readonly attribute: string; readonly value: string | number };

/** One item of a transaction, described without any AWS type. `label` names it in cancellation reasons. */
export type WriteOp =
  | {
      readonly op: 'put';
      readonly label: string;
      readonly item: Item;
      readonly conditions: readonly Condition[];
    }
  | {
      readonly op: 'update';
      readonly label: string;
      readonly key: Key;
      readonly set: Readonly<Record<string, string | number | readonly string[]>>;
      readonly remove: readonly string[];
      /** Numbers added atomically to attributes (a missing attribute counts as 0). */
      readonly add?: Readonly<Record<string, number>>;
      readonly conditions: readonly Condition[];
    }
  | {
      readonly op: 'delete';
      readonly label: string;
      readonly key: Key;
      readonly conditions: readonly Condition[];
    }
  | {
      readonly op: 'check';
      readonly label: string;
      readonly key: Key;
      readonly conditions: readonly Condition[];
    };

/** The key of the item an operation touches. */
export const keyOfOp = (op: WriteOp): Key =>
  op.op === 'put' ? { pk: op.item.pk, sk: op.item.sk } : { pk: op.key.pk, sk: op.key.sk };

/** Most items in one DynamoDB transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

/** The label of a command's marker in every transaction: its failure means "already done". */
export const MARKER_LABEL = 'marker';

/** The item must not exist yet. */
export const absent: Condition = { kind: 'absent' };
/** The item must exist. */
export const present: Condition = { kind: 'present' };
/** An attribute of the item must have this value. */
export const equals = (attribute: string, value: string | number): Condition => ({
  kind: 'equals',
  attribute,
  value,
});
