import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { clientOptions, instrument, type AwsConfig } from './aws-config';

/** An SQS client that always talks to the configured endpoint, never to the host inside a queue URL. */
export const makeSqsClient = (config: AwsConfig): SQSClient =>
  instrument(new SQSClient(clientOptions(config)), config);

/** True for the URL or ARN of a FIFO queue or topic (its name ends in `.fifo`). */
export const isFifo = (urlOrArn: string): boolean => urlOrArn.endsWith('.fifo');

/**
 * The one message group of the ordered mode: every command in it, so the directory sees them in
 * exactly the order they were sent (a total order; see docs/ordering.md).
 */
export const ORDERED_GROUP = 'directory';

/**
 * What a FIFO queue or topic requires of a message: its group and a deduplication id (a fresh one
 * per send unless given: a deliberate resend is a new message). Nothing for standard ones.
 */
export const fifoParameters = (urlOrArn: string, deduplicationId: string = randomUUID()) =>
  isFifo(urlOrArn) ? { MessageGroupId: ORDERED_GROUP, MessageDeduplicationId: deduplicationId } : {};

/**
 * Sends one message body, with string message attributes if given; returns its message id. To a
 * FIFO queue it goes in the ordered mode's message group, and without a delay (FIFO queues refuse
 * per-message delays).
 */
export const sendMessage = async (
  sqs: SQSClient,
  queueUrl: string,
  body: string,
  delaySeconds = 0,
  attributes: Readonly<Record<string, string>> = {},
): Promise<string> => {
  const entries = Object.entries(attributes);
  const result = await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      ...(isFifo(queueUrl) ? fifoParameters(queueUrl) : { DelaySeconds: delaySeconds }),
      ...(entries.length === 0
        ? {}
        : {
            MessageAttributes: Object.fromEntries(
              entries.map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
            ),
          }),
    }),
  );
  if (result.MessageId === undefined) throw new Error('SQS returned no MessageId');
  return result.MessageId;
};

/** Resolves a queue's URL from its name. */
export const queueUrlOf = async (sqs: SQSClient, queueName: string): Promise<string> => {
  const result = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  if (result.QueueUrl === undefined) throw new Error(`queue ${queueName} has no URL`);
  return result.QueueUrl;
};

/** Reads a queue's attributes. */
export const queueAttributes = async (sqs: SQSClient, queueUrl: string): Promise<Record<string, string>> =>
  (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] })))
    .Attributes ?? {};

/** Long-polls up to `max` messages with all their attributes. */
export const receiveMessages = async (
  sqs: SQSClient,
  queueUrl: string,
  max: number,
  waitSeconds: number,
  abortSignal?: AbortSignal,
): Promise<Message[]> =>
  (
    await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      abortSignal === undefined ? {} : { abortSignal },
    )
  ).Messages ?? [];

/** Deletes messages by receipt handle (at most 10). */
export const deleteMessages = async (
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
): Promise<void> => {
  if (messages.length === 0) return;
  const result = await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
    }),
  );
  if ((result.Failed ?? []).length > 0)
    throw new Error(`could not delete ${result.Failed?.length} message(s)`);
};

/** Makes messages visible again after `seconds` (at most 10). */
export const changeVisibility = async (
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
  seconds: number,
): Promise<void> => {
  if (messages.length === 0) return;
  await sqs.send(
    new ChangeMessageVisibilityBatchCommand({
      QueueUrl: queueUrl,
      Entries: messages.map((m, i) => ({
        Id: String(i),
        ReceiptHandle: m.ReceiptHandle ?? '',
        VisibilityTimeout: seconds,
      })),
    }),
  );
};
