import { createHash } from 'node:crypto';

/** Lowercase sha256 hex of a UTF-8 string. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The public id of a user: sha256 hex of its normalized (trimmed, lowercased) email. */
export const userIdOf = (normalizedEmail: string): string => sha256Hex(normalizedEmail);

/** The public id of a group: sha256 hex of its normalized (trimmed, NFC) name. */
export const groupIdOf = (normalizedName: string): string => sha256Hex(normalizedName);

/**
 * The key under which group names are unique: NFKC (compatibility forms such as full-width letters
 * fold to their plain form), then case folding (upper then lower case, so `ß` and `SS` meet), then
 * NFKC again. `Sales`, `sales` and `Ｓales` share it; the public id (`groupIdOf`) keeps the exact name.
 */
export const canonicalGroupNameOf = (normalizedName: string): string =>
  sha256Hex(normalizedName.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC'));

/** A canonical public id: 64 lowercase hex characters (a sha256). */
export const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Reads a reference id: 64 hex characters, optionally behind `PREFIX|`.
 * Returns the lowercase hex, or undefined when the text is not such an id.
 */
export const parseIdReference = (text: string, prefix: 'USER' | 'GROUP'): string | undefined => {
  const bare = text.startsWith(`${prefix}|`) ? text.slice(prefix.length + 1) : text;
  const id = bare.toLowerCase();
  return HEX64.test(id) ? id : undefined;
};

/** True when a text has the shape of an id reference of either kind (used to keep names unambiguous). */
export const looksLikeIdReference = (text: string): boolean =>
  parseIdReference(text, 'GROUP') !== undefined || parseIdReference(text, 'USER') !== undefined;
