import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as E from 'fp-ts/Either';
import { makeArgon2idHasher } from '../adapters/argon2id';
import { awsConfigFromEnv, requireEnv } from '../adapters/aws-config';
import { makeDocumentClient, putRejection } from '../adapters/dynamodb';
import { makeSnsClient, publishBatch, type Publication } from '../adapters/sns';
import { rejectionItem, type CommandItem } from '../domain/model';
import { parseArgon2idParams, type PasswordHasher } from '../domain/password';
import { processMessage } from '../domain/pipeline';
import { formatReason } from '../domain/reasons';
import { batchResponse, lazy, makeLogger, sentAtOf } from './runtime';

/** What the message handler needs from the outside world. */
export interface MessageHandlerDeps {
  readonly hasher: PasswordHasher;
  /** Publishes up to 10 events; returns the ids that failed. */
  readonly publish: (entries: readonly Publication[]) => Promise<Set<string>>;
  readonly recordRejection: (item: CommandItem) => Promise<'stored' | 'duplicate'>;
  readonly logger: Logger;
}

/**
 * The message handler: each input record runs the core pipeline; valid commands are published in one
 * batch, invalid ones stored as rejection records (not retried), transient failures retried by SQS.
 */
export const makeMessageHandler =
  (deps: MessageHandlerDeps) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failed: string[] = [];
    const publications: (Publication & { eventType: string })[] = [];
    for (const record of event.Records) {
      const commandId = record.messageId;
      const result = await processMessage(deps.hasher)(record.body, {
        commandId,
        sentAt: sentAtOf(record),
      })();
      if (E.isRight(result)) {
        publications.push({
          id: commandId,
          message: JSON.stringify(result.right),
          attributes: { commandId, eventType: result.right.command.type },
          eventType: result.right.command.type,
        });
        continue;
      }
      const failure = result.left;
      if (failure.kind === 'transient') {
        deps.logger.error('command failed, will be retried', { commandId, error: failure.error.message });
        failed.push(commandId);
        continue;
      }
      const reasons = failure.reasons.map(formatReason);
      try {
        const stored = await deps.recordRejection(
          rejectionItem({
            commandId,
            eventType: failure.eventType,
            entityType: failure.entityType,
            stage: 'message-handler',
            reasons,
            at: new Date().toISOString(),
            sentAt: sentAtOf(record),
          }),
        );
        deps.logger.warn('command rejected', { commandId, eventType: failure.eventType, reasons, stored });
      } catch (error) {
        deps.logger.error('command rejection not stored, will be retried', {
          commandId,
          error: String(error),
        });
        failed.push(commandId);
      }
    }
    const publishFailures = await deps.publish(publications).catch((error: unknown) => {
      deps.logger.error('publish failed', { error: String(error) });
      return new Set(publications.map((p) => p.id));
    });
    for (const p of publications) {
      if (publishFailures.has(p.id)) {
        deps.logger.error('command not published, will be retried', {
          commandId: p.id,
          eventType: p.eventType,
        });
        failed.push(p.id);
      } else deps.logger.info('command accepted and published', { commandId: p.id, eventType: p.eventType });
    }
    return batchResponse(failed);
  };

/** Dependencies from the Lambda environment: TOPIC_ARN, CACHE_TABLE_NAME, KDF_PARAMS, AWS_ENDPOINT_URL. */
export const messageHandlerDepsFromEnv = (env: NodeJS.ProcessEnv = process.env): MessageHandlerDeps => {
  const config = awsConfigFromEnv(env);
  const topicArn = requireEnv('TOPIC_ARN', env);
  const table = requireEnv('CACHE_TABLE_NAME', env);
  const params = parseArgon2idParams(env['KDF_PARAMS']);
  if (E.isLeft(params)) throw new Error(params.left);
  const sns = makeSnsClient(config);
  const doc = makeDocumentClient(config);
  return {
    hasher: makeArgon2idHasher(params.right),
    publish: (entries) => publishBatch(sns, topicArn, entries),
    recordRejection: (item) => putRejection(doc, table, item),
    logger: makeLogger('message-handler'),
  };
};

const deps = lazy(() => makeMessageHandler(messageHandlerDepsFromEnv()));

/** Lambda entry point. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => deps()(event);
