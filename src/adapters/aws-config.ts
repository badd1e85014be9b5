/** Where and how the AWS clients connect, read from the environment. */
export interface AwsConfig {
  readonly region: string;
  /** An explicit endpoint (moto, LocalStack). Absent on AWS. */
  readonly endpoint?: string;
}

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
