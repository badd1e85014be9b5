import type { Logger } from '@aws-lambda-powertools/logger';
import * as E from 'fp-ts/Either';
import { awsConfigFromEnv, requireEnv } from '../adapters/aws-config';
import { makeSqsClient, sendMessage } from '../adapters/sqs';
import { MAX_BODY_BYTES, validateBody } from '../domain/pipeline';
import { formatReason } from '../domain/reasons';
import { lazy, makeLogger } from './runtime';

/** The part of an API Gateway proxy event (REST v1 or HTTP v2) the producer reads. */
export interface HttpRequest {
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  /** API Gateway passes the request's headers (any case); absent when invoked directly. */
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
}

/** An API Gateway proxy result (valid for REST v1 and HTTP v2). */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What the HTTP producer needs from the outside world. */
export interface HttpProducerDeps {
  readonly send: (body: string) => Promise<string>;
  readonly logger: Logger;
}

/** Whether a Content-Type names JSON: `application/json`, any case, with parameters or not. */
export const isJsonContentType = (value: string | string[] | undefined): boolean =>
  typeof value === 'string' && value.split(';')[0]?.trim().toLowerCase() === 'application/json';

const headerOf = (headers: HttpRequest['headers'], name: string): string | undefined =>
  Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];

const json = (statusCode: number, body: unknown): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * `POST /commands`: the same validation as the message handler (without hashing); 415 unless the
 * request says `Content-Type: application/json` (when it has headers), 400 with every reason, 413
 * over 64 KiB, or 202 with the message id once the body is on the input queue.
 */
export const makeHttpProducer =
  (deps: HttpProducerDeps) =>
  async (event: HttpRequest): Promise<HttpResponse> => {
    if (event.headers !== undefined && !isJsonContentType(headerOf(event.headers, 'content-type')))
      return json(415, { error: 'Content-Type must be application/json' });
    const raw = event.body ?? '';
    const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES)
      return json(413, { error: `request body is larger than ${MAX_BODY_BYTES} bytes` });
    const verdict = validateBody(body);
    if (E.isLeft(verdict)) {
      const reasons = verdict.left.reasons.map(formatReason);
      deps.logger.info('command refused at the door', { eventType: verdict.left.eventType, reasons });
      return json(400, { error: 'invalid command', eventType: verdict.left.eventType, reasons });
    }
    const messageId = await deps.send(body);
    deps.logger.info('command queued', { commandId: messageId, eventType: verdict.right.type });
    return json(202, { messageId, commandId: messageId, eventType: verdict.right.type });
  };

/** Dependencies from the Lambda environment: INPUT_QUEUE_URL, AWS_ENDPOINT_URL. */
export const httpProducerDepsFromEnv = (env: NodeJS.ProcessEnv = process.env): HttpProducerDeps => {
  const sqs = makeSqsClient(awsConfigFromEnv(env));
  const queueUrl = requireEnv('INPUT_QUEUE_URL', env);
  return { send: (body) => sendMessage(sqs, queueUrl, body), logger: makeLogger('http-producer') };
};

const deps = lazy(() => makeHttpProducer(httpProducerDepsFromEnv()));

/** Lambda entry point. */
export const handler = (event: HttpRequest): Promise<HttpResponse> => deps()(event);
