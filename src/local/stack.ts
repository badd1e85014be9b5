import type { Server } from 'node:http';
import { makeArgon2idHasher } from '../adapters/argon2id';
import type { AwsConfig } from '../adapters/aws-config';
import { makeSqsClient, sendMessage } from '../adapters/sqs';
import { OWASP_ARGON2ID, type PasswordHasher } from '../domain/password';
import { cacheHandlerDeps, makeCacheHandler } from '../handlers/cache-handler';
import { makeHttpProducer } from '../handlers/http-producer';
import { makeMessageHandler, messageHandlerDeps } from '../handlers/message-handler';
import { makeLogger } from '../handlers/runtime';
import { startEventSourceMapping, type Mapping } from './event-source-mapping';
import { startHttpServer } from './http-server';
import { freePort, startMoto, type MotoServer } from './moto';
import { provisionTopology, type Provisioned } from './provision';
import { topology } from './topology';

/** How to run the embedded stack. */
export interface EmbeddedStackOptions {
  /** moto's port; a free one when absent. */
  readonly port?: number;
  /** The HTTP producer's port; a free one when absent. */
  readonly httpPort?: number;
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
}

/** A running embedded stack: moto, the provisioned topology, both pollers and the HTTP producer. */
export interface EmbeddedStack extends Provisioned {
  readonly config: AwsConfig & { readonly endpoint: string };
  readonly httpUrl: string;
  readonly stop: () => Promise<void>;
}

/**
 * Starts moto on the given port, or on a free one; a free port can be taken by someone else before
 * moto binds it, so that case is tried again on another.
 */
const startMotoOn = async (port: number | undefined): Promise<MotoServer> => {
  if (port !== undefined) return startMoto(port);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startMoto(await freePort());
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
};

/** Starts moto on loopback, provisions the topology and runs both handlers in-process. */
export const startEmbeddedStack = async (options: EmbeddedStackOptions = {}): Promise<EmbeddedStack> => {
  const stage = options.stage ?? 'local';
  const region = options.region ?? 'us-east-1';
  const moto: MotoServer = await startMotoOn(options.port);
  const mappings: Mapping[] = [];
  let server: Server | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(mappings.map((m) => m.stop()));
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    await moto.stop();
  };
  try {
    const config = { region, endpoint: moto.endpoint };
    const provisioned = await provisionTopology(config, stage, {
      ...(options.visibilityTimeoutSeconds === undefined
        ? {}
        : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
    });
    const tableName = provisioned.names.table;
    const handlerConfig: AwsConfig =
      options.handlerPlugins === undefined ? config : { ...config, plugins: options.handlerPlugins };
    const sqs = makeSqsClient(handlerConfig);
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
      cacheHandlerDeps({ config: handlerConfig, tableName, logger: logger('cache-handler') }),
    );
    const runtimeLogger = logger('embedded-runtime');
    const mapping = (functionName: 'messageHandler' | 'cacheHandler', queue: 'input' | 'cache') =>
      startEventSourceMapping({
        sqs,
        endpoint: moto.endpoint,
        queueUrl: provisioned.queueUrls[queue],
        queueArn: provisioned.queueArns[queue],
        region,
        functionName,
        batchSize: topology.functions[functionName].batchSize,
        handler: functionName === 'messageHandler' ? messageHandler : cacheHandler,
        ...(options.waitSeconds === undefined ? {} : { waitSeconds: options.waitSeconds }),
        ...(options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds }),
        onBatchError: (error) => runtimeLogger.error('batch failed', { functionName, error: error.message }),
      });
    mappings.push(mapping('messageHandler', 'input'), mapping('cacheHandler', 'cache'));
    const httpPort = options.httpPort ?? (await freePort());
    server = await startHttpServer(
      httpPort,
      makeHttpProducer({
        send: (body) => sendMessage(sqs, provisioned.queueUrls.input, body),
        logger: logger('http-producer'),
      }),
    );
    return { ...provisioned, config, httpUrl: `http://127.0.0.1:${httpPort}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
