import { join } from 'node:path';
import { findJava, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { forkGuarded, untilReady, type GuardedProcess } from './guarded-process';
import { onPort, portTaken } from './ports';

/** Where the emulators keep state, and on which port the edge listens. */
export interface EmulatorOptions {
  /** The edge's port (SQS, SNS and DynamoDB on one endpoint); a free one when absent. */
  readonly port?: number;
  /** A directory kept across restarts: DynamoDB Local's database file lives in `<dataDir>/dynamodb`. */
  readonly dataDir?: string;
}

/** The running emulators behind one loopback endpoint. */
export interface Emulators {
  /** SQS and SNS (fauxqs), and DynamoDB forwarded to DynamoDB Local, on 127.0.0.1. */
  readonly endpoint: string;
  readonly port: number;
  /** DynamoDB Local's own endpoint (the edge forwards to it). */
  readonly dynamodbEndpoint: string;
  /** True when DynamoDB Local accepts loopback peers only (Java 17 to 23; see docs/embedded.md#loopback-only). */
  readonly dynamodbLoopbackOnly: boolean;
  /** Process ids of the emulator processes (the fauxqs edge, DynamoDB Local's guard), to measure them. */
  readonly pids: { readonly fauxqs: number; readonly dynamodbGuard: number };
  readonly stop: () => Promise<void>;
}

/** fauxqs on 127.0.0.1:port; it forwards DynamoDB requests once it is told DynamoDB Local's port. */
const startEdge = async (port: number): Promise<{ edge: GuardedProcess; port: number }> => {
  if (await portTaken(port))
    throw new Error(`port ${port} on 127.0.0.1 is taken: stop what uses it, or pass --port <another port>`);
  const edge = forkGuarded('fauxqs', 'fauxqs-edge.mjs', [String(port)]);
  try {
    await untilReady(edge, edge.messaged, 30_000);
  } catch (error) {
    await edge.stop();
    throw error;
  }
  return { edge, port };
};

/**
 * Starts DynamoDB Local (Java 17+) and fauxqs (SQS + SNS) side by side, each in its own guarded
 * process that ends when this process goes, and returns the one loopback endpoint serving all three.
 */
export const startEmulators = async (options: EmulatorOptions = {}): Promise<Emulators> => {
  const java = findJava();
  const [dynamodb, edge] = await Promise.allSettled([
    onPort(undefined, (p) =>
      startDynamoDbLocal({
        port: p,
        java,
        ...(options.dataDir === undefined ? {} : { dataDir: join(options.dataDir, 'dynamodb') }),
      }),
    ),
    onPort(options.port, startEdge),
  ]);
  if (dynamodb.status === 'rejected' || edge.status === 'rejected') {
    if (dynamodb.status === 'fulfilled') await dynamodb.value.stop();
    if (edge.status === 'fulfilled') await edge.value.edge.stop();
    throw dynamodb.status === 'rejected' ? dynamodb.reason : (edge as PromiseRejectedResult).reason;
  }
  const local: DynamoDbLocal = dynamodb.value;
  const { edge: fauxqs, port } = edge.value;
  const stop = async () => {
    await fauxqs.stop();
    await local.stop();
  };
  try {
    await fauxqs.ask({ dynamodbPort: local.port });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    dynamodbEndpoint: local.endpoint,
    dynamodbLoopbackOnly: local.loopbackOnly,
    pids: { fauxqs: fauxqs.pid, dynamodbGuard: local.process.pid },
    stop,
  };
};
