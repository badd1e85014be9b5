/**
 * Fault injection for local runs and tests (never imported by a handler, so absent from the Lambda
 * bundles): an SDK middleware that fails a share of the calls it sees with the failures AWS produces,
 * throttling, 5xx, timeouts, dropped connections, and a response lost after the service applied the
 * request. It sits inside the SDK's retry middleware, so the SDK retries as it would on AWS; what is
 * left fails the handler's record, which SQS delivers again.
 */
import type { Pluggable } from '@smithy/types';
import { sdkCallOf } from '../adapters/aws-config';

/** The kinds of failure injected. */
export const FAULT_KINDS = [
  'throttle',
  'server-error',
  'timeout',
  'dropped-connection',
  'lost-response',
] as const;
/** One kind of failure. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** What to inject. */
export interface FaultOptions {
  /** Share of the calls that fail, 0 to 1. */
  readonly rate: number;
  /** Seed of the pseudo-random choice: the same seed gives the same sequence of decisions. */
  readonly seed: number;
  readonly kinds?: readonly FaultKind[];
  /** Which calls may fail (default: all), by service (`DynamoDB`, `SQS`, `SNS`) and operation. */
  readonly only?: (service: string, operation: string) => boolean;
}

/** An injector: its plugin, for `AwsConfig.plugins`, and what it did. */
export interface FaultInjector {
  readonly plugin: Pluggable<any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly counts: () => { readonly calls: number; readonly byKind: Readonly<Record<FaultKind, number>> };
}

/** A small seeded pseudo-random generator (mulberry32): numbers in [0, 1). */
export const seededRandom = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** The error the SDK would see for a kind of failure (classified as retryable, as the real one is). */
export const faultError = (kind: FaultKind, operation: string): Error => {
  const error = new Error(`injected ${kind} on ${operation}`) as Error & Record<string, unknown>;
  switch (kind) {
    case 'throttle':
      error.name = 'ThrottlingException';
      error['$metadata'] = { httpStatusCode: 400 };
      break;
    case 'server-error':
      error.name = 'InternalServerError';
      error['$metadata'] = { httpStatusCode: 500 };
      break;
    case 'timeout':
      error.name = 'TimeoutError';
      break;
    case 'dropped-connection':
    case 'lost-response':
      error.name = 'Error';
      error['code'] = 'ECONNRESET';
      break;
  }
  return error;
};

/** Makes an injector; each call it sees fails with probability `rate`, of a kind drawn from `kinds`. */
export const makeFaultInjector = (options: FaultOptions): FaultInjector => {
  if (!(options.rate >= 0 && options.rate <= 1)) throw new Error('the fault rate must be from 0 to 1');
  const kinds = options.kinds ?? FAULT_KINDS;
  const random = seededRandom(options.seed);
  let calls = 0;
  const byKind = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const plugin: Pluggable<any, any> = {
    applyToStack: (stack) => {
      stack.add(
        (next, context) => async (args) => {
          const { service, operation } = sdkCallOf(context);
          calls += 1;
          const eligible = options.only?.(service, operation) ?? true;
          if (!eligible || random() >= options.rate) return next(args);
          const kind = kinds[Math.floor(random() * kinds.length)] ?? 'throttle';
          byKind[kind] += 1;
          if (kind === 'lost-response') await next(args);
          throw faultError(kind, `${service}.${operation}`);
        },
        { step: 'deserialize', name: 'faultInjection', priority: 'high' },
      );
    },
  };
  return { plugin, counts: () => ({ calls, byKind: { ...byKind } }) };
};
