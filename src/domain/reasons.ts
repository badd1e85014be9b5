import type { NonEmptyArray } from 'fp-ts/NonEmptyArray';
import { left, type Either } from 'fp-ts/Either';

/** One precise reason a command was refused: the field path and what was wrong with it. */
export interface Reason {
  readonly path: string;
  readonly message: string;
  /** True when the reason is an entity the command names that does not exist (yet, perhaps). */
  readonly missing?: true;
}

/** The result of a check that reports every reason it found, not only the first. */
export type Validation<A> = Either<NonEmptyArray<Reason>, A>;

/** Builds a reason. */
export const reason = (path: string, message: string): Reason => ({ path, message });

/** Builds the reason of a reference to an entity that does not exist: one a later command may create. */
export const missingReason = (path: string, message: string): Reason => ({ path, message, missing: true });

/** A failed validation with one reason. */
export const fail = <A>(path: string, message: string): Validation<A> => left([reason(path, message)]);

/**
 * Quotes a text for a reason as a JSON string, cut to `maxChars` characters with an ellipsis, so a
 * reason never grows with a hostile input.
 */
export const quote = (text: string, maxChars = Number.POSITIVE_INFINITY): string =>
  JSON.stringify(text.length > maxChars ? `${text.slice(0, maxChars)}…` : text);

/** Most reasons a rejection keeps; the rest are counted in one last reason. */
export const MAX_REASONS = 20;
/** Longest path or message of a stored reason, in characters. */
const MAX_REASON_TEXT = 200;

const clip = (text: string): string =>
  text.length > MAX_REASON_TEXT ? `${text.slice(0, MAX_REASON_TEXT)}…` : text;

/**
 * Bounds what a rejection stores whatever the input: each path and message cut to 200 characters,
 * at most `MAX_REASONS` reasons, then `and N more reasons`.
 */
export const capReasons = (reasons: NonEmptyArray<Reason>): NonEmptyArray<Reason> => {
  const [first, ...rest] = reasons.map((r) => reason(clip(r.path), clip(r.message)));
  const kept: NonEmptyArray<Reason> = [first as Reason, ...rest.slice(0, MAX_REASONS - 1)];
  return reasons.length > MAX_REASONS
    ? [kept[0], ...kept.slice(1), reason('', `and ${reasons.length - MAX_REASONS} more reasons`)]
    : kept;
};

/** Renders a reason as `path: message`, the form users see in the CLI and in rejection records. */
export const formatReason = (r: Reason): string => (r.path === '' ? r.message : `${r.path}: ${r.message}`);

/** Describes a JSON value by its kind only, so a rejection never echoes a secret. */
export const kindOf = (u: unknown): string => {
  if (u === null) return 'null';
  if (Array.isArray(u)) return 'an array';
  switch (typeof u) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof u;
  }
};
