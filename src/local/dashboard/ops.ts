/**
 * What the dashboard server does for the page with the server's own credentials: queue figures,
 * command rates, DLQ peeks (allowlisted fields only) and redrives, validation, sending, following.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as E from 'fp-ts/Either';
import { getCommandRecord } from '../../adapters/dynamodb';
import { queueAttributes, sendMessage } from '../../adapters/sqs';
import { LISTS, PREFIX, TABLE } from '../../domain/model';
import { validateBody } from '../../domain/pipeline';
import { formatReason } from '../../domain/reasons';
import type { Target } from '../client';
import { redrive } from '../redrive';
import type { QueueName } from '../topology';

/** The queues in pipeline order, and which DLQ feeds back into which queue. */
export const QUEUES: readonly QueueName[] = ['input', 'inputDlq', 'cache', 'cacheDlq'];
export const DLQ_SOURCE = { inputDlq: 'input', cacheDlq: 'cache' } as const;
export type DlqName = keyof typeof DLQ_SOURCE;
export const isDlq = (name: string): name is DlqName => Object.hasOwn(DLQ_SOURCE, name);

/** Visible and in-flight messages of each queue. */
export const queueFigures = async (target: Target) =>
  Object.fromEntries(
    await Promise.all(
      QUEUES.map(async (q) => {
        const a = await queueAttributes(target.sqs, await target.queueUrl(q));
        return [
          q,
          {
            name: target.names.queues[q],
            visible: Number(a['ApproximateNumberOfMessages'] ?? 0),
            inFlight: Number(a['ApproximateNumberOfMessagesNotVisible'] ?? 0),
            delayed: Number(a['ApproximateNumberOfMessagesDelayed'] ?? 0),
          },
        ] as const;
      }),
    ),
  );

/**
 * Commands decided in the last minute, from the table: applied (command markers), rejected (the
 * rejections list, by stage); published = everything the cache handler decided; accepted =
 * everything decided (taken off the input queue by the message handler, passed or refused). The scan of markers reads at most a few pages.
 */
export const commandRates = async (target: Target, now = Date.now()) => {
  const since = new Date(now - 60_000).toISOString();
  const table = target.names.table;
  const rejections = await target.doc.send(
    new QueryCommand({
      TableName: table,
      IndexName: TABLE.gsi,
      KeyConditionExpression: '#pk = :pk AND #sk >= :since',
      ExpressionAttributeNames: { '#pk': TABLE.gsiPartitionKey, '#sk': TABLE.gsiSortKey, '#stage': 'stage' },
      ExpressionAttributeValues: { ':pk': LISTS.rejections, ':since': since },
      ProjectionExpression: '#stage',
    }),
  );
  const stages = (rejections.Items ?? []).map((i) => i['stage']);
  let applied = 0;
  let start: Record<string, unknown> | undefined;
  for (let page = 0; page < 5; page += 1) {
    const result = await target.doc.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'begins_with(#pk, :cmd) AND #status = :applied AND #at >= :since',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#status': 'status', '#at': 'at' },
        ExpressionAttributeValues: { ':cmd': PREFIX.command, ':applied': 'APPLIED', ':since': since },
        Select: 'COUNT',
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    applied += result.Count ?? 0;
    start = result.LastEvaluatedKey;
    if (start === undefined) break;
  }
  const rejectedAtCache = stages.filter((s) => s === 'cache-handler').length;
  const published = applied + rejectedAtCache;
  const accepted = applied + stages.length;
  return { accepted, published, applied, rejected: stages.length, exact: start === undefined };
};

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The allowlisted view of a DLQ message: ids, types, receive count; never eventData or hashes. */
export const dlqView = (m: Message) => {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(m.Body ?? '');
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    body = {};
  }
  return {
    messageId: m.MessageId ?? '',
    commandId: str(body['commandId']) ?? m.MessageAttributes?.['commandId']?.StringValue ?? null,
    eventType: str(body['eventType']) ?? str(body['type']),
    entityType: str(body['entityType']),
    receiveCount: Number(m.Attributes?.['ApproximateReceiveCount'] ?? 0),
    sentAt: m.Attributes?.['SentTimestamp']
      ? new Date(Number(m.Attributes['SentTimestamp'])).toISOString()
      : null,
    reason: str(m.MessageAttributes?.['reason']?.StringValue) ?? 'retries exhausted',
  };
};

