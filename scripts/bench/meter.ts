/**
 * Request counting for the benchmark: one SDK middleware, passed to the embedded stack as
 * `handlerPlugins` (and added to the bench's own sender), that counts every request by service and
 * operation, asks DynamoDB for its consumed capacity, computes the request units AWS would bill, and
 * counts SQS/SNS requests in 64 KB chunks. Handler invocations are recorded from the stack's
 * pollers (`onInvocation`), which know when each batch's handler started and ended, however many
 * batches run at once.
 */
import type { Pluggable } from '@smithy/types';
import type { InvocationRecord } from '../../src/local/event-source-mapping';
import { sdkCallOf } from '../../src/adapters/aws-config';
import {
  CAPACITY_OPERATIONS,
  readRequestUnits,
  reportedUnits,
  WRITE_OPERATIONS,
  writeRequestUnits,
} from './capacity';

/** Counters that only grow; a workload's share is the difference of two snapshots. */
export interface Counters {
  /** Requests by "Service.Operation". */
  requests: Record<string, number>;
  /** SQS requests as billed (64 KB chunks), empty receives excluded. */
  sqsBilled: number;
  sqsEmptyReceives: number;
  /** SNS publish requests as billed (64 KB chunks). */
  snsBilled: number;
  wruComputed: number;
  rruComputed: number;
  writeCapacityReported: number;
  readCapacityReported: number;
  /** DynamoDB responses to requests that accept ReturnConsumedCapacity, and how many carried it. */
  capacityResponses: number;
  capacityResponsesWithUnits: number;
}

/** One handler invocation as the event-source mapping ran it. */
export interface Invocation {
  readonly functionName: string;
  readonly start: number;
  readonly end: number;
  readonly records: number;
  /** The command ids of its records (input message ids; the `commandId` attribute on the cache queue). */
  readonly commandIds: readonly string[];
}

const CHUNK = 64 * 1024;
const chunks = (bytes: number): number => Math.max(1, Math.ceil(bytes / CHUNK));
type Input = Record<string, unknown>;

const attributesSize = (attrs: unknown): number =>
  Object.entries((attrs ?? {}) as Record<string, Input>).reduce(
    (n, [k, v]) =>
      n +
      Buffer.byteLength(k) +
      Buffer.byteLength(String(v['StringValue'] ?? '')) +
      String(v['DataType'] ?? '').length,
    0,
  );

const payloadOf = (operation: string, input: Input): number => {
  const entries = (input['Entries'] ?? input['PublishBatchRequestEntries'] ?? []) as Input[];
  switch (operation) {
    case 'SendMessage':
      return (
        Buffer.byteLength(String(input['MessageBody'] ?? '')) + attributesSize(input['MessageAttributes'])
      );
    case 'SendMessageBatch':
      return entries.reduce(
        (n, e) =>
          n + Buffer.byteLength(String(e['MessageBody'] ?? '')) + attributesSize(e['MessageAttributes']),
        0,
      );
    case 'Publish':
      return Buffer.byteLength(String(input['Message'] ?? '')) + attributesSize(input['MessageAttributes']);
    case 'PublishBatch':
      return entries.reduce(
        (n, e) => n + Buffer.byteLength(String(e['Message'] ?? '')) + attributesSize(e['MessageAttributes']),
        0,
      );
    default:
      return 0;
  }
};

const emptyCounters = (): Counters => ({
  requests: {},
  sqsBilled: 0,
  sqsEmptyReceives: 0,
  snsBilled: 0,
  wruComputed: 0,
  rruComputed: 0,
  writeCapacityReported: 0,
  readCapacityReported: 0,
  capacityResponses: 0,
  capacityResponsesWithUnits: 0,
});

/** The difference of two snapshots. */
export const diffCounters = (after: Counters, before: Counters): Counters => {
  const requests: Record<string, number> = {};
  for (const [k, v] of Object.entries(after.requests)) {
    const d = v - (before.requests[k] ?? 0);
    if (d !== 0) requests[k] = d;
  }
  const out = { ...after, requests };
  for (const k of Object.keys(after) as (keyof Counters)[])
    if (k !== 'requests') (out[k] as number) = (after[k] as number) - (before[k] as number);
  return out;
};

/** The meter: its plugin, snapshots of its counters, and the invocations it saw. */
export interface Meter {
  readonly plugin: Pluggable<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly snapshot: () => Counters;
  readonly invocations: () => readonly Invocation[];
  /** Records one handler invocation, as the stack's pollers report it (`onInvocation`). */
  readonly recordInvocation: (record: InvocationRecord) => void;
}

/** Makes a meter. */
export const makeMeter = (): Meter => {
  const counters = emptyCounters();
  const invocations: Invocation[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const plugin: Pluggable<any, any> = {
    applyToStack: (stack) => {
      stack.add(
        (next, context) => async (args) => {
          const { service, operation } = sdkCallOf(context);
          const input = args.input as Input;
          const key = `${service}.${operation}`;
          counters.requests[key] = (counters.requests[key] ?? 0) + 1;
          if (service === 'DynamoDB' && CAPACITY_OPERATIONS.has(operation))
            (args.input as Input)['ReturnConsumedCapacity'] = 'TOTAL';
          const result = await next(args);
          const output = (result.output ?? {}) as Input;
          if (service === 'DynamoDB') {
            counters.wruComputed += writeRequestUnits(operation, input);
            counters.rruComputed += readRequestUnits(operation, input, output);
            if (CAPACITY_OPERATIONS.has(operation)) {
              counters.capacityResponses += 1;
              const units = reportedUnits(output['ConsumedCapacity']);
              if (units !== undefined) {
                counters.capacityResponsesWithUnits += 1;
                if (WRITE_OPERATIONS.has(operation)) counters.writeCapacityReported += units;
                else counters.readCapacityReported += units;
              }
            }
          }
          if (service === 'SNS') counters.snsBilled += chunks(payloadOf(operation, input));
          if (service === 'SQS') {
            if (operation === 'ReceiveMessage') {
              const messages = (output['Messages'] ?? []) as Input[];
              if (messages.length === 0) counters.sqsEmptyReceives += 1;
              else {
                counters.sqsBilled += chunks(
                  messages.reduce(
                    (n, m) =>
                      n + Buffer.byteLength(String(m['Body'] ?? '')) + attributesSize(m['MessageAttributes']),
                    0,
                  ),
                );
              }
            } else counters.sqsBilled += chunks(payloadOf(operation, input));
          }
          return result;
        },
        { step: 'initialize', name: 'benchMeter', priority: 'high', override: true },
      );
    },
  };
  return {
    plugin,
    snapshot: () => ({ ...counters, requests: { ...counters.requests } }),
    invocations: () => invocations,
    recordInvocation: (record) =>
      invocations.push({
        functionName: record.functionName,
        start: record.startedAt,
        end: record.endedAt,
        records: record.messages.length,
        commandIds: record.messages.map(
          (m) => m.MessageAttributes?.['commandId']?.StringValue ?? m.MessageId ?? '',
        ),
      }),
  };
};
