import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as t from 'io-ts';
import { decodeWith, strictObject } from './codecs';
import type { HashedCommand } from './commands';
import { type Validation, reason } from './reasons';

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

const HEX64 = /^[0-9a-f]{64}$/;
const PHC = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

const pattern = (name: string, re: RegExp, what: string) =>
  new t.Type<string, string, unknown>(
    name,
    (u): u is string => typeof u === 'string' && re.test(u),
    (u, c) => (typeof u === 'string' && re.test(u) ? t.success(u) : t.failure(u, c, `must be ${what}`)),
    t.identity,
  );

const nonEmpty = pattern('text', /\S/, 'a non-empty string');
const hash = pattern('passwordHash', PHC, 'an argon2id PHC string');
const ref = strictObject(
  'ref',
  { id: pattern('id', HEX64, '64 lowercase hex characters'), label: t.string },
  {},
);
const refs = t.array(ref);

const commandCodecs: Record<string, t.Mixed> = {
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
};

/**
 * Decodes a published command event (the cache handler's own check, defence in depth): the
 * command must be one of the six, with hashed password only and well-formed ids.
 */
export const decodeCommandEvent = (body: string): Validation<CommandEvent> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return E.left([reason('body', 'is not valid JSON')]);
  }
  const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const command = (typeof o['command'] === 'object' && o['command'] !== null ? o['command'] : {}) as Record<
    string,
    unknown
  >;
  const codec = commandCodecs[String(command['type'])];
  if (codec === undefined) return E.left([reason('command.type', 'is not one of the six command types')]);
  const eventCodec = strictObject(
    'CommandEvent',
    { schema: t.literal(EVENT_SCHEMA), commandId: nonEmpty, sentAt: nonEmpty, command: codec },
    {},
  );
  return pipe(
    decodeWith(eventCodec)(parsed),
    E.map((event) => event as unknown as CommandEvent),
  );
};
