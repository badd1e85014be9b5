import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as E from 'fp-ts/Either';
import { awsConfigFromEnv, requireEnv, type AwsConfig } from '../adapters/aws-config';
import { makeDirectoryStore, makeDocumentClient } from '../adapters/dynamodb';
import { isFifo, makeSqsClient, sendMessage } from '../adapters/sqs';
import { applyCommand, lookupOf, settleWindow } from '../domain/apply';
import { decodeCommandEvent, type CommandEvent } from '../domain/events';
import { formatReason, type Reason } from '../domain/reasons';
import type { DirectoryStore, Lookup } from '../domain/store';
import { batchResponse, lazy, makeLogger, sentAtOf, storeRejection } from './runtime';

/** What the cache handler needs from the outside world. */
export interface CacheHandlerDeps {
  readonly store: DirectoryStore;
  readonly logger: Logger;
  /**
   * Sends a record's body again to the cache queue, so a group deletion that ran out of time goes on
   * in a new message without spending a receive of this one. Without it, a deletion runs to its end.
   */
  readonly continueLater?: (record: SQSRecord, delaySeconds?: number) => Promise<void>;
  /**
   * How long after it was sent a command naming a missing entity is tried again (via
   * `continueLater`) before it is rejected: an earlier command creating the entity may arrive late.
   */
  readonly settleWindowSeconds?: number;
}

/** Time kept in reserve at the end of an invocation: a deletion stops sweeping below it. */
export const RESERVE_MS = 5_000;

/** How often a command waiting for an entity it names is tried again within the settle window. */
export const SETTLE_RETRY_SECONDS = 1;

/** The part of Lambda's context the cache handler reads. */
export type InvocationClock = Pick<Context, 'getRemainingTimeInMillis'>;

/** Stores an undecodable published event as a rejection; returns false when it must be retried. */
const rejectUndecodable = async (
  deps: CacheHandlerDeps,
  record: SQSRecord,
  errors: readonly Reason[],
): Promise<boolean> => {
  const commandId = record.messageAttributes['commandId']?.stringValue ?? record.messageId;
  const reasons = errors.map(formatReason);
  const stored = await storeRejection(deps.store, {
    commandId,
    eventType: record.messageAttributes['eventType']?.stringValue ?? null,
    entityType: null,
    stage: 'cache-handler',
    reasons: reasons.map((r) => `published event: ${r}`),
    sentAt: sentAtOf(record),
  });
  if (!stored.ok) {
    deps.logger.error('published event rejection not stored, will be retried', {
      commandId,
      error: stored.error,
    });
    return false;
  }
  deps.logger.error('published event rejected', { commandId, reasons });
  return true;
};

/**
 * The batch's commands' first reads made together (`DirectoryStore.forBatch`), when the store can;
 * if that read fails, each command reads on its own.
 */
const batchStore = async (store: DirectoryStore, lookups: readonly Lookup[]): Promise<DirectoryStore> => {
  if (store.forBatch === undefined || lookups.length < 2) return store;
  const batch = await store.forBatch(lookups)();
  return E.isRight(batch) ? batch.right : store;
};

/** Applies one decoded event and logs its outcome; returns false when it must be retried. */
const apply = async (
  deps: CacheHandlerDeps,
  store: DirectoryStore,
  record: SQSRecord,
  event: CommandEvent,
  clock: InvocationClock | undefined,
): Promise<boolean> => {
  const { commandId, command } = event;
  const { continueLater } = deps;
  const hasTime =
    continueLater === undefined || clock === undefined
      ? () => true
      : () => clock.getRemainingTimeInMillis() > RESERVE_MS;
  // in ordered mode every command arrives in send order: one naming a missing entity has nothing to wait for
  const settle =
    continueLater === undefined || isFifo(record.eventSourceARN)
      ? undefined
      : settleWindow(deps.settleWindowSeconds ?? 0, SETTLE_RETRY_SECONDS);
  const outcome = await applyCommand(store, undefined, undefined, hasTime, settle)(event)();
  if (E.isLeft(outcome)) {
    deps.logger.error('command failed, will be retried', {
      commandId,
      eventType: command.type,
      error: outcome.left.message,
    });
    return false;
  }
  const result = outcome.right;
  if (result.kind === 'applied') deps.logger.info('command applied', { commandId, eventType: command.type });
  else if (result.kind === 'continued') {
    await continueLater?.(record);
    deps.logger.info('group deletion continues in a new message', { commandId, eventType: command.type });
  } else if (result.kind === 'waiting') {
    await continueLater?.(record, result.delaySeconds);
    deps.logger.info('command waits for an entity it names', {
      commandId,
      eventType: command.type,
      reasons: result.reasons,
      retryInSeconds: result.delaySeconds,
    });
  } else if (result.kind === 'rejected')
    deps.logger.warn('command rejected', { commandId, eventType: command.type, reasons: result.reasons });
  else
    deps.logger.info('duplicate command skipped', {
      commandId,
      eventType: command.type,
      status: result.status,
    });
  return true;
};

