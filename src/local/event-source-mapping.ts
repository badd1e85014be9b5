import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { changeVisibility, deleteMessages, receiveMessages } from '../adapters/sqs';

/** A Lambda SQS handler. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/** Settings of one mapping, as serverless.yml gives them to Lambda. */
export interface MappingOptions {
  readonly sqs: SQSClient;
  /** The endpoint the SQS client talks to; polling anything but loopback needs allowNonLoopback. */
  readonly endpoint: string;
  readonly allowNonLoopback?: boolean;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly functionName: string;
  readonly batchSize: number;
  /** The function's timeout and memory, as the handler's context reports them (default 30 s, 1024 MB). */
  readonly timeoutSeconds?: number;
  readonly memoryMiB?: number;
  /**
   * Lambda's ScalingConfig.MaximumConcurrency: up to this many batches are handled at once, each by
   * its own receive/handle loop (default 1). Batches in flight at the same time may finish in any order.
   */
  readonly maximumConcurrency?: number;
  readonly handler: SqsHandler;
  /** Long-poll wait per receive (Lambda uses 20 s; shorter stops faster). */
  readonly waitSeconds?: number;
  /**
   * Local-only speed-up for tests: make failed records visible again after this many seconds instead
   * of waiting out the queue's visibility timeout. Unset, failed records wait as on Lambda.
   */
  readonly retryAfterSeconds?: number;
  readonly onBatchError?: (error: Error) => void;
  /** Called after each invocation of the handler, with its batch and times (measurements). */
  readonly onInvocation?: (invocation: InvocationRecord) => void;
}

/** One invocation of a handler by a mapping: its function, its batch, when it started and ended. */
export interface InvocationRecord {
  readonly functionName: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly messages: readonly Message[];
}

/** A running mapping. */
export interface Mapping {
  readonly stop: () => Promise<void>;
  /** How many batches were handed to the handler. */
  readonly batches: () => number;
  /** How many batches the handler is working on right now. */
  readonly inFlight: () => number;
}

/** True for http(s) URLs on 127.0.0.0/8, ::1 or localhost. */
export const isLoopback = (endpoint: string): boolean => {
  try {
    const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  } catch {
    return false;
  }
};

/** Turns received SQS messages into the records Lambda would deliver. */
export const toSqsEvent = (messages: readonly Message[], queueArn: string, region: string): SQSEvent => ({
  Records: messages.map((m): SQSRecord => ({
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: m.Attributes?.['ApproximateReceiveCount'] ?? '1',
      SentTimestamp: m.Attributes?.['SentTimestamp'] ?? String(Date.now()),
      SenderId: m.Attributes?.['SenderId'] ?? 'local',
      ApproximateFirstReceiveTimestamp:
        m.Attributes?.['ApproximateFirstReceiveTimestamp'] ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        {
          dataType: v.DataType ?? 'String',
          ...(v.StringValue === undefined ? {} : { stringValue: v.StringValue }),
        },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  })),
});

/**
 * Which records of a batch failed, by Lambda's rules for ReportBatchItemFailures: an empty or
 * missing response means all succeeded; a malformed response, or an identifier that is empty or not
 * in the batch, fails the whole batch.
 */
export const failedRecords = (response: unknown, batchIds: readonly string[]): readonly string[] => {
  if (response === undefined || response === null) return [];
  if (typeof response !== 'object') return batchIds;
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return [];
  if (!Array.isArray(failures)) return batchIds;
  const ids: string[] = [];
  for (const f of failures) {
    const id =
      typeof f === 'object' && f !== null ? (f as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '' || !batchIds.includes(id)) return batchIds;
    ids.push(id);
  }
  return ids;
};

const lambdaContext = (functionName: string, timeoutMs: number, memoryMiB: number): Context => {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMiB),
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

/**
 * Polls a queue and invokes a handler in-process with Lambda's SQS event-source-mapping semantics:
 * long polling, the configured batch size, up to maximumConcurrency batches at once, the queue's
 * visibility timeout, delete on success, ReportBatchItemFailures honoured, and dead-lettering left
 * to the queue's redrive policy.
 */
export const startEventSourceMapping = (options: MappingOptions): Mapping => {
  const concurrency = options.maximumConcurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error(`maximumConcurrency must be a positive integer, got ${concurrency}`);
  if (!isLoopback(options.endpoint) && options.allowNonLoopback !== true)
    throw new Error(
      `refusing to poll ${options.endpoint}: the embedded runtime polls loopback endpoints only (set allowNonLoopback to override)`,
    );
  const abort = new AbortController();
  let running = true;
  let batches = 0;
  let inFlight = 0;
  const loop = async (): Promise<void> => {
    while (running) {
      let messages: Message[];
      try {
        messages = await receiveMessages(
          options.sqs,
          options.queueUrl,
          options.batchSize,
          options.waitSeconds ?? 2,
          abort.signal,
        );
      } catch (error) {
        if (!running) return;
        options.onBatchError?.(error as Error);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      if (messages.length === 0) continue;
      batches += 1;
      inFlight += 1;
      const ids = messages.map((m) => m.MessageId ?? '');
      const startedAt = Date.now();
      let failed: readonly string[];
      try {
        const response = await options.handler(
          toSqsEvent(messages, options.queueArn, options.region),
          lambdaContext(
            options.functionName,
            (options.timeoutSeconds ?? 30) * 1000,
            options.memoryMiB ?? 1024,
          ),
        );
        failed = failedRecords(response, ids);
      } catch (error) {
        options.onBatchError?.(error as Error);
        failed = ids;
      }
      options.onInvocation?.({
        functionName: options.functionName,
        startedAt,
        endedAt: Date.now(),
        messages,
      });
      try {
        await deleteMessages(
          options.sqs,
          options.queueUrl,
          messages.filter((m) => !failed.includes(m.MessageId ?? '')),
        );
        if (options.retryAfterSeconds !== undefined)
          await changeVisibility(
            options.sqs,
            options.queueUrl,
            messages.filter((m) => failed.includes(m.MessageId ?? '')),
            options.retryAfterSeconds,
          );
      } catch (error) {
        if (running) options.onBatchError?.(error as Error);
      } finally {
        inFlight -= 1;
      }
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, loop));
  return {
    stop: async () => {
      running = false;
      abort.abort();
      await done;
    },
    batches: () => batches,
    inFlight: () => inFlight,
  };
};
