import * as E from 'fp-ts/Either';
import { groupIdOf, looksLikeIdReference, parseIdReference, userIdOf } from './ids';
import { fail, type Validation } from './reasons';

/** Longest name, in Unicode code points. */
export const MAX_NAME_LENGTH = 128;
/** Longest email, in characters (RFC 5321 path limit). */
export const MAX_EMAIL_LENGTH = 254;
/** Shortest password, in UTF-8 bytes. */
export const MIN_PASSWORD_BYTES = 1;
/** Longest password, in UTF-8 bytes: bounds the KDF's input. */
export const MAX_PASSWORD_BYTES = 1024;
/**
 * Most groups one user may belong to. Chosen so that every user command, even a USER_UPDATED that
 * changes the email (taking it back from a user that took it later) and swaps a full set of groups
 * for another full set, fits in one DynamoDB transaction (100 items): marker + user + old email claim
 * + its history entry and head + the new claim + 3 to take the email back (that user, its restored
 * claim, its command's marker) + 4 per swapped group (membership delete + group count, group count +
 * membership put) = 9 + 4 x 22 = 97; a user stored under the previous limit of 23 swapping its 23
 * for 22 takes 99. See docs/data-model.md.
 */
export const MAX_GROUPS_PER_USER = 22;

/** A reference to a group: its public id (sha256 of its name) and the text the sender used for it. */
export interface GroupRef {
  readonly id: string;
  readonly label: string;
}

/** A reference to a user: its public id (sha256 of its email) and the text the sender used for it. */
export interface UserRef {
  readonly id: string;
  readonly label: string;
}

const LONE_SURROGATE = /\p{Cs}/u;
const NOT_WELL_FORMED = 'must be well-formed Unicode (it holds a lone surrogate)';

/** Characters a name may not hold, each with its reason (checked after NFC normalization). */
const FORBIDDEN_IN_NAMES: readonly (readonly [RegExp, string])[] = [
  [/\p{Cc}/u, 'must not contain control characters'],
  [/\p{Cf}/u, 'must not contain invisible format characters (zero-width or bidi controls)'],
  [/\p{Co}/u, 'must not contain private-use characters'],
  [/\p{Cn}/u, 'must not contain unassigned code points'],
];

/** Trims, NFC-normalizes and checks a display or group name: well-formed, visible Unicode. */
export const normalizeName = (path: string, raw: string): Validation<string> => {
  if (LONE_SURROGATE.test(raw)) return fail(path, NOT_WELL_FORMED);
  const name = raw.trim().normalize('NFC');
  const length = [...name].length;
  if (length === 0) return fail(path, 'must not be empty or only white space');
  if (length > MAX_NAME_LENGTH)
    return fail(path, `must be at most ${MAX_NAME_LENGTH} characters (got ${length})`);
  const forbidden = FORBIDDEN_IN_NAMES.find(([pattern]) => pattern.test(name));
  return forbidden === undefined ? E.right(name) : fail(path, forbidden[1]);
};

/** A group name, which additionally must not look like an id reference. */
export const normalizeGroupName = (path: string, raw: string): Validation<string> =>
  E.chain((name: string) =>
    looksLikeIdReference(name)
      ? fail<string>(path, 'a group name must not look like an id (64 hexadecimal characters)')
      : E.right(name),
  )(normalizeName(path, raw));

const LOCAL_ATOM = "[a-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LOCAL_PART = new RegExp(`^${LOCAL_ATOM}(\\.${LOCAL_ATOM})*$`);
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LEVEL = /^[a-z]{2,63}$/;

/**
 * Trims, lowercases and checks an email against a sound subset of RFC 5322: a dot-atom local part of
 * at most 64 characters, and a domain of at least two DNS labels ending in an alphabetic top level.
 */
export const normalizeEmail = (path: string, raw: string): Validation<string> => {
  const email = raw.trim().toLowerCase();
  if (email.length === 0) return fail(path, 'must not be empty');
  if (email.length > MAX_EMAIL_LENGTH)
    return fail(path, `must be at most ${MAX_EMAIL_LENGTH} characters (got ${email.length})`);
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1)
    return fail(path, 'is not an email address (expected local@domain)');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64) return fail(path, 'the part before @ must be at most 64 characters');
  if (!LOCAL_PART.test(local))
    return fail(path, 'the part before @ has a character or dot placement an email address cannot have');
  const labels = domain.split('.');
  const top = labels[labels.length - 1] ?? '';
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l)) || !TOP_LEVEL.test(top))
    return fail(path, 'the domain after @ is not a valid domain name (e.g. example.com)');
  return E.right(email);
};

/**
 * Checks a password: well-formed Unicode (a lone surrogate would be encoded as U+FFFD, so distinct
 * inputs would share a hash) of 1 to 1024 UTF-8 bytes, taken as is (no trimming).
 */
export const checkPassword = (path: string, raw: string): Validation<string> => {
  if (LONE_SURROGATE.test(raw)) return fail(path, NOT_WELL_FORMED);
  const bytes = Buffer.byteLength(raw, 'utf8');
  if (bytes < MIN_PASSWORD_BYTES) return fail(path, 'must not be empty');
  if (bytes > MAX_PASSWORD_BYTES)
    return fail(path, `must be at most ${MAX_PASSWORD_BYTES} bytes in UTF-8 (got ${bytes})`);
  return E.right(raw);
};

const idReference =
  (prefix: 'USER' | 'GROUP', hashOf: string) =>
  (path: string, raw: string): Validation<UserRef | GroupRef> => {
    const id = parseIdReference(raw.trim(), prefix);
    const kind = prefix.toLowerCase();
    return id === undefined
      ? fail(
          path,
          `must be a ${kind} id: 64 hexadecimal characters (sha256 of the ${hashOf}), optionally prefixed '${prefix}|'`,
        )
      : E.right({ id, label: `${kind} ${id}` });
  };

/** A user id reference: 64 hex characters (sha256 of the email), optionally prefixed `USER|`. */
export const userIdRef: (path: string, raw: string) => Validation<UserRef> = idReference('USER', 'email');

/** A user named by email. */
export const userEmailRef = (path: string, raw: string): Validation<UserRef> =>
  E.map((email: string) => ({ id: userIdOf(email), label: email }))(normalizeEmail(path, raw));

/** A group id reference: 64 hex characters (sha256 of the name), optionally prefixed `GROUP|`. */
export const groupIdRef: (path: string, raw: string) => Validation<GroupRef> = idReference('GROUP', 'name');

/** A group named by name. */
export const groupNameRef = (path: string, raw: string): Validation<GroupRef> =>
  E.map((name: string) => ({ id: groupIdOf(name), label: name }))(normalizeName(path, raw));

/** An item of a `groups` list: an id when it has the id shape, a group name otherwise. */
export const groupListItem = (path: string, raw: string): Validation<GroupRef> =>
  looksLikeIdReference(raw.trim()) ? groupIdRef(path, raw) : groupNameRef(path, raw);
