/**
 * The commands the model-based tests send, as a small language over a universe, and how each is
 * written as a message body. Plain TypeScript and fast-check: nothing from src/.
 */
import fc from 'fast-check';
import { sha256, type Entry, type GroupEntry, type Universe } from './universe';

/** How a command names a group: by its name as sent, or by the id of a (valid) name. */
export type GroupRef =
  | { readonly by: 'name'; readonly entry: GroupEntry }
  | { readonly by: 'id'; readonly entry: GroupEntry; readonly style: 'prefixed' | 'bare-upper' };

/** How a command names a user: by an email as sent, or by the id of a (valid) email. */
export type UserRef =
  | { readonly by: 'email'; readonly entry: Entry }
  | { readonly by: 'id'; readonly entry: Entry; readonly style: 'prefixed' | 'bare-upper' };

/** One command of the language. */
export type Op =
  | { readonly kind: 'GROUP_CREATED'; readonly name: GroupEntry }
  | { readonly kind: 'GROUP_UPDATED'; readonly group: GroupRef; readonly name: GroupEntry }
  | { readonly kind: 'GROUP_DELETED'; readonly group: GroupRef }
  | {
      readonly kind: 'USER_CREATED';
      readonly name: Entry;
      readonly email: Entry;
      readonly password: Entry;
      readonly groups?: readonly GroupRef[];
    }
  | {
      readonly kind: 'USER_UPDATED';
      readonly user: UserRef;
      readonly name?: Entry;
      readonly newEmail?: Entry;
      readonly password?: Entry;
      readonly groups?: readonly GroupRef[];
    }
  | { readonly kind: 'USER_DELETED'; readonly user: UserRef }
  /** A body the pipeline must refuse whatever the directory holds. */
  | { readonly kind: 'MALFORMED'; readonly body: string; readonly what: string };

const idText = (hex: string, prefix: 'GROUP' | 'USER', style: 'prefixed' | 'bare-upper'): string =>
  style === 'prefixed' ? `${prefix}|${hex}` : hex.toUpperCase();

const groupRefText = (ref: GroupRef): string =>
  ref.by === 'name' ? ref.entry.raw : idText(sha256(ref.entry.value ?? ''), 'GROUP', ref.style);

const userIdText = (ref: UserRef & { by: 'id' }): string =>
  idText(sha256(ref.entry.value ?? ''), 'USER', ref.style);

const envelope = (entityType: string, eventType: string, eventData: Record<string, unknown>): string =>
  JSON.stringify({ entityType, eventType, eventData });

/** The message body of a command, as a sender would write it. */
export const bodyOf = (op: Op): string => {
  switch (op.kind) {
    case 'GROUP_CREATED':
      return envelope('GROUP', op.kind, { name: op.name.raw });
    case 'GROUP_UPDATED':
      return envelope('GROUP', op.kind, {
        ...(op.group.by === 'name' ? { currentName: op.group.entry.raw } : { id: groupRefText(op.group) }),
        name: op.name.raw,
      });
    case 'GROUP_DELETED':
      return envelope(
        'GROUP',
        op.kind,
        op.group.by === 'name' ? { name: op.group.entry.raw } : { id: groupRefText(op.group) },
      );
    case 'USER_CREATED':
      return envelope('USER', op.kind, {
        name: op.name.raw,
        email: op.email.raw,
        password: op.password.raw,
        ...(op.groups === undefined ? {} : { groups: op.groups.map(groupRefText) }),
      });
    case 'USER_UPDATED': {
      const byId = op.user.by === 'id';
      return envelope('USER', op.kind, {
        ...(op.user.by === 'id' ? { id: userIdText(op.user) } : { email: op.user.entry.raw }),
        ...(op.newEmail === undefined ? {} : { [byId ? 'email' : 'newEmail']: op.newEmail.raw }),
        ...(op.name === undefined ? {} : { name: op.name.raw }),
        ...(op.password === undefined ? {} : { password: op.password.raw }),
        ...(op.groups === undefined ? {} : { groups: op.groups.map(groupRefText) }),
      });
    }
    case 'USER_DELETED':
      return envelope(
        'USER',
        op.kind,
        op.user.by === 'id' ? { id: userIdText(op.user) } : { email: op.user.entry.raw },
      );
    case 'MALFORMED':
      return op.body;
  }
};

