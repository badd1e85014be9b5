/** Opaque page cursors: base64url of a query's LastEvaluatedKey, checked against the partition read. */

/** Raised when a cursor is not one this API handed out for the same list. */
export class BadCursorError extends Error {}

const KEY_NAMES = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk']);

/** Encodes a LastEvaluatedKey as an opaque cursor, or undefined when the list is over. */
export const encodeCursor = (key: Record<string, unknown> | undefined): string | undefined =>
  key === undefined ? undefined : Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

/**
 * Decodes a cursor into an ExclusiveStartKey: an object of the table's key attributes only, all
 * strings, whose GSI partition is the one being read. Throws BadCursorError otherwise.
 */
export const decodeCursor = (
  cursor: string | undefined,
  partition: string,
): Record<string, string> | undefined => {
  if (cursor === undefined || cursor === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadCursorError('cursor is not one this API returned');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new BadCursorError('cursor is not one this API returned');
  const entries = Object.entries(value);
  if (!entries.every(([k, v]) => KEY_NAMES.has(k) && typeof v === 'string'))
    throw new BadCursorError('cursor is not one this API returned');
  const key = Object.fromEntries(entries) as Record<string, string>;
  if (key['gsi1pk'] !== partition || key['pk'] === undefined || key['sk'] === undefined)
    throw new BadCursorError('cursor belongs to another list');
  return key;
};
