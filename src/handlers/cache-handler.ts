import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as E from 'fp-ts/Either';
import { awsConfigFromEnv, requireEnv } from '../adapters/aws-config';
import { makeDirectoryStore, makeDocumentClient, putRejection } from '../adapters/dynamodb';
import { applyCommand, type DirectoryStore } from '../domain/apply';
import { decodeCommandEvent } from '../domain/events';
import { rejectionItem, type CommandItem } from '../domain/model';
import { formatReason } from '../domain/reasons';
import { batchResponse, lazy, makeLogger, sentAtOf } from './runtime';

/** What the cache handler needs from the outside world. */
export interface CacheHandlerDeps {
  readonly store: DirectoryStore;
  readonly recordRejection: (item: CommandItem) => Promise<'stored' | 'duplicate'>;
  readonly logger: Logger;
}

/**
 * The cache handler: each record is decoded with its own codec, then applied exactly once to the
 * directory; rule violations become rejection records, transient failures are retried by SQS.
 */
export const makeCacheHandler =
  (deps: CacheHandlerDeps) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failed: string[] = [];
    for (const record of event.Records) {
      const decoded = decodeCommandEvent(record.body);
      if (E.isLeft(decoded)) {
        const commandId = record.messageAttributes['commandId']?.stringValue ?? record.messageId;
        const reasons = decoded.left.map(formatReason);
        try {
          await deps.recordRejection(
            rejectionItem({
              commandId,
              eventType: record.messageAttributes['eventType']?.stringValue ?? null,
              entityType: null,
              stage: 'cache-handler',
              reasons: reasons.map((r) => `published event: ${r}`),
              at: new Date().toISOString(),
              sentAt: sentAtOf(record),
            }),
          );
          deps.logger.error('published event rejected', { commandId, reasons });
        } catch (error) {
          deps.logger.error('published event rejection not stored, will be retried', {
            commandId,
            error: String(error),
          });
          failed.push(record.messageId);
        }
        continue;
      }
      const { commandId, command } = decoded.right;
      const outcome = await applyCommand(deps.store)(decoded.right)();
      if (E.isLeft(outcome)) {
        deps.logger.error('command failed, will be retried', {
          commandId,
          eventType: command.type,
          error: outcome.left.message,
        });
        failed.push(record.messageId);
      } else if (outcome.right.kind === 'applied') {
        deps.logger.info('command applied', { commandId, eventType: command.type });
      } else if (outcome.right.kind === 'rejected') {
        deps.logger.warn('command rejected', {
          commandId,
          eventType: command.type,
          reasons: outcome.right.reasons,
        });
      } else {
        deps.logger.info('duplicate command skipped', {
          commandId,
          eventType: command.type,
          status: outcome.right.status,
        });
      }
    }
    return batchResponse(failed);
  };

/** Dependencies from the Lambda environment: CACHE_TABLE_NAME, AWS_ENDPOINT_URL. */
export const cacheHandlerDepsFromEnv = (env: NodeJS.ProcessEnv = process.env): CacheHandlerDeps => {
  const doc = makeDocumentClient(awsConfigFromEnv(env));
  const table = requireEnv('CACHE_TABLE_NAME', env);
  return {
    store: makeDirectoryStore(doc, table),
    recordRejection: (item) => putRejection(doc, table, item),
    logger: makeLogger('cache-handler'),
  };
};

const deps = lazy(() => makeCacheHandler(cacheHandlerDepsFromEnv()));

/** Lambda entry point. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => deps()(event);
