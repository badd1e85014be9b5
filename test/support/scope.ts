import { randomBytes } from 'node:crypto';
import { groupIdOf, userIdOf } from '../../src/domain/ids';

/**
 * A per-run namespace, so that a suite can run against a shared stack (LocalStack, a separately
 * started `npm run stack`) whose table already holds other runs' data: group names get ` <tag>`
 * appended, `@example.com` addresses move to `@<tag>.example.com`, and the sha256 ids of the listed
 * names and emails follow them. The same text transform applies to bodies and to expected reasons.
 */
export interface Scope {
  readonly tag: string;
  readonly name: (groupName: string) => string;
  readonly email: (address: string) => string;
  /** Rewrites a raw body (JSON or not) or an expected reason into the namespace. */
  readonly text: (raw: string) => string;
  /** True for a group name or an email of this namespace. */
  readonly owns: (nameOrEmail: string) => boolean;
}

/** A namespace for the given group names and (normalized) emails; `tag` is lowercase letters and digits. */
export const makeScope = (
  groupNames: readonly string[],
  emails: readonly string[],
  tag = `r${randomBytes(4).toString('hex')}`,
): Scope => {
  const name = (groupName: string) => `${groupName} ${tag}`;
  const email = (address: string) => address.replace(/@example\.com$/i, `@${tag}.example.com`);
  const ids = new Map<string, string>([
    ...groupNames.map((n): [string, string] => [groupIdOf(n), groupIdOf(name(n))]),
    ...emails.map((e): [string, string] => [userIdOf(e), userIdOf(email(e))]),
  ]);
  const quoted = new RegExp(
    `"(${groupNames.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})"`,
    'g',
  );
  const text = (raw: string) =>
    raw
      .replace(/@example\.com\b/gi, `@${tag}.example.com`)
      .replace(quoted, (_, n: string) => `"${name(n)}"`)
      .replace(/[0-9a-f]{64}/g, (hex) => ids.get(hex) ?? hex);
  return {
    tag,
    name,
    email,
    text,
    owns: (v) => v.endsWith(` ${tag}`) || v.toLowerCase().endsWith(`@${tag}.example.com`),
  };
};
