import * as E from 'fp-ts/Either';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { rejectionItem, type CommandRecordFields } from '../domain/model';
import type { RejectionStore, RejectionWrite } from '../domain/store';

/** The structured JSON logger every handler writes its one line per command outcome with. */
export const makeLogger = (serviceName: string, logLevel?: string): Logger =>
  new Logger({
    serviceName,
    logLevel: (logLevel ?? process.env['POWERTOOLS_LOG_LEVEL'] ?? 'INFO') as 'INFO',
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

/**
 * Stores a handler's rejection record (the one way both handlers record a refused message).
 * ok: written now or already there. Not ok (the store failed, or threw): the record must be retried.
 */
export const storeRejection = async (
  store: RejectionStore,
  fields: Omit<CommandRecordFields, 'at'> & { readonly reasons: readonly string[] },
): Promise<{ ok: true; written: RejectionWrite } | { ok: false; error: string }> => {
  try {
    const result = await store.recordRejection(rejectionItem({ ...fields, at: new Date().toISOString() }))();
    return E.isRight(result)
      ? { ok: true, written: result.right }
      : { ok: false, error: String(result.left) };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
};