/**
 * The cache handler: each record is decoded with its own codec, then applied exactly once to the
 * directory, one after another in batch order; rule violations become rejection records, transient
 * failures (an unexpected throw included) are retried by SQS without failing the rest of the batch.
 * A group deletion stops sweeping when less than `RESERVE_MS` of the invocation is left and goes on
 * in a copy of its message (`continueLater`), so no invocation outlives its timeout at any size.
 */
export const makeCacheHandler =
  (deps: CacheHandlerDeps) =>
  async (event: SQSEvent, clock?: InvocationClock): Promise<SQSBatchResponse> => {
    const failed: string[] = [];
    const decodedRecords = event.Records.map((record) => ({
      record,
      decoded: decodeCommandEvent(record.body),
    }));
    const store = await batchStore(
      deps.store,
      decodedRecords.flatMap(({ decoded }) => (E.isRight(decoded) ? [lookupOf(decoded.right)] : [])),
    );
    for (const { record, decoded } of decodedRecords) {
      // from a FIFO queue (ordered mode), as Lambda does: nothing after a failed record is applied
      if (failed.length > 0 && isFifo(record.eventSourceARN)) {
        deps.logger.info('command held back behind a failed one, will be retried', {
          commandId: record.messageAttributes['commandId']?.stringValue ?? record.messageId,
        });
        failed.push(record.messageId);
        continue;
      }
      const settled = await (
        E.isLeft(decoded)
          ? rejectUndecodable(deps, record, decoded.left)
          : apply(deps, store, record, decoded.right, clock)
      ).catch((error: unknown) => {
        deps.logger.error('command failed, will be retried', {
          commandId: E.isRight(decoded) ? decoded.right.commandId : record.messageId,
          error: String(error),
        });
        return false;
      });
      if (!settled) failed.push(record.messageId);
    }
    return batchResponse(failed);
  };

/** The cache handler's dependencies on a connection. */
export const cacheHandlerDeps = (args: {
  readonly config: AwsConfig;
  readonly tableName: string;
  readonly logger: Logger;
  /** The cache queue, where a group deletion that ran out of time goes on. */
  readonly cacheQueueUrl?: string;
  readonly settleWindowSeconds?: number;
}): CacheHandlerDeps => {
  const { cacheQueueUrl } = args;
  const sqs = cacheQueueUrl === undefined ? undefined : makeSqsClient(args.config);
  return {
    store: makeDirectoryStore(makeDocumentClient(args.config), args.tableName),
    logger: args.logger,
    ...(args.settleWindowSeconds === undefined ? {} : { settleWindowSeconds: args.settleWindowSeconds }),
    ...(sqs === undefined || cacheQueueUrl === undefined
      ? {}
      : {
          continueLater: async (record: SQSRecord, delaySeconds = 0) => {
            await sendMessage(sqs, cacheQueueUrl, record.body, delaySeconds, stringAttributes(record));
          },
        }),
  };
};

const stringAttributes = (record: SQSRecord): Record<string, string> =>
  Object.fromEntries(
    Object.entries(record.messageAttributes).flatMap(([k, v]) =>
      v.stringValue === undefined ? [] : [[k, v.stringValue]],
    ),
  );

/**
 * Dependencies from the Lambda environment: CACHE_TABLE_NAME, CACHE_QUEUE_URL, SETTLE_WINDOW_SECONDS,
 * AWS_ENDPOINT_URL.
 */
export const cacheHandlerDepsFromEnv = (env: NodeJS.ProcessEnv = process.env): CacheHandlerDeps =>
  cacheHandlerDeps({
    config: awsConfigFromEnv(env),
    tableName: requireEnv('CACHE_TABLE_NAME', env),
    logger: makeLogger('cache-handler'),
    ...(env['CACHE_QUEUE_URL'] ? { cacheQueueUrl: env['CACHE_QUEUE_URL'] } : {}),
    ...(env['SETTLE_WINDOW_SECONDS']
      ? { settleWindowSeconds: settleSeconds(env['SETTLE_WINDOW_SECONDS']) }
      : {}),
  });

/** Longest settle window accepted: an hour. */
const MAX_SETTLE_SECONDS = 3_600;

/** Reads SETTLE_WINDOW_SECONDS, refusing at cold start what is not a number of seconds from 0 to an hour. */
export const settleSeconds = (text: string): number => {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_SETTLE_SECONDS)
    throw new Error(
      `SETTLE_WINDOW_SECONDS must be a number of seconds from 0 to ${MAX_SETTLE_SECONDS} (got ${JSON.stringify(text)})`,
    );
  return seconds;
};

const deps = lazy(() => makeCacheHandler(cacheHandlerDepsFromEnv()));

/** Lambda entry point. */
export const handler = (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> =>
  deps()(event, context);
