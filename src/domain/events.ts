import * as E from 'fp-ts/Either';
import * as t from 'io-ts';
import { decodeWith, strictObject } from './codecs';
import { isEventType, type EventType, type HashedCommand } from './commands';
import { HEX64 } from './ids';
import { ARGON2ID_PHC } from './password';
import { checkBodySize } from './body';
import { capReasons, fail, type Validation } from './reasons';

/** The schema tag of events published by the message handler. */
export const EVENT_SCHEMA = 'user-directory.command.v1';

/** What the message handler publishes for each valid command; it never carries a plaintext password. */
export interface CommandEvent {
  readonly schema: typeof EVENT_SCHEMA;
  /** The input message's id: stable across redeliveries, it follows the command through both handlers. */
  readonly commandId: string;
  /** When the command was first sent to the input queue (ISO 8601). */
  readonly sentAt: string;
  readonly command: HashedCommand;
}

/** The hashed command of one event type. */
type CommandOf<K extends EventType> = Extract<HashedCommand, { readonly type: K }>;

const pattern = (name: string, re: RegExp, what: string) =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string' && re.test(u),
    (u, c) => (typeof u === 'string' && re.test(u) ? t.success(u) : t.failure(u, c, `must be ${what}`)),
    t.identity,
  );

const nonEmpty = pattern('text', /\S/, 'a non-empty string');
const hash = pattern('passwordHash', ARGON2ID_PHC, 'an argon2id PHC string');
const ref = strictObject(
  'ref',
  { id: pattern('id', HEX64, '64 lowercase hex characters'), label: t.string },
  {},
);
const refs = new t.Type<readonly { id: string; label: string }[], unknown, unknown>(
  'refs',
  (u): u is readonly { id: string; label: string }[] => t.readonlyArray(ref).is(u),
  (u, c) => {
    const decoded = t.readonlyArray(ref).validate(u, c);
    if (decoded._tag === 'Left') return decoded;
    const ids = decoded.right.map((r) => r.id);
    return new Set(ids).size === ids.length ? decoded : t.failure(u, c, 'must not name a group twice');
  },
  t.identity,
);

const commandCodecs = {
  GROUP_CREATED: strictObject('GROUP_CREATED', { type: t.literal('GROUP_CREATED'), name: nonEmpty }, {}),
  GROUP_UPDATED: strictObject(
    'GROUP_UPDATED',
    { type: t.literal('GROUP_UPDATED'), group: ref, name: nonEmpty },
    {},
  ),
  GROUP_DELETED: strictObject('GROUP_DELETED', { type: t.literal('GROUP_DELETED'), group: ref }, {}),
  USER_CREATED: strictObject(
    'USER_CREATED',
    { type: t.literal('USER_CREATED'), name: nonEmpty, email: nonEmpty, passwordHash: hash, groups: refs },
    {},
  ),
  USER_UPDATED: strictObject(
    'USER_UPDATED',
    { type: t.literal('USER_UPDATED'), user: ref },
    { name: nonEmpty, email: nonEmpty, passwordHash: hash, groups: refs },
  ),
  USER_DELETED: strictObject('USER_DELETED', { type: t.literal('USER_DELETED'), user: ref }, {}),
} satisfies { readonly [K in EventType]: t.Decoder<unknown, CommandOf<K>> };

/** True when A and B are assignable both ways and have the same keys (optional ones included). */
type Same<A, B> = [A, keyof A] extends [B, keyof B]
  ? [B, keyof B] extends [A, keyof A]
    ? true
    : false
  : false;

/**
 * Compile-time proof that each codec decodes exactly its `HashedCommand` (a field added to, removed
 * from or retyped in `Command` without its codec fails the typecheck).
 */
export const CODECS_MATCH_COMMANDS: {
  readonly [K in EventType]: Same<t.TypeOf<(typeof commandCodecs)[K]>, CommandOf<K>>;
} = {
  GROUP_CREATED: true,
  GROUP_UPDATED: true,
  GROUP_DELETED: true,
  USER_CREATED: true,
  USER_UPDATED: true,
  USER_DELETED: true,
};

const eventCodec = <K extends EventType>(type: K) =>
  strictObject(
    `CommandEvent.${type}`,
    { schema: t.literal(EVENT_SCHEMA), commandId: nonEmpty, sentAt: nonEmpty, command: commandCodecs[type] },
    {},
  );

const eventCodecs: { readonly [K in EventType]: t.Decoder<unknown, CommandEvent> } = {
  GROUP_CREATED: eventCodec('GROUP_CREATED'),
  GROUP_UPDATED: eventCodec('GROUP_UPDATED'),
  GROUP_DELETED: eventCodec('GROUP_DELETED'),
  USER_CREATED: eventCodec('USER_CREATED'),
  USER_UPDATED: eventCodec('USER_UPDATED'),
  USER_DELETED: eventCodec('USER_DELETED'),
};

const commandTypeOf = (parsed: unknown): unknown => {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const command = (parsed as Record<string, unknown>)['command'];
  return typeof command === 'object' && command !== null
    ? (command as Record<string, unknown>)['type']
    : undefined;
};

/**
 * Decodes a published command event (the cache handler's own check, defence in depth): the
 * command must be one of the six, with hashed password only and well-formed ids.
 */
export const decodeCommandEvent = (body: string): Validation<CommandEvent> => {
  const size = checkBodySize(body);
  if (E.isLeft(size)) return size;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return fail('body', 'is not valid JSON');
  }
  const type = commandTypeOf(parsed);
  if (!isEventType(type)) return fail('command.type', 'is not one of the six command types');
  return E.mapLeft(capReasons)(decodeWith(eventCodecs[type])(parsed));
};