const receive = (target: Target, url: string, visibility: number) =>
  target.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: visibility,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      MessageAttributeNames: ['All'],
    }),
  );

/** Peeks at a DLQ without consuming it (zero visibility timeout). */
export const peekDlq = async (target: Target, dlq: DlqName) => {
  const url = await target.queueUrl(dlq);
  const seen = new Map<string, ReturnType<typeof dlqView>>();
  for (let round = 0; round < 5; round += 1) {
    const messages = (await receive(target, url, 0)).Messages ?? [];
    messages.forEach((m) => seen.set(m.MessageId ?? '', dlqView(m)));
    if (messages.length === 0) break;
  }
  return [...seen.values()];
};

/**
 * Moves messages of a DLQ back to its source queue (send, then delete): every one, or only those with
 * the given message ids (the others stay, visible again at the end); returns how many moved.
 */
export const redriveDlq = async (
  target: Target,
  dlq: DlqName,
  messageIds?: readonly string[],
): Promise<number> => {
  const only = messageIds === undefined ? undefined : new Set(messageIds);
  const { moved } = await redrive(target.sqs, {
    from: await target.queueUrl(dlq),
    to: await target.queueUrl(DLQ_SOURCE[dlq]),
    ...(only === undefined ? {} : { match: (m) => only.has(m.messageId), max: only.size }),
  });
  return moved.length;
};

/** Validates a body as the producer would, sending nothing. */
export const validate = (body: string) => {
  const verdict = validateBody(body);
  return E.isRight(verdict)
    ? { valid: true, eventType: verdict.right.type, reasons: [] as string[] }
    : { valid: false, eventType: verdict.left.eventType, reasons: verdict.left.reasons.map(formatReason) };
};

/** Validates then sends a body to the input queue; the command id is the message id. */
export const send = async (target: Target, body: string) => {
  const verdict = validate(body);
  if (!verdict.valid) return { ...verdict, sent: false as const };
  const commandId = await sendMessage(target.sqs, await target.queueUrl('input'), body);
  return { ...verdict, sent: true as const, commandId, sentAt: new Date().toISOString() };
};

/** Where one command stands: its record in the table, if any (sent, published, applied or rejected). */
export const follow = async (target: Target, commandId: string) => {
  const record = await getCommandRecord(target.doc, target.names.table, commandId);
  if (record === undefined) return { commandId, status: 'PENDING' as const };
  return {
    commandId,
    status: record.status,
    eventType: record.eventType,
    stage: record.stage,
    sentAt: record.sentAt ?? null,
    published: record.stage === 'cache-handler',
    decidedAt: record.at,
    reasons: record.reasons ?? [],
  };
};

/** The event files the send form offers: events/ and the seed sets, by set. */
export const eventFiles = (root: string): Record<string, string[]> => {
  const sets: Record<string, string> = {
    events: join(root, 'events'),
    'seeds/by-id': join(root, 'test/fixtures/seed-events/by-id'),
    'seeds/by-name': join(root, 'test/fixtures/seed-events/by-name'),
  };
  return Object.fromEntries(
    Object.entries(sets).map(([set, dir]) => {
      try {
        return [
          set,
          readdirSync(dir)
            .filter((f) => f.endsWith('.json'))
            .sort(),
        ];
      } catch {
        return [set, []];
      }
    }),
  );
};

/** One event file's text, when it is one of eventFiles' (no other path is ever read). */
export const eventFile = (root: string, set: string, name: string): string | undefined => {
  const listed = eventFiles(root)[set];
  if (listed === undefined || !listed.includes(name)) return undefined;
  const dir = set === 'events' ? 'events' : `test/fixtures/seed-events/${set.slice('seeds/'.length)}`;
  return readFileSync(join(root, dir, name), 'utf8');
};
