/**
 * What `npm run dlq` shows of a dead-lettered message: an allowlist of fields, never a value from
 * `eventData`, never a hash, whatever the body holds (not JSON, a JSON string or array, misspelled
 * keys, nested objects). A field is shown only when it has the one shape it may have (a UUID, a known
 * event or entity type, a number); reasons are fixed sentences about the body's shape, with counts.
 */
import * as E from 'fp-ts/Either';
import { ENTITY_TYPES, EVENT_TYPES, type EntityType, type EventType } from '../domain/commands';
import { EVENT_SCHEMA } from '../domain/events';
import { entityTypeOf } from '../domain/model';
import { MAX_BODY_BYTES, validateBody } from '../domain/pipeline';
import { kindOf } from '../domain/reasons';

/** The two dead-letter queues. */
export type DlqName = 'inputDlq' | 'cacheDlq';

/** A message as SQS returns it (only what this module reads). */
export interface DlqMessage {
  readonly MessageId?: string;
  readonly Body?: string;
  readonly Attributes?: Partial<Record<string, string>>;
}

/** One dead-lettered message, as printed: nothing else of it is ever shown. */
export interface DlqEntry {
  readonly messageId: string | null;
  readonly commandId: string | null;
  readonly entityType: EntityType | null;
  readonly eventType: EventType | null;
  readonly receiveCount: number | null;
  readonly sentAt: string | null;
  readonly reasons: readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuidOrNull = (u: unknown): string | null => (typeof u === 'string' && UUID.test(u) ? u : null);
const known = <T extends string>(values: readonly T[], u: unknown): T | null =>
  values.find((v) => v === u) ?? null;
const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);
const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

const positiveInt = (text: string | undefined): number | null =>
  text !== undefined && /^[0-9]{1,9}$/.test(text) ? Number(text) : null;

const isoOfMillis = (text: string | undefined): string | null =>
  text !== undefined && /^[0-9]{1,15}$/.test(text) ? new Date(Number(text)).toISOString() : null;

type BodyView = Pick<DlqEntry, 'commandId' | 'entityType' | 'eventType' | 'reasons'>;

const parse = (body: string): { ok: true; value: unknown } | { ok: false; reason: string } => {
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES)
    return { ok: false, reason: `body is larger than ${MAX_BODY_BYTES} bytes` };
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
};

const unexpectedFields = (value: Record<string, unknown>, expected: readonly string[]): string[] => {
  const extra = Object.keys(value).filter((k) => !expected.includes(k)).length;
  return extra === 0 ? [] : [`${count(extra, 'unexpected top-level field')} (not shown)`];
};

/** An input DLQ body: a command `{entityType, eventType, eventData}` with a plaintext password. */
const inputBody = (value: Record<string, unknown>, body: string): BodyView => {
  const entityType = known(ENTITY_TYPES, value['entityType']);
  const eventType = known(EVENT_TYPES, value['eventType']);
  const verdict = validateBody(body);
  return {
    commandId: null,
    entityType,
    eventType,
    reasons: [
      ...(entityType === null ? ['entityType is missing or unknown'] : []),
      ...(eventType === null ? ['eventType is missing or unknown'] : []),
      ...(isRecord(value['eventData']) ? [] : [`eventData is ${kindOf(value['eventData'])}, not an object`]),
      ...unexpectedFields(value, ['entityType', 'eventType', 'eventData']),
      E.isRight(verdict)
        ? 'a valid command: processing failed until it was dead-lettered (see the logs by commandId)'
        : `an invalid command (${count(verdict.left.reasons.length, 'reason')}; npm run validate on the source file lists them)`,
    ],
  };
};

/** A cache DLQ body: a published event `{schema, commandId, sentAt, command}` with a password hash. */
const cacheBody = (value: Record<string, unknown>): BodyView => {
  const command = value['command'];
  const eventType = known(EVENT_TYPES, isRecord(command) ? command['type'] : undefined);
  const commandId = uuidOrNull(value['commandId']);
  return {
    commandId,
    eventType,
    entityType: eventType === null ? null : entityTypeOf(eventType),
    reasons: [
      ...(value['schema'] === EVENT_SCHEMA ? [] : [`schema is not ${EVENT_SCHEMA}`]),
      ...(commandId === null ? ['commandId is missing or not a message id'] : []),
      ...(isRecord(command) ? [] : [`command is ${kindOf(command)}, not an object`]),
      ...(isRecord(command) && eventType === null ? ['command type is missing or unknown'] : []),
      ...unexpectedFields(value, ['schema', 'commandId', 'sentAt', 'command']),
    ],
  };
};

/** The allowlisted view of one dead-lettered message. */
export const dlqEntry = (queue: DlqName, message: DlqMessage): DlqEntry => {
  const messageId = uuidOrNull(message.MessageId);
  const receiveCount = positiveInt(message.Attributes?.['ApproximateReceiveCount']);
  const sentAt = isoOfMillis(message.Attributes?.['SentTimestamp']);
  const base = { messageId, receiveCount, sentAt };
  const parsed = parse(message.Body ?? '');
  const none = { commandId: queue === 'inputDlq' ? messageId : null, entityType: null, eventType: null };
  if (!parsed.ok) return { ...base, ...none, reasons: [parsed.reason] };
  if (!isRecord(parsed.value))
    return { ...base, ...none, reasons: [`body is ${kindOf(parsed.value)} in JSON, not an object`] };
  if (queue === 'cacheDlq') return { ...base, ...cacheBody(parsed.value) };
  // The input message's id is the command's id (commandId = the input message id).
  return { ...base, ...inputBody(parsed.value, message.Body ?? ''), commandId: messageId };
};

/** The columns `npm run dlq` prints, in order, and each entry's cells. */
export const DLQ_COLUMNS = [
  'messageId',
  'commandId',
  'entityType',
  'eventType',
  'receives',
  'sentAt',
  'reasons',
] as const;

/** One entry as table cells. */
export const dlqRow = (e: DlqEntry): string[] =>
  [e.messageId, e.commandId, e.entityType, e.eventType, e.receiveCount, e.sentAt, e.reasons.join(' | ')].map(
    (cell) => (cell === null || cell === '' ? '-' : String(cell)),
  );
