/**
 * `npm run send -- --via http`: commands go to `POST /commands` instead of straight onto the queue,
 * signed with SigV4 for API Gateway (`execute-api`), as the deployed API requires (`authorizer:
 * aws_iam`). Credentials come from the SDK's default chain (environment, profile, SSO, instance role);
 * for a loopback URL without AWS_ACCESS_KEY_ID the emulators' `test`/`test` sign instead. The embedded
 * server does not check signatures (it takes JSON from loopback clients only), LocalStack's community
 * image does not either, so the same command works on all three targets.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Where and how `--via http` posts. */
export interface HttpSendOptions {
  readonly url: string;
  readonly region: string;
  /** Overrides the credential chain (tests). */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether a URL points at this machine. */
export const isLoopbackUrl = (url: URL): boolean => LOOPBACK.has(url.hostname);

const credentialsFor = (
  url: URL,
  env: Readonly<Record<string, string | undefined>>,
): AwsCredentialIdentity | AwsCredentialIdentityProvider =>
  isLoopbackUrl(url) && env['AWS_ACCESS_KEY_ID'] === undefined
    ? { accessKeyId: 'test', secretAccessKey: 'test' }
    : defaultProvider();

/** The headers of a JSON POST to API Gateway (`execute-api`) signed with SigV4, Host included. */
export const signJsonPost = async (
  url: URL,
  body: string,
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
  region: string,
  signingDate?: Date,
): Promise<Record<string, string>> => {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    },
    signingDate === undefined ? {} : { signingDate },
  );
  return signed.headers;
};

/** The request `--via http` sends: a SigV4-signed POST of the body as JSON. */
export const signedPost = async (
  options: HttpSendOptions,
  body: string,
): Promise<{ url: string; headers: Record<string, string>; body: string }> => {
  const url = new URL(options.url);
  const credentials = options.credentials ?? credentialsFor(url, options.env ?? process.env);
  // fetch sends the same Host itself (and refuses to be given one).
  const { host: _host, ...headers } = await signJsonPost(url, body, credentials, options.region);
  return { url: url.toString(), headers, body };
};

/**
 * Posts one command body and returns its message id (= its commandId); throws with the status and the
 * server's reason when it is not accepted (the producer never echoes a password).
 */
export const postCommand = async (options: HttpSendOptions, body: string): Promise<string> => {
  const request = await signedPost(options, body);
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body });
  const text = await response.text();
  const parsed = ((): Record<string, unknown> => {
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  })();
  if (response.status === 202 && typeof parsed['messageId'] === 'string') return parsed['messageId'];
  const reasons = Array.isArray(parsed['reasons']) ? `: ${parsed['reasons'].map(String).join(' | ')}` : '';
  const error =
    typeof parsed['error'] === 'string' ? parsed['error'] : (parsed['message'] ?? text.slice(0, 200));
  throw new Error(`POST ${request.url} answered ${response.status} (${String(error)})${reasons}`);
};
