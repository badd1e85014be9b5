import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as E from 'fp-ts/Either';
import { makeArgon2idHasher, selfTestArgon2id } from '../adapters/argon2id';
import { awsConfigFromEnv, requireEnv, type AwsConfig } from '../adapters/aws-config';
import { makeDirectoryStore, makeDocumentClient } from '../adapters/dynamodb';
import { makeSnsClient, publishBatch, type Publication } from '../adapters/sns';
import { isFifo } from '../adapters/sqs';
import { parseArgon2idParams, type PasswordHasher } from '../domain/password';
import { processMessage, type PipelineFailure } from '../domain/pipeline';
import { toError } from '../domain/errors';
import { formatReason } from '../domain/reasons';
import type { RejectionStore } from '../domain/store';
import { batchResponse, lazy, makeLogger, sentAtOf, storeRejection } from './runtime';

/** What the message handler needs from the outside world. */
export interface MessageHandlerDeps {
  readonly hasher: PasswordHasher;
  /** Publishes up to 10 events; returns the ids that failed. */
  readonly publish: (entries: readonly Publication[]) => Promise<Set<string>>;
  readonly rejections: RejectionStore;
  readonly logger: Logger;
}

type Accepted = Publication & { readonly eventType: string };

/** Records why a message produced no event; returns false when it must be retried. */
const settleFailure = async (
  deps: MessageHandlerDeps,
  record: SQSRecord,
  failure: PipelineFailure,
): Promise<boolean> => {
  const commandId = record.messageId;
  if (failure.kind === 'transient') {
    deps.logger.error('command failed, will be retried', { commandId, error: failure.error.message });
    return false;
  }
  const reasons = failure.reasons.map(formatReason);
  const stored = await storeRejection(deps.rejections, {
    commandId,
    eventType: failure.eventType,
    entityType: failure.entityType,
    stage: 'message-handler',
    reasons,
    sentAt: sentAtOf(record),
  });
  if (!stored.ok) {
    deps.logger.error('command rejection not stored, will be retried', { commandId, error: stored.error });
    return false;
  }
  deps.logger.warn('command rejected', {
    commandId,
    eventType: failure.eventType,
    reasons,
    stored: stored.written,
  });
  return true;
};

/**
 * Publishes in order: in one batch on a standard topic; on a FIFO topic one at a time, stopping at
 * the first failure, so no command is published ahead of one before it. Returns the ids not published.
 */
const publishAll = async (
  deps: MessageHandlerDeps,
  publications: readonly Accepted[],
  fifo: boolean,
): Promise<Set<string>> => {
  const all = () => new Set(publications.map((p) => p.id));
  const logged = (error: unknown) => {
    deps.logger.error('publish failed', { error: String(error) });
    return all();
  };
  if (!fifo) return deps.publish(publications).catch(logged);
  for (const [i, p] of publications.entries()) {
    const failed = await deps.publish([p]).catch(logged);
    if (failed.size > 0) return new Set(publications.slice(i).map((q) => q.id));
  }
  return new Set();
};

/**
 * The message handler: the records of a batch run the core pipeline concurrently (the KDF works off
 * the event loop); valid commands are published in one batch, invalid ones stored as rejection
 * records (not retried), transient failures retried by SQS. From a FIFO queue (ordered mode), as
 * Lambda does, a record that fails fails every record after it in the batch, and nothing after it is
 * published: they are retried in order.
 */
export const makeMessageHandler =
  (deps: MessageHandlerDeps) =>
  async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const results = await Promise.all(
      event.Records.map((record) =>
        processMessage(deps.hasher)(record.body, {
          commandId: record.messageId,
          sentAt: sentAtOf(record),
        })().catch((error: unknown) => E.left<PipelineFailure>({ kind: 'transient', error: toError(error) })),
      ),
    );
    const fifo = event.Records.some((r) => isFifo(r.eventSourceARN));
    const failed: string[] = [];
    const publications: Accepted[] = [];
    for (const [i, record] of event.Records.entries()) {
      const result = results[i];
      if (result === undefined) continue;
      if (fifo && failed.length > 0) {
        deps.logger.info('command held back behind a failed one, will be retried', {
          commandId: record.messageId,
        });
        failed.push(record.messageId);
      } else if (E.isRight(result)) {
        const { commandId, command } = result.right;
        publications.push({
          id: commandId,
          message: JSON.stringify(result.right),
          attributes: { commandId, eventType: command.type },
          eventType: command.type,
        });
      } else if (!(await settleFailure(deps, record, result.left))) failed.push(record.messageId);
    }
    const publishFailures = await publishAll(deps, publications, fifo);
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

/** The message handler's dependencies on a connection, with a KDF and a logger. */
export const messageHandlerDeps = (args: {
  readonly config: AwsConfig;
  readonly topicArn: string;
  readonly tableName: string;
  readonly hasher: PasswordHasher;
  readonly logger: Logger;
}): MessageHandlerDeps => {
  const sns = makeSnsClient(args.config);
  return {
    hasher: args.hasher,
    publish: (entries) => publishBatch(sns, args.topicArn, entries),
    rejections: makeDirectoryStore(makeDocumentClient(args.config), args.tableName),
    logger: args.logger,
  };
};

/** Dependencies from the Lambda environment: TOPIC_ARN, CACHE_TABLE_NAME, KDF_PARAMS, AWS_ENDPOINT_URL. */
export const messageHandlerDepsFromEnv = (env: NodeJS.ProcessEnv = process.env): MessageHandlerDeps => {
  const params = parseArgon2idParams(env['KDF_PARAMS']);
  if (E.isLeft(params)) throw new Error(params.left);
  selfTestArgon2id(params.right);
  return messageHandlerDeps({
    config: awsConfigFromEnv(env),
    topicArn: requireEnv('TOPIC_ARN', env),
    tableName: requireEnv('CACHE_TABLE_NAME', env),
    hasher: makeArgon2idHasher(params.right),
    logger: makeLogger('message-handler'),
  });
};

const deps = lazy(() => makeMessageHandler(messageHandlerDepsFromEnv()));

// On Lambda the dependencies (KDF settings and self-test included) are built at cold start, so a bad
// setting stops the function from starting, with its reason in the init error, before it takes a message.
if (process.env['AWS_LAMBDA_FUNCTION_NAME'] !== undefined) deps();

/** Lambda entry point. */
export const handler = (event: SQSEvent): Promise<SQSBatchResponse> => deps()(event);
