import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as t from 'io-ts';
import { decodeWith, jsonObject, strictObject } from './codecs';
import { decodeEventData } from './event-data';
import {
  ENTITY_TYPES,
  EVENT_TYPES,
  isEventType,
  type Command,
  type EntityType,
  type EventType,
} from './command-types';
import { fail, quote, reason, type Reason, type Validation } from './reasons';

export type { GroupRef, UserRef } from './fields';
export * from './command-types';

const envelopeCodec = strictObject(
  'envelope',
  { entityType: t.string, eventType: t.string, eventData: jsonObject },
  {},
);
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
