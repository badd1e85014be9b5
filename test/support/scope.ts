import { randomBytes } from 'node:crypto';
import { groupIdOf, userIdOf } from '../../src/domain/ids';

/**
 * A per-run namespace, so that a suite can run against a shared stack (LocalStack, a separately
 * started `npm run stack`) whose table already holds other runs' data: group names get ` <tag>`
 * appended, an address `local@domain` moves to `local@<tag>.domain`, and the sha256 ids of the listed
 * names and emails follow them. The same text transform applies to bodies and to expected reasons,
 * so that a file keeps its meaning: a name it repeats, an id of a name, an unknown name stay what they were.
 */
export interface Scope {
  readonly tag: string;
  /** The group names and emails it was made for (as the files spell them). */
  readonly groupNames: readonly string[];
  readonly emails: readonly string[];
  readonly name: (groupName: string) => string;
  readonly email: (address: string) => string;
  /** A command id (or any other key) of this namespace. */
  readonly id: (key: string) => string;
  /** Rewrites a raw body (JSON or not) or an expected reason into the namespace. */
  readonly text: (raw: string) => string;
  /** True for a group name or an email of this namespace. */
  readonly owns: (nameOrEmail: string) => boolean;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A namespace for the given group names and emails (as the files spell them); `tag` is lowercase
 * letters and digits. Every `@example.com` address is rewritten too, listed or not.
 */
export const makeScope = (
  groupNames: readonly string[],
  emails: readonly string[],
  tag = `r${randomBytes(4).toString('hex')}`,
): Scope => {
  const name = (groupName: string) => `${groupName} ${tag}`;
  const email = (address: string) => address.replace(/@([^@\s"]+)$/, `@${tag}.$1`);
  const ids = new Map<string, string>([
    ...groupNames.map((n): [string, string] => [groupIdOf(n), groupIdOf(name(n))]),
    ...emails.map((e): [string, string] => [userIdOf(e), userIdOf(email(e))]),
  ]);
  // longest first, so that "Developers 2.0" is not read as "Developers"
  const alternatives = (list: readonly string[]) =>
    [...list]
      .sort((a, b) => b.length - a.length)
      .map(escape)
      .join('|');
  const quotedName =
    groupNames.length === 0 ? undefined : new RegExp(`"(${alternatives(groupNames)})"`, 'gi');
  const listedEmail = emails.length === 0 ? undefined : new RegExp(`(${alternatives(emails)})`, 'gi');
  const exampleEmail = /@example\.com\b/gi;
  const text = (raw: string) => {
    let out = raw;
    if (listedEmail !== undefined) out = out.replace(listedEmail, (e: string) => email(e));
    // a listed address already moved reads `@<tag>.example.com`: the rule below does not match it again
    out = out.replace(exampleEmail, `@${tag}.example.com`);
    if (quotedName !== undefined) out = out.replace(quotedName, (_, n: string) => `"${name(n)}"`);
    return out.replace(/[0-9a-f]{64}/g, (hex) => ids.get(hex) ?? hex);
  };
  return {
    tag,
    groupNames,
    emails,
    name,
    email,
    id: (key) => `${key}-${tag}`,
    text,
    owns: (v) => v.endsWith(` ${tag}`) || v.toLowerCase().includes(`@${tag}.`),
  };
};

/** A value (a state, rejections) moved from one namespace into another of the same names and emails. */
export const retag = <T>(value: T, from: Scope, to: Scope): T => {
  const ids = new Map<string, string>([
    ...from.groupNames.map((n): [string, string] => [groupIdOf(from.name(n)), groupIdOf(to.name(n))]),
    ...from.emails.map((e): [string, string] => [userIdOf(from.email(e)), userIdOf(to.email(e))]),
  ]);
  const text = JSON.stringify(value)
    .replaceAll(from.tag, to.tag)
    .replace(/[0-9a-f]{64}/g, (hex) => ids.get(hex) ?? hex);
  return JSON.parse(text) as T;
};

/** The group names and emails the files of events/ use. */
const EVENTS_GROUPS = ['Engineering', 'Marketing', 'Sales', 'Platform Engineering', 'Finance'];
const EVENTS_EMAILS = [
  'ana.paula@example.com',
  'ana.souza@example.com',
  'bruno@example.com',
  'carla@example.com',
  'dan@example.com',
];

/** A new namespace for the files of events/ (their names, emails and the ids of both follow). */
export const eventsScope = (): Scope => makeScope(EVENTS_GROUPS, EVENTS_EMAILS);
