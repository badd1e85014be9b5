import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';

/** The structured JSON logger every handler writes its one line per command outcome with. */
export const makeLogger = (serviceName: string): Logger =>
  new Logger({
    serviceName,
    logLevel: (process.env['POWERTOOLS_LOG_LEVEL'] as 'INFO' | undefined) ?? 'INFO',
  });

/** Lambda's partial batch response: the records to retry. */
export const batchResponse = (failedMessageIds: readonly string[]): SQSBatchResponse => ({
  batchItemFailures: failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })),
});

/** When a record was first sent, as ISO 8601 (SQS gives epoch milliseconds). */
export const sentAtOf = (record: SQSRecord): string => {
  const ms = Number(record.attributes.SentTimestamp);
  return new Date(Number.isFinite(ms) && ms > 0 ? ms : Date.now()).toISOString();
};

/** Builds a handler's dependencies once, on first use, so importing a handler module reads no environment. */
export const lazy = <T>(build: () => T): (() => T) => {
  let value: T | undefined;
  return () => (value ??= build());
};
