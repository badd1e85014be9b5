/**
 * Delivery faults for local runs and tests (never imported by a handler): the at-least-once and
 * out-of-order deliveries SQS and SNS are allowed to make, injected by an SDK middleware on the
 * workers' clients, and a kill switch that cuts a worker off at once, as a crash would.
 *
 * - duplicate: a received message is handed again, with the same id, body, attributes and receipt
 *   handle, in a later receive (so to another invocation, possibly concurrent with the first); and a
 *   publish to the topic is sent twice (SNS delivers it twice to the cache queue, same body);
 * - delay: a received message is held back for a random bounded time before it is handed over, so
 *   it is overtaken by messages received after it (it stays in flight in SQS meanwhile, so a worker
 *   that dies while holding it loses nothing: SQS redelivers it after its visibility timeout).
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { Pluggable } from '@smithy/types';
import { seededRandom } from './faults';
import { sdkCallOf } from '../adapters/aws-config';

/** What to inject. */
export interface DeliveryFaultOptions {
  /** Share of received messages delivered twice, and of publishes sent twice, 0 to 1. */
  readonly duplicateRate: number;
  /** Share of received messages held back before delivery, 0 to 1. */
  readonly delayRate: number;
  /** Longest hold, in milliseconds (keep it below the queues' visibility timeout). */
  readonly maxDelayMs: number;
  /** Seed of the pseudo-random choices. */
  readonly seed: number;
  /**
   * False: received messages are never handed twice, only publishes are duplicated (default true).
   * A FIFO queue never hands a message again once it was deleted, let alone behind later messages of
   * its group, so the ordered mode's tests turn receive duplicates off.
   */
  readonly duplicateReceives?: boolean;
}

/** What a delivery-fault injector did. */
export interface DeliveryCounts {
  /** Messages received from SQS (copies handed again not included). */
  readonly received: number;
  /** Received messages SQS had delivered before (ApproximateReceiveCount above 1). */
  readonly redeliveries: number;
  /** Copies handed to a second invocation. */
  readonly duplicatedReceives: number;
  /** Publishes sent a second time. */
  readonly duplicatedPublishes: number;
  /** Messages held back before delivery. */
  readonly delayed: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyPluggable = Pluggable<any, any>;

/** An injector: its plugin, for `handlerPlugins`, and what it did. */
export interface DeliveryFaults {
  readonly plugin: AnyPluggable;
  readonly counts: () => DeliveryCounts;
}

interface Held {
  readonly queueUrl: string;
  readonly message: Message;
  readonly due: number;
  /** A copy of a message already handed over (a duplicate), rather than a held-back original. */
  readonly copy: boolean;
}

/** Makes a delivery-fault injector. */
export const makeDeliveryFaults = (options: DeliveryFaultOptions): DeliveryFaults => {
  for (const [name, rate] of [
    ['duplicate', options.duplicateRate],
    ['delay', options.delayRate],
  ] as const)
    if (!(rate >= 0 && rate <= 1)) throw new Error(`the ${name} rate must be from 0 to 1`);
  if (!(options.maxDelayMs >= 0)) throw new Error('the longest delay must be 0 ms or more');
  const random = seededRandom(options.seed);
  const duplicateReceives = options.duplicateReceives ?? true;
  const held: Held[] = [];
  const counts = { received: 0, redeliveries: 0, duplicatedReceives: 0, duplicatedPublishes: 0, delayed: 0 };

  /** Shapes one receive: some messages held back, some copied for later, and those held before and due now handed over. */
  const shape = (queueUrl: string, max: number, messages: readonly Message[]): Message[] => {
    const out: Message[] = [];
    const fresh: Held[] = [];
    const hold = (message: Message, copy: boolean) =>
      fresh.push({ queueUrl, message, copy, due: Date.now() + Math.floor(random() * options.maxDelayMs) });
    for (const message of messages) {
      counts.received += 1;
      if (Number(message.Attributes?.['ApproximateReceiveCount'] ?? 1) > 1) counts.redeliveries += 1;
      const draw = random();
      if (draw < options.delayRate) {
        counts.delayed += 1;
        hold(message, false);
        continue;
      }
      out.push(message);
      if (duplicateReceives && draw < options.delayRate + options.duplicateRate) hold(message, true);
    }
    const now = Date.now();
    for (let i = 0; i < held.length && out.length < max;) {
      const h = held[i] as Held;
      if (h.queueUrl !== queueUrl || h.due > now) {
        i += 1;
        continue;
      }
      held.splice(i, 1);
      if (h.copy) counts.duplicatedReceives += 1;
      out.push(h.message);
    }
    held.push(...fresh);
    return out;
  };
  const plugin: AnyPluggable = {
    applyToStack: (stack) => {
      stack.add(
        (next, context) => async (args) => {
          const { operation } = sdkCallOf(context);
          const input = args.input as { QueueUrl?: string; MaxNumberOfMessages?: number };
          if (operation === 'PublishBatch' || operation === 'Publish') {
            const result = await next(args);
            if (random() < options.duplicateRate) {
              counts.duplicatedPublishes += 1;
              await next(args).catch(() => undefined);
            }
            return result;
          }
          if (operation !== 'ReceiveMessage') return next(args);
          const result = await next(args);
          const output = result.output as { Messages?: Message[] };
          output.Messages = shape(
            input.QueueUrl ?? '',
            input.MaxNumberOfMessages ?? 10,
            output.Messages ?? [],
          );
          return result;
        },
        { step: 'initialize', name: 'deliveryFaults', priority: 'high' },
      );
    },
  };
  return { plugin, counts: () => ({ ...counts }) };
};

/** A kill switch: once thrown, every request of the clients it is plugged into fails before it is sent,
 * and every response still on its way is discarded, so the worker has no further effect, as after SIGKILL. */
export interface KillSwitch {
  readonly plugin: AnyPluggable;
  readonly kill: () => void;
}

/** Makes a kill switch. */
export const makeKillSwitch = (): KillSwitch => {
  let killed = false;
  const dead = (operation: string) =>
    Object.assign(new Error(`worker killed: ${operation} not sent`), { name: 'WorkerKilled' });
  const plugin: AnyPluggable = {
    applyToStack: (stack) => {
      stack.add(
        (next, context) => async (args) => {
          if (killed) throw dead(sdkCallOf(context).operation);
          const result = await next(args);
          if (killed) throw dead(sdkCallOf(context).operation);
          return result;
        },
        { step: 'deserialize', name: 'killSwitch', priority: 'high' },
      );
    },
  };
  return { plugin, kill: () => (killed = true) };
};
