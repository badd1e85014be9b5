import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as t from 'io-ts';
import { decodeWith, jsonObject, strictObject } from './codecs';
import { decodeEventData } from './event-data';
import type { GroupRef, UserRef } from './fields';
import { fail, quote, reason, type Reason, type Validation } from './reasons';

export type { GroupRef, UserRef } from './fields';

/** The six event types of the original system. */
export const EVENT_TYPES = [
  'GROUP_CREATED',
  'GROUP_UPDATED',
  'GROUP_DELETED',
  'USER_CREATED',
  'USER_UPDATED',
  'USER_DELETED',
] as const;
/** One of the six event types. */
export type EventType = (typeof EVENT_TYPES)[number];
/** The two entity types. */
export const ENTITY_TYPES = ['GROUP', 'USER'] as const;
/** USER or GROUP. */
export type EntityType = (typeof ENTITY_TYPES)[number];

/** A validated, normalized command. `password` is plaintext here and is hashed before it leaves the handler. */
export type Command =
  | { readonly type: 'GROUP_CREATED'; readonly name: string }
  | { readonly type: 'GROUP_UPDATED'; readonly group: GroupRef; readonly name: string }
  | { readonly type: 'GROUP_DELETED'; readonly group: GroupRef }
  | {
      readonly type: 'USER_CREATED';
      readonly name: string;
      readonly email: string;
      readonly password: string;
      readonly groups: readonly GroupRef[];
    }
  | {
      readonly type: 'USER_UPDATED';
      readonly user: UserRef;
      readonly name?: string;
      readonly email?: string;
      readonly password?: string;
      readonly groups?: readonly GroupRef[];
    }
  | { readonly type: 'USER_DELETED'; readonly user: UserRef };

/** A command whose plaintext password was replaced by a PHC hash string. */
export type HashedCommand = Command extends infer C
  ? C extends { readonly password: string }
    ? Omit<C, 'password'> & { readonly passwordHash: string }
    : C extends { readonly password?: string }
      ? Omit<C, 'password'> & { readonly passwordHash?: string }
      : C
  : never;

const envelopeCodec = strictObject(
  'envelope',
  { entityType: t.string, eventType: t.string, eventData: jsonObject },
  {},
);
/** True for one of the six event types (never for an inherited property name such as `constructor`). */
export const isEventType = (u: unknown): u is EventType =>
  typeof u === 'string' && (EVENT_TYPES as readonly string[]).includes(u);
const isEntityType = (s: string): s is EntityType => (ENTITY_TYPES as readonly string[]).includes(s);

const checkKinds = (entityType: string, eventType: string): Validation<EventType> => {
  const reasons: Reason[] = [];
  if (!isEntityType(entityType))
    reasons.push(
      reason('entityType', `must be one of ${ENTITY_TYPES.join(', ')}, got ${quote(entityType, 40)}`),
    );
  if (!isEventType(eventType))
    reasons.push(
      reason('eventType', `must be one of ${EVENT_TYPES.join(', ')}, got ${quote(eventType, 40)}`),
    );
  else if (isEntityType(entityType) && !eventType.startsWith(`${entityType}_`))
    reasons.push(
      reason(
        'eventType',
        `${eventType} does not belong to entityType ${entityType} (entityType and eventType disagree)`,
      ),
    );
  const [first, ...rest] = reasons;
  return first === undefined ? E.right(eventType as EventType) : E.left([first, ...rest]);
};

/** Decodes and normalizes a parsed JSON value into a command, or every reason it is not one. */
export const decodeCommand = (u: unknown): Validation<Command> =>
  pipe(
    decodeWith(envelopeCodec)(u),
    E.chain((envelope) =>
      pipe(
        checkKinds(envelope.entityType, envelope.eventType),
        E.chain((eventType) => decodeEventData(eventType, envelope.eventData)),
      ),
    ),
  );

/** Parses a message body as JSON, reporting where it breaks without echoing any of its text. */
export const parseJson = (body: string): Validation<unknown> => {
  if (body.trim() === '') return fail('body', 'is empty (expected a JSON object)');
  try {
    return E.right(JSON.parse(body) as unknown);
  } catch (error) {
    const position = /position (\d+)/.exec(String(error))?.[1];
    return fail(
      'body',
      `is not valid JSON${position === undefined ? '' : ` (syntax error at position ${position})`}`,
    );
  }
};

/** The eventType and entityType a raw value claims, when it has them, for rejection records. */
export const claimedKinds = (u: unknown): { eventType: string | null; entityType: string | null } => {
  const o = typeof u === 'object' && u !== null && !Array.isArray(u) ? (u as Record<string, unknown>) : {};
  const pick = (k: string): string | null =>
    typeof o[k] === 'string' ? (o[k] as string).slice(0, 64) : null;
  return { eventType: pick('eventType'), entityType: pick('entityType') };
};
