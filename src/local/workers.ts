/**
 * The workers: both handlers run in-process by their event-source-mapping pollers, against a stack's
 * queues, topic and table. The embedded stack starts them beside its emulators; `npm run workers`
 * starts them alone against a stack that runs elsewhere (`npm run stack -- --no-workers`), so they can
 * be killed and restarted without touching the emulators.
 */
import { paginateListTopics, SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { makeArgon2idHasher } from '../adapters/argon2id';
import { clientOptions, type AwsConfig } from '../adapters/aws-config';
import { makeSqsClient, queueAttributes, queueUrlOf } from '../adapters/sqs';
import { OWASP_ARGON2ID, type PasswordHasher } from '../domain/password';
import { cacheHandlerDeps, makeCacheHandler } from '../handlers/cache-handler';
import { makeMessageHandler, messageHandlerDeps } from '../handlers/message-handler';
import { makeLogger } from '../handlers/runtime';
import { startEventSourceMapping, type Mapping, type MappingOptions } from './event-source-mapping';
import type { Provisioned } from './provision';
import { namesFor, topology, type QueueName, type StageNames } from './topology';

/** How to run the workers. */
export interface WorkerOptions {
  /** Handler log level (Powertools): INFO shows one line per command outcome. */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Replaces the production KDF (tests only). */
  readonly hasher?: PasswordHasher;
  readonly retryAfterSeconds?: number;
  readonly waitSeconds?: number;
  /** SDK middleware for the clients of the handlers and pollers (request counting, fault injection). */
  readonly handlerPlugins?: AwsConfig['plugins'];
  /** Called after each handler invocation by a poller, with its batch and times (measurements). */
  readonly onInvocation?: MappingOptions['onInvocation'];
  /** The cache handler's settle window (default: topology.json's). */
  readonly settleWindowSeconds?: number;
}

/** Running workers: one mapping per function. */
export interface Workers {
  /** The SQS client of the handlers and pollers (with the plugins). */
  readonly sqs: SQSClient;
  /** Batches being handled right now, by function. */
  readonly inFlight: () => { readonly messageHandler: number; readonly cacheHandler: number };
  /** Stops polling; batches in flight finish first (what they did not finish returns to the queue). */
  readonly stop: () => Promise<void>;
}

/** Starts both handlers on their queues, each mapping with up to its function's maximumConcurrency batches. */
export const startWorkers = (
  config: AwsConfig & { readonly endpoint: string },
  provisioned: Provisioned,
  options: WorkerOptions = {},
): Workers => {
  const handlerConfig: AwsConfig =
    options.handlerPlugins === undefined ? config : { ...config, plugins: options.handlerPlugins };
  const sqs = makeSqsClient(handlerConfig);
  const tableName = provisioned.names.table;
  const logger = (serviceName: string) => makeLogger(serviceName, options.logLevel ?? 'INFO');
  const messageHandler = makeMessageHandler(
    messageHandlerDeps({
      config: handlerConfig,
      topicArn: provisioned.topicArn,
      tableName,
      hasher: options.hasher ?? makeArgon2idHasher(OWASP_ARGON2ID),
      logger: logger('message-handler'),
    }),
  );
  const cacheHandler = makeCacheHandler(
    cacheHandlerDeps({
      config: handlerConfig,
      tableName,
      logger: logger('cache-handler'),
      cacheQueueUrl: provisioned.queueUrls.cache,
      settleWindowSeconds: options.settleWindowSeconds ?? topology.functions.cacheHandler.settleWindowSeconds,
    }),
  );
  const runtimeLogger = logger('embedded-runtime');
  const mapping = (functionName: 'messageHandler' | 'cacheHandler', queue: 'input' | 'cache'): Mapping => {
    const settings = topology.functions[functionName];
    return startEventSourceMapping({
      sqs,
      endpoint: config.endpoint,
      queueUrl: provisioned.queueUrls[queue],
      queueArn: provisioned.queueArns[queue],
      region: config.region,
      functionName,
      batchSize: settings.batchSize,
      timeoutSeconds: settings.timeoutSeconds,
      memoryMiB: settings.memoryMiB,
      maximumConcurrency: settings.maximumConcurrency,
      handler: functionName === 'messageHandler' ? messageHandler : cacheHandler,
      ...(options.waitSeconds === undefined ? {} : { waitSeconds: options.waitSeconds }),
      ...(options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds }),
      onBatchError: (error) => runtimeLogger.error('batch failed', { functionName, error: error.message }),
      ...(options.onInvocation === undefined ? {} : { onInvocation: options.onInvocation }),
    });
  };
  const mappings = {
    messageHandler: mapping('messageHandler', 'input'),
    cacheHandler: mapping('cacheHandler', 'cache'),
  };
  return {
    sqs,
    inFlight: () => ({
      messageHandler: mappings.messageHandler.inFlight(),
      cacheHandler: mappings.cacheHandler.inFlight(),
    }),
    stop: async () => {
      await Promise.all([mappings.messageHandler.stop(), mappings.cacheHandler.stop()]);
      sqs.destroy();
    },
  };
};

const QUEUES: readonly QueueName[] = ['input', 'inputDlq', 'cache', 'cacheDlq'];

/**
 * The names of the stage's stack that runs at the endpoint: those of the stage's mode in
 * topology.json, or of the other mode when only its input queue exists (`npm run stack -- --mode`).
 */
export const namesRunning = async (sqs: SQSClient, stage: string): Promise<StageNames> => {
  const names = namesFor(stage);
  const other = namesFor(stage, names.mode === 'ordered' ? 'standard' : 'ordered');
  const exists = (queue: string) =>
    queueUrlOf(sqs, queue).then(
      () => true,
      () => false,
    );
  return (await exists(names.queues.input)) || !(await exists(other.queues.input)) ? names : other;
};

/**
 * Finds a running stack's resources by the names its stage gives them: queue URLs and ARNs, the
 * topic's ARN. Fails, naming what is missing, when no stack of that stage runs at the endpoint.
 */
export const resolveTopology = async (config: AwsConfig, stage: string): Promise<Provisioned> => {
  const sqs = makeSqsClient(config);
  const sns = new SNSClient(clientOptions(config));
  try {
    const names = await namesRunning(sqs, stage);
    const urls = await Promise.all(QUEUES.map((q) => queueUrlOf(sqs, names.queues[q])));
    const arns = await Promise.all(
      urls.map(async (url) => {
        const arn = (await queueAttributes(sqs, url))['QueueArn'];
        if (arn === undefined) throw new Error(`queue ${url} has no ARN`);
        return arn;
      }),
    );
    let topicArn: string | undefined;
    for await (const page of paginateListTopics({ client: sns }, {}))
      topicArn ??= (page.Topics ?? [])
        .map((t) => t.TopicArn ?? '')
        .find((arn) => arn.endsWith(`:${names.topic}`));
    if (topicArn === undefined)
      throw new Error(`no topic named ${names.topic} at ${config.endpoint ?? 'AWS'}`);
    const byQueue = <T>(values: readonly T[]) =>
      Object.fromEntries(QUEUES.map((q, i) => [q, values[i]])) as Record<QueueName, T>;
    return { names, queueUrls: byQueue(urls), queueArns: byQueue(arns), topicArn, unsupported: [] };
  } finally {
    sqs.destroy();
    sns.destroy();
  }
};
