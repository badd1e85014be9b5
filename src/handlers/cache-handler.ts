import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as E from 'fp-ts/Either';
import { awsConfigFromEnv, requireEnv, type AwsConfig } from '../adapters/aws-config';
import { makeDirectoryStore, makeDocumentClient } from '../adapters/dynamodb';
import { applyCommand } from '../domain/apply';
import { decodeCommandEvent, type CommandEvent } from '../domain/events';
import { formatReason, type Reason } from '../domain/reasons';
import type { DirectoryStore } from '../domain/store';
import { batchResponse, lazy, makeLogger, sentAtOf, storeRejection } from './runtime';

/** What the cache handler needs from the outside world. */
export interface CacheHandlerDeps {
  readonly store: DirectoryStore;
  readonly logger: Logger;
}

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

/** Applies one decoded event and logs its outcome; returns false when it must be retried. */
const apply = async (deps: CacheHandlerDeps, event: CommandEvent): Promise<boolean> => {
  const { commandId, command } = event;
  const outcome = await applyCommand(deps.store)(event)();
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
  else if (result.kind === 'rejected')
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
 */
export const makeCacheHandler =
  (deps: CacheHandlerDeps) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failed: string[] = [];
    for (const record of event.Records) {
      const decoded = decodeCommandEvent(record.body);
      const settled = await (
        E.isLeft(decoded) ? rejectUndecodable(deps, record, decoded.left) : apply(deps, decoded.right)
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
}): CacheHandlerDeps => ({
  store: makeDirectoryStore(makeDocumentClient(args.config), args.tableName),
  logger: args.logger,
});

/** Dependencies from the Lambda environment: CACHE_TABLE_NAME, AWS_ENDPOINT_URL. */
export const cacheHandlerDepsFromEnv = (env: NodeJS.ProcessEnv = process.env): CacheHandlerDeps =>
  cacheHandlerDeps({
    config: awsConfigFromEnv(env),
    tableName: requireEnv('CACHE_TABLE_NAME', env),
    logger: makeLogger('cache-handler'),
  });

const deps = lazy(() => makeCacheHandler(cacheHandlerDepsFromEnv()));

/** Lambda entry point. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => deps()(event);
