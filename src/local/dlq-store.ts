/**
 * The cache DLQ kept across `npm run dev` restarts: fauxqs keeps queues in memory, so a clean stop
 * writes the cache DLQ's messages to a file of the data directory and the next start puts them back.
 * Only messages that decode as published command events are kept: those carry a password's Argon2id
 * hash (as the table does), never a plaintext password, which the strict event codec refuses. The
 * input DLQ is never written (its messages may hold plaintext passwords).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as E from 'fp-ts/Either';
import { sendMessage } from '../adapters/sqs';
import { decodeCommandEvent } from '../domain/events';

interface Kept {
  readonly body: string;
  readonly attributes: Record<string, string>;
}

/**
 * Reads every message of the cache DLQ (leaving them there, invisible for a minute) and writes those
 * that decode as command events to `file` (mode 600; removed when there are none).
 */
export const saveCacheDlq = async (
  sqs: SQSClient,
  queueUrl: string,
  file: string,
): Promise<{ readonly saved: number; readonly dropped: number }> => {
  const kept: Kept[] = [];
  let dropped = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) break;
    for (const m of Messages) {
      if (E.isLeft(decodeCommandEvent(m.Body ?? ''))) {
        dropped += 1;
        continue;
      }
      const attributes = Object.entries(m.MessageAttributes ?? {}).flatMap(([name, v]) =>
        v.DataType === 'String' && v.StringValue !== undefined ? [[name, v.StringValue] as const] : [],
      );
      kept.push({ body: m.Body ?? '', attributes: Object.fromEntries(attributes) });
    }
  }
  if (kept.length === 0) rmSync(file, { force: true });
  else writeFileSync(file, JSON.stringify(kept), { mode: 0o600 });
  return { saved: kept.length, dropped };
};

/** Sends the messages kept in `file` to the cache DLQ again, then removes the file; how many. */
export const restoreCacheDlq = async (sqs: SQSClient, queueUrl: string, file: string): Promise<number> => {
  if (!existsSync(file)) return 0;
  const kept = JSON.parse(readFileSync(file, 'utf8')) as Kept[];
  for (const m of kept) await sendMessage(sqs, queueUrl, m.body, 0, m.attributes);
  rmSync(file);
  return kept.length;
};
