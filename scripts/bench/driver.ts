/**
 * Sends commands fast and waits for their outcomes: SendMessageBatch of 10 with several batches in
 * flight (to a FIFO queue in the ordered mode's message group), then bounded polling of the commands'
 * markers (BatchGetItem, strongly consistent) until every one is APPLIED or REJECTED. A command's
 * latency is its batch's send time -> its marker's `at`.
 */
import { pollUntil } from '../../src/adapters/poll-until';
import { fifoParameters } from '../../src/adapters/sqs';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keys, type CommandItem } from '../../src/domain/model';

/** A command sent: its id (the input message id) and when its batch was sent (epoch ms). */
export interface Sent {
  readonly id: string;
  readonly sentAt: number;
}

/** A command with an outcome. */
export interface Done extends Sent {
  readonly at: number;
  readonly status: 'APPLIED' | 'REJECTED';
}

/** Where the driver sends and reads. */
export interface DriverTarget {
  readonly sqs: SQSClient;
  readonly inputUrl: string;
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
}

const IN_FLIGHT = 8;
const BATCH = 10;
const chunk = <T>(xs: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/** Sends bodies in batches of 10, IN_FLIGHT batches at a time; returns them in input order. */
export const sendAll = async (target: DriverTarget, bodies: readonly string[]): Promise<Sent[]> => {
  const batches = chunk(bodies, BATCH);
  const out: Sent[][] = new Array<Sent[]>(batches.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const index = next;
      next += 1;
      const batch = batches[index] ?? [];
      const sentAt = Date.now();
      const result = await target.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: target.inputUrl,
          // to a FIFO input queue (ordered mode) in the one message group, each with its own dedup id
          Entries: batch.map((MessageBody, i) => ({
            Id: String(i),
            MessageBody,
            ...fifoParameters(target.inputUrl),
          })),
        }),
      );
      if ((result.Failed ?? []).length > 0)
        throw new Error(`SendMessageBatch failed for ${result.Failed?.length} entries`);
      const ids = new Map((result.Successful ?? []).map((s) => [s.Id ?? '', s.MessageId ?? '']));
      out[index] = batch.map((_, i) => ({ id: ids.get(String(i)) ?? '', sentAt }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, batches.length) }, worker));
  return out.flat();
};

/** Waits by bounded polling until every sent command has an outcome; throws after `timeoutMs`. */
export const awaitOutcomes = async (
  target: DriverTarget,
  sent: readonly Sent[],
  timeoutMs: number,
): Promise<Done[]> => {
  const pending = new Map(sent.map((s) => [s.id, s]));
  const done: Done[] = [];
  await pollUntil(
    async () => {
      for (const ids of chunk([...pending.keys()], 100)) {
        const result = await target.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [target.table]: { Keys: ids.map((id) => keys.command(id)), ConsistentRead: true },
            },
          }),
        );
        for (const item of (result.Responses?.[target.table] ?? []) as CommandItem[]) {
          const s = pending.get(item.commandId);
          if (s === undefined || item.status === 'IN_PROGRESS') continue;
          done.push({ ...s, at: Date.parse(item.at), status: item.status });
          pending.delete(item.commandId);
        }
      }
      return pending.size === 0 ? true : undefined;
    },
    { timeoutMs, what: 'every sent command to have an outcome', initialDelayMs: 50, maxDelayMs: 500 },
  ).catch((error: unknown) => {
    throw new Error(`${pending.size} of ${sent.length} commands had no outcome after ${timeoutMs} ms`, {
      cause: error,
    });
  });
  return done;
};

/** Sends and waits. */
export const sendAndAwait = async (
  target: DriverTarget,
  bodies: readonly string[],
  timeoutMs: number,
): Promise<Done[]> => awaitOutcomes(target, await sendAll(target, bodies), timeoutMs);
