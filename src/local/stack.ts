import type { Server } from 'node:http';
import type { AwsConfig } from '../adapters/aws-config';
import { pollUntil } from '../adapters/poll-until';
import { makeSqsClient, queueAttributes, sendMessage } from '../adapters/sqs';
import { makeHttpProducer } from '../handlers/http-producer';
import { readModelOf } from '../handlers/read-api';
import { makeReadApi } from '../handlers/read-routes';
import { makeLogger } from '../handlers/runtime';
import { connect, type Target } from './client';
import { makeDashboardHandler } from './dashboard/server';
import { startEmulators, type Emulators } from './emulators';
import { startHttpServer } from './http-server';
import { freePort } from './ports';
import { provisionTopology, type Provisioned } from './provision';
import { startWorkers, type WorkerOptions, type Workers } from './workers';
import type { Mode } from './topology';

/** How to run the embedded stack: its emulators and topology, and the workers' options. */
export interface EmbeddedStackOptions extends WorkerOptions {
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
  /** Local speed-up for tests: a shorter visibility timeout, so retries come quickly. */
  readonly visibilityTimeoutSeconds?: number;
  /** False: only the emulators and the topology, no pollers and no HTTP producer (`--no-workers`). */
  readonly workers?: boolean;
  /** `ordered`: FIFO queues and topic (`--mode ordered`); default: the stage's mode in topology.json. */
  readonly mode?: Mode;
}

/** What a graceful stop found: whether the queues drained, and what was left when they did not. */
export interface StopReport {
  readonly drained: boolean;
  readonly left: { readonly input: number; readonly cache: number; readonly inFlightBatches: number };
}

/** A running embedded stack: the emulators, the provisioned topology, both pollers and the HTTP producer. */
export interface EmbeddedStack extends Provisioned {
  readonly config: AwsConfig & { readonly endpoint: string };
  /** The HTTP producer's base URL (also the read API and the dashboard at `/`); absent without workers. */
  readonly httpUrl?: string;
  /** What serves the endpoint, for banners: "fauxqs 2.4.1 (SQS, SNS) + DynamoDB Local 3.3.1". */
  readonly engine: string;
  /** Process ids of the emulators (measurements). */
  readonly pids: Emulators['pids'];
  /** True when DynamoDB Local accepts loopback peers only (Java 17 to 23; see docs/embedded.md#loopback-only). */
  readonly dynamodbLoopbackOnly: boolean;
  /** Batches being handled right now, by function. */
  readonly inFlight: () => { readonly messageHandler: number; readonly cacheHandler: number };
  /** Stops new input, drains the queues (bounded by drainTimeoutMs), then stops everything. */
  readonly stop: () => Promise<StopReport>;
}

/** The emulators the embedded stack runs. */
export const ENGINE = 'fauxqs 2.4.1 (SQS, SNS) + DynamoDB Local 3.3.1';

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
  let workers: Workers | undefined;
  const inFlight = () => workers?.inFlight() ?? { messageHandler: 0, cacheHandler: 0 };
  let server: Server | undefined;
  let dashboardTarget: Target | undefined;
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
      {
        // Without workers nothing drains the queues: what is there is only counted.
        timeoutMs: workers === undefined ? 0 : (options.drainTimeoutMs ?? 30_000),
        what: 'the queues to drain',
        initialDelayMs: 25,
      },
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
    await workers?.stop();
    sqs.destroy();
    dashboardTarget?.sqs.destroy();
    dashboardTarget?.doc.destroy();
    await emulators.stop();
    return report;
  };
  const stackOf = (provisioned: Provisioned, httpUrl: string | undefined): EmbeddedStack => ({
    ...provisioned,
    config,
    ...(httpUrl === undefined ? {} : { httpUrl }),
    engine: ENGINE,
    pids: emulators.pids,
    dynamodbLoopbackOnly: emulators.dynamodbLoopbackOnly,
    inFlight,
    stop,
  });
  try {
    const provisioned = await provisionTopology(config, stage, {
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      ...(options.visibilityTimeoutSeconds === undefined
        ? {}
        : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
    });
    urls = provisioned.queueUrls;
    if (options.workers === false) return stackOf(provisioned, undefined);
    workers = startWorkers(config, provisioned, options);
    const httpPort = options.httpPort ?? (await freePort());
    const producerSqs = workers.sqs;
    const target = connect(config, stage, provisioned.names);
    dashboardTarget = target;
    server = await startHttpServer(
      httpPort,
      makeHttpProducer({
        send: (body) => sendMessage(producerSqs, provisioned.queueUrls.input, body),
        logger: makeLogger('http-producer', options.logLevel ?? 'INFO'),
      }),
      {
        read: makeReadApi(readModelOf(target.doc, provisioned.names.table)),
        dashboard: await makeDashboardHandler(target),
      },
    );
    return stackOf(provisioned, `http://127.0.0.1:${httpPort}`);
  } catch (error) {
    await stop();
    throw error;
  }
};
