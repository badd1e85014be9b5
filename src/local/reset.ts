/**
 * `npm run reset`: empties a running local stack — its four queues (PurgeQueue) and its table (every
 * item deleted but the table's history-heads marker; the table, its index and the queues' settings
 * stay as provisioned).
 */
import { PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { pollUntil } from '../adapters/poll-until';
import { keys as tableKeys } from '../domain/model';
import type { Target } from './client';
import { isLoopback } from './event-source-mapping';
import type { QueueName } from './topology';

const QUEUES: readonly QueueName[] = ['input', 'inputDlq', 'cache', 'cacheDlq'];

/** What a reset removed. */
export interface ResetReport {
  readonly queues: readonly string[];
  readonly items: number;
}

const deleteKeys = async (target: Target, keys: Record<string, unknown>[]): Promise<void> => {
  let pending = keys.map((Key) => ({ DeleteRequest: { Key } }));
  await pollUntil(
    async () => {
      const result = await target.doc.send(
        new BatchWriteCommand({ RequestItems: { [target.names.table]: pending } }),
      );
      pending = (result.UnprocessedItems?.[target.names.table] ?? []).flatMap((r) =>
        r.DeleteRequest?.Key === undefined ? [] : [{ DeleteRequest: { Key: r.DeleteRequest.Key } }],
      );
      return pending.length === 0 ? true : undefined;
    },
    { timeoutMs: 30_000, what: 'a batch of deletes to be processed' },
  );
};

/**
 * Purges the queues and deletes every item of the table of the stack at `target`. Refuses an
 * endpoint that is not loopback: this is for the local dev stack, never for a deployed one.
 */
export const resetStack = async (target: Target): Promise<ResetReport> => {
  const endpoint = target.config.endpoint;
  if (endpoint === undefined || !isLoopback(endpoint))
    throw new Error(`refusing to reset ${endpoint ?? 'AWS'}: reset empties local stacks only`);
  for (const queue of QUEUES)
    await target.sqs.send(new PurgeQueueCommand({ QueueUrl: await target.queueUrl(queue) }));
  const headsSince = tableKeys.headsSince();
  let items = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await target.doc.send(
      new ScanCommand({
        TableName: target.names.table,
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    // the table's HeadsSinceItem stays: what it says holds for an emptied table too
    const keys = (page.Items ?? []).filter((k) => k['pk'] !== headsSince.pk || k['sk'] !== headsSince.sk);
    for (let i = 0; i < keys.length; i += 25) await deleteKeys(target, keys.slice(i, i + 25));
    items += keys.length;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey !== undefined);
  return { queues: QUEUES.map((q) => target.names.queues[q]), items };
};
