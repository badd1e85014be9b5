import type { Server } from 'node:http';
import { makeArgon2idHasher } from '../adapters/argon2id';
import type { AwsConfig } from '../adapters/aws-config';
import { pollUntil } from '../adapters/poll-until';
import { makeSqsClient, queueAttributes, sendMessage } from '../adapters/sqs';
import { OWASP_ARGON2ID, type PasswordHasher } from '../domain/password';
import { cacheHandlerDeps, makeCacheHandler } from '../handlers/cache-handler';
import { makeHttpProducer } from '../handlers/http-producer';
import { makeMessageHandler, messageHandlerDeps } from '../handlers/message-handler';
import { makeLogger } from '../handlers/runtime';
import { startEmulators, type Emulators } from './emulators';
import { startEventSourceMapping, type Mapping, type MappingOptions } from './event-source-mapping';
import { startHttpServer } from './http-server';
import { freePort } from './ports';
import { provisionTopology, type Provisioned } from './provision';
import { topology } from './topology';

/** How to run the embedded stack. */
export interface EmbeddedStackOptions {
  /** The endpoint's port (SQS, SNS and DynamoDB); a free one when absent. */
  readonly port?: number;
  /** The HTTP producer's port; a free one when absent. */
  readonly httpPort?: number;
  /**
   * A directory kept across restarts (`npm run stack -- --data-dir DIR`): the table lives there
   * (DynamoDB Local's file mode). Queues are in memory (fauxqs has no persistence): a graceful stop
   * drains them first. Absent: everything is in memory.
   */
  readonly dataDir?: string;
  /** How long a graceful stop waits for the input and cache queues to drain (default 30 s). */
  readonly drainTimeoutMs?: number;
  readonly stage?: string;
  readonly region?: string;
  /** Handler log level (Powertools): INFO shows one line per command outcome. */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Replaces the production KDF (tests only). */
  readonly hasher?: PasswordHasher;
  /** Local speed-ups for tests (see MappingOptions.retryAfterSeconds and ProvisionOptions). */
  readonly retryAfterSeconds?: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly waitSeconds?: number;
  /** SDK middleware for the clients of the handlers, pollers and producer (request counting, fault injection). */
  readonly handlerPlugins?: AwsConfig['plugins'];
  /** Called after each handler invocation by a poller, with its batch and times (measurements). */
  readonly onInvocation?: MappingOptions['onInvocation'];
}

/** What a graceful stop found: whether the queues drained, and what was left when they did not. */
export interface StopReport {
  readonly drained: boolean;
  readonly left: { readonly input: number; readonly cache: number; readonly inFlightBatches: number };
}

/** A running embedded stack: the emulators, the provisioned topology, both pollers and the HTTP producer. */
export interface EmbeddedStack extends Provisioned {
  readonly config: AwsConfig & { readonly endpoint: string };
  readonly httpUrl: string;
  /** What serves the endpoint, for banners: "fauxqs 1.9.2 (SQS, SNS) + DynamoDB Local 3.3.0". */
  readonly engine: string;
  /** Process ids of the emulators (measurements). */
  readonly pids: Emulators['pids'];
  /** True when DynamoDB Local accepts loopback peers only (Java 17 to 23; see README). */
  readonly dynamodbLoopbackOnly: boolean;
  /** Batches being handled right now, by function. */
  readonly inFlight: () => { readonly messageHandler: number; readonly cacheHandler: number };
  /** Stops new input, drains the queues (bounded by drainTimeoutMs), then stops everything. */
  readonly stop: () => Promise<StopReport>;
}

/** The emulators the embedded stack runs. */
export const ENGINE = 'fauxqs 1.9.2 (SQS, SNS) + DynamoDB Local 3.3.0';

const waiting = (attributes: Record<string, string>): number =>
  [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ]
    .map((name) => Number(attributes[name] ?? 0))
    .reduce((a, b) => a + b, 0);

/**
 * Starts fauxqs and DynamoDB Local on loopback behind one endpoint, provisions the topology and runs
 * both handlers in-process, each mapping with up to its function's maximumConcurrency batches at once.
 */
export const startEmbeddedStack = async (options: EmbeddedStackOptions = {}): Promise<EmbeddedStack> => {
  const stage = options.stage ?? 'local';
  const region = options.region ?? 'us-east-1';
  const emulators = await startEmulators({
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
  const config = { region, endpoint: emulators.endpoint };
  const sqs = makeSqsClient(config);
  const mappings: { messageHandler?: Mapping; cacheHandler?: Mapping } = {};
  const inFlight = () => ({
    messageHandler: mappings.messageHandler?.inFlight() ?? 0,
    cacheHandler: mappings.cacheHandler?.inFlight() ?? 0,
  });
  let server: Server | undefined;
  let urls: Provisioned['queueUrls'] | undefined;
  const drain = async (): Promise<StopReport> => {
    let left = { input: 0, cache: 0, inFlightBatches: 0 };
    const queues = urls;
    if (queues === undefined) return { drained: true, left };
    return pollUntil(
      async () => {
        // The input queue first: a command leaves it only after it was published to the cache queue.
        const input = waiting(await queueAttributes(sqs, queues.input));
        const cache = waiting(await queueAttributes(sqs, queues.cache));
        const busy = inFlight();
        left = { input, cache, inFlightBatches: busy.messageHandler + busy.cacheHandler };
        return input + cache + left.inFlightBatches === 0 ? true : undefined;
      },
      { timeoutMs: options.drainTimeoutMs ?? 30_000, what: 'the queues to drain', initialDelayMs: 25 },
    ).then(
      (): StopReport => ({ drained: true, left }),
      (): StopReport => ({ drained: false, left }),
    );
  };
  const stop = async (): Promise<StopReport> => {
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    const report = await drain().catch((): StopReport => ({
      drained: false,
      left: { input: -1, cache: -1, inFlightBatches: -1 },
    }));
    await Promise.all(Object.values(mappings).map((m) => m.stop()));
    sqs.destroy();
    await emulators.stop();
    return report;
  };
  try {
    const provisioned = await provisionTopology(config, stage, {
      ...(options.visibilityTimeoutSeconds === undefined
        ? {}
        : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
    });
    urls = provisioned.queueUrls;
    const tableName = provisioned.names.table;
    const handlerConfig: AwsConfig =
      options.handlerPlugins === undefined ? config : { ...config, plugins: options.handlerPlugins };
    const handlerSqs = makeSqsClient(handlerConfig);
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
      }),
    );
    const runtimeLogger = logger('embedded-runtime');
    const mapping = (functionName: 'messageHandler' | 'cacheHandler', queue: 'input' | 'cache') => {
      const settings = topology.functions[functionName];
      return startEventSourceMapping({
        sqs: handlerSqs,
        endpoint: emulators.endpoint,
        queueUrl: provisioned.queueUrls[queue],
        queueArn: provisioned.queueArns[queue],
        region,
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
    mappings.messageHandler = mapping('messageHandler', 'input');
    mappings.cacheHandler = mapping('cacheHandler', 'cache');
    const httpPort = options.httpPort ?? (await freePort());
    server = await startHttpServer(
      httpPort,
      makeHttpProducer({
        send: (body) => sendMessage(handlerSqs, provisioned.queueUrls.input, body),
        logger: logger('http-producer'),
      }),
    );
    return {
      ...provisioned,
      config,
      httpUrl: `http://127.0.0.1:${httpPort}`,
      engine: ENGINE,
      pids: emulators.pids,
      dynamodbLoopbackOnly: emulators.dynamodbLoopbackOnly,
      inFlight,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