const malformed = (u: Universe): fc.Arbitrary<Op> => {
  const email = u.emails[0]?.raw ?? '';
  const group = u.groups[0]?.raw ?? '';
  const bad = (what: string, body: string): Op => ({ kind: 'MALFORMED', what, body });
  return fc.constantFrom<Op>(
    bad(
      'broken JSON',
      `{"entityType": "GROUP", "eventType": "GROUP_CREATED", "eventData": {"name": "${group}"`,
    ),
    bad('kinds disagree', envelope('GROUP', 'USER_DELETED', { email })),
    bad('unknown event type', envelope('GROUP', 'GROUP_RENAMED', { name: group })),
    bad('inherited member as type', envelope('GROUP', 'constructor', { name: group })),
    bad('__proto__ as type', envelope('USER', '__proto__', { email })),
    bad('unknown field', envelope('GROUP', 'GROUP_CREATED', { name: group, color: 'red' })),
    bad('missing password', envelope('USER', 'USER_CREATED', { name: 'Ann', email })),
    bad(
      'groups not a list',
      envelope('USER', 'USER_CREATED', { name: 'Ann', email, password: 'pw', groups: group }),
    ),
    bad('both id and email', envelope('USER', 'USER_DELETED', { email, id: sha256(email) })),
    bad('changes nothing', envelope('USER', 'USER_UPDATED', { email })),
    bad('newEmail with id', envelope('USER', 'USER_UPDATED', { id: sha256(email), newEmail: email })),
    bad(
      'eventData not an object',
      JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_DELETED', eventData: [group] }),
    ),
    bad('body not an object', JSON.stringify([{ entityType: 'GROUP' }])),
    bad('null body', 'null'),
  );
};

const style = fc.constantFrom<'prefixed' | 'bare-upper'>('prefixed', 'bare-upper');

/** The arbitrary of one command over a universe: mostly well formed, colliding often. */
export const opArbitrary = (u: Universe): fc.Arbitrary<Op> => {
  const validGroups = u.groups.filter((g) => g.value !== null);
  const validEmails = u.emails.filter((e) => e.value !== null);
  const groupEntry = fc.oneof(
    { arbitrary: fc.constantFrom(...validGroups), weight: 12 },
    { arbitrary: fc.constantFrom(...u.groups), weight: 1 },
  );
  const groupRef: fc.Arbitrary<GroupRef> = fc.oneof(
    { arbitrary: groupEntry.map((entry): GroupRef => ({ by: 'name', entry })), weight: 3 },
    {
      arbitrary: fc
        .record({ entry: fc.constantFrom(...validGroups), style })
        .map((r): GroupRef => ({ by: 'id', ...r })),
      weight: 1,
    },
  );
  const email = fc.oneof(
    { arbitrary: fc.constantFrom(...validEmails), weight: 20 },
    { arbitrary: fc.constantFrom(...u.emails), weight: 1 },
  );
  const userRef: fc.Arbitrary<UserRef> = fc.oneof(
    { arbitrary: email.map((entry): UserRef => ({ by: 'email', entry })), weight: 3 },
    {
      arbitrary: fc
        .record({ entry: fc.constantFrom(...validEmails), style })
        .map((r): UserRef => ({ by: 'id', ...r })),
      weight: 1,
    },
  );
  const name = fc.oneof(
    { arbitrary: fc.constantFrom(...u.names.filter((n) => n.value !== null)), weight: 20 },
    { arbitrary: fc.constantFrom(...u.names), weight: 1 },
  );
  const password = fc.oneof(
    { arbitrary: fc.constantFrom(...u.passwords.filter((p) => p.value !== null)), weight: 20 },
    { arbitrary: fc.constantFrom(...u.passwords), weight: 1 },
  );
  const groups = fc.array(groupRef, { maxLength: 2 });
  return fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('GROUP_CREATED' as const), name: groupEntry }), weight: 5 },
    {
      arbitrary: fc.record({
        kind: fc.constant('GROUP_UPDATED' as const),
        group: groupRef,
        name: groupEntry,
      }),
      weight: 3,
    },
    { arbitrary: fc.record({ kind: fc.constant('GROUP_DELETED' as const), group: groupRef }), weight: 3 },
    {
      arbitrary: fc.record(
        { kind: fc.constant('USER_CREATED' as const), name, email, password, groups },
        { requiredKeys: ['kind', 'name', 'email', 'password'] },
      ),
      weight: 5,
    },
    {
      arbitrary: fc
        .record(
          {
            kind: fc.constant('USER_UPDATED' as const),
            user: userRef,
            name,
            newEmail: email,
            password,
            groups,
          },
          { requiredKeys: ['kind', 'user'] },
        )
        .filter(
          (op) =>
            op.name !== undefined ||
            op.newEmail !== undefined ||
            op.password !== undefined ||
            op.groups !== undefined,
        ),
      weight: 5,
    },
    { arbitrary: fc.record({ kind: fc.constant('USER_DELETED' as const), user: userRef }), weight: 3 },
    { arbitrary: malformed(u), weight: 1 },
  );
};

/** A sequence of commands over a universe. */
export const opsArbitrary = (u: Universe, minLength: number, maxLength: number): fc.Arbitrary<Op[]> =>
  fc.array(opArbitrary(u), { minLength, maxLength });
