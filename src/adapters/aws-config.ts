import type { Pluggable } from '@smithy/types';

/** Where and how the AWS clients connect, read from the environment. */
export interface AwsConfig {
  readonly region: string;
  /** An explicit endpoint (an emulator, LocalStack). Absent on AWS. */
  readonly endpoint?: string;
  /**
   * Middleware added to every client made from this config (local runs only: request counting for
   * the benchmark, fault injection for tests). Never set from the environment.
   */
  readonly plugins?: readonly Pluggable<any, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Adds the config's plugins to a client it was made with, and returns the client. */
export const instrument = <C extends { middlewareStack: { use: (p: Pluggable<any, any>) => void } }>( // eslint-disable-line @typescript-eslint/no-explicit-any
  client: C,
  config: AwsConfig,
): C => {
  for (const plugin of config.plugins ?? []) client.middlewareStack.use(plugin);
  return client;
};

/**
 * The call a plugin's middleware sees, from its handler context: the service (`DynamoDB`, `SQS`,
 * `SNS`) and the operation (`TransactWriteItems`, `ReceiveMessage`).
 */
export const sdkCallOf = (context: {
  readonly clientName?: string;
  readonly commandName?: string;
}): { readonly service: string; readonly operation: string } => ({
  service: String(context.clientName ?? '').replace(/Client$/, ''),
  operation: String(context.commandName ?? '').replace(/Command$/, ''),
});

/** Reads AWS_REGION and AWS_ENDPOINT_URL. */
export const awsConfigFromEnv = (env: NodeJS.ProcessEnv = process.env): AwsConfig => {
  const endpoint = env['AWS_ENDPOINT_URL']?.trim();
  return {
    region: env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
  };
};

/**
 * The options every SDK client gets. With an endpoint the client always talks to it (SDK v3 SQS would
 * otherwise follow the host inside a queue URL), and emulator credentials are used when none are set.
 */
export const clientOptions = (config: AwsConfig, env: NodeJS.ProcessEnv = process.env) => ({
  region: config.region,
  ...(config.endpoint === undefined
    ? {}
    : {
        endpoint: config.endpoint,
        ...(env['AWS_ACCESS_KEY_ID'] === undefined
          ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
          : {}),
      }),
});

/** Reads a required environment variable or fails with its name. */
export const requireEnv = (name: string, env: NodeJS.ProcessEnv = process.env): string => {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
};
