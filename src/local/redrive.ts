/**
 * Moving messages from a dead-letter queue back to their source queue (a redrive, as the SQS
 * console's "start DLQ redrive" does), and describing a message with allowlisted fields only: a
 * message id, the command id, the entity and event types and the receive count; never a body's
 * `eventData`, password or hash. Used by `npm run replay` (and meant for the dashboard's redrive).
 */
import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { changeVisibility, deleteMessages, sendMessage } from '../adapters/sqs';

/** What may be printed about a message: allowlisted fields, each a short plain string or absent. */
export interface MessageSummary {
  /** The message's id in the queue it was read from (in the input queue: the command's id). */
  readonly messageId: string;
  /** The command's id: the input message id for a raw command, `commandId` of a published event. */
  readonly commandId?: string;
  readonly entityType?: string;
  readonly eventType?: string;
  readonly receiveCount?: string;
}

/** One message moved: what it was, and its id in the queue it went back to. */
export interface MovedMessage extends MessageSummary {
  readonly newMessageId: string;
}

/** A redrive: from a DLQ to its source queue, optionally only the messages that `match`. */
export interface RedriveOptions {
  readonly from: string;
  readonly to: string;
  /** Moves only the messages for which this is true (default: all); the others stay in the DLQ. */
  readonly match?: (summary: MessageSummary) => boolean;
  /** Stops after this many messages (default: unbounded, until a receive comes back empty). */
  readonly max?: number;
  /** Called after each move (progress lines). */
  readonly onMoved?: (moved: MovedMessage) => void;
}

const PLAIN = /^[A-Za-z0-9_|:.-]{1,128}$/;
const plain = (value: unknown): string | undefined =>
  typeof value === 'string' && PLAIN.test(value) ? value : undefined;

const parsed = (body: string): Record<string, unknown> => {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
};

const defined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/**
 * The allowlisted description of a message of the input queue (a raw command: its message id is its
 * command id) or of the cache queue (a published event: `commandId` and `command.type` in the body).
 */
export const summarize = (message: Message): MessageSummary => {
  const body = parsed(message.Body ?? '');
  const command = parsed(JSON.stringify(body['command'] ?? null));
  const attribute = (name: string) => plain(message.MessageAttributes?.[name]?.StringValue);
  const messageId = message.MessageId ?? '';
  const published = body['command'] !== undefined;
  return defined({
    messageId,
    commandId: published ? (plain(body['commandId']) ?? attribute('commandId')) : messageId,
    entityType: plain(body['entityType']) ?? plain(command['entityType']),
    eventType: plain(body['eventType']) ?? plain(command['type']) ?? attribute('eventType'),
    receiveCount: plain(message.Attributes?.['ApproximateReceiveCount']),
  });
};

const stringAttributes = (message: Message): Record<string, string> =>
  Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).flatMap(([name, value]) =>
      value.DataType === 'String' && value.StringValue !== undefined ? [[name, value.StringValue]] : [],
    ),
  );

/**
 * Moves messages from a DLQ back to their source queue: each is sent again (same body, same string
 * message attributes; SQS gives it a new message id) and only then deleted from the DLQ, so a crash
 * between the two leaves a copy in both queues, never in neither (a published event keeps its
 * `commandId`, so its marker makes the copy harmless). Messages that do not match stay in the DLQ:
 * hidden during the pass (so it sees each once), visible again at its end.
 */
export const redrive = async (
  sqs: SQSClient,
  options: RedriveOptions,
): Promise<{ moved: MovedMessage[]; skipped: number }> => {
  const moved: MovedMessage[] = [];
  const skipped: Message[] = [];
  const max = options.max ?? Number.POSITIVE_INFINITY;
  while (moved.length < max) {
    const batch =
      (
        await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.from,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            VisibilityTimeout: 30,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            MessageAttributeNames: ['All'],
          }),
        )
      ).Messages ?? [];
    if (batch.length === 0) break;
    for (const message of batch) {
      const summary = summarize(message);
      if (moved.length >= max || !(options.match?.(summary) ?? true)) {
        skipped.push(message);
        continue;
      }
      const newMessageId = await sendMessage(
        sqs,
        options.to,
        message.Body ?? '',
        0,
        stringAttributes(message),
      );
      await deleteMessages(sqs, options.from, [message]);
      const entry = { ...summary, newMessageId };
      moved.push(entry);
      options.onMoved?.(entry);
    }
  }
  for (let i = 0; i < skipped.length; i += 10)
    await changeVisibility(sqs, options.from, skipped.slice(i, i + 10), 0);
  return { moved, skipped: skipped.length };
};

/** One line about a moved message, allowlisted fields only. */
export const describeMoved = (m: MovedMessage): string =>
  [
    `${m.eventType ?? '(unknown type)'}`,
    `command ${m.commandId ?? '?'}`,
    `message ${m.messageId} -> ${m.newMessageId}`,
    ...(m.receiveCount === undefined ? [] : [`after ${m.receiveCount} receive(s)`]),
  ].join(', ');
