/**
 * Workers under chaos (local runs and tests only): the handlers and pollers of `startWorkers`, their
 * SDK calls failed by the fault injector, their deliveries duplicated and delayed, and the whole
 * worker crashed on demand and started again, as often as asked.
 */
import type { AwsConfig } from '../adapters/aws-config';
import { makeDeliveryFaults, makeKillSwitch, type DeliveryCounts } from './delivery-faults';
import { FAULT_KINDS, makeFaultInjector, type FaultKind } from './faults';
import type { Provisioned } from './provision';
import { startWorkers, type WorkerOptions, type Workers } from './workers';

/** What to inject into the workers. */
export interface ChaosOptions extends Omit<WorkerOptions, 'handlerPlugins'> {
  /** Share of SDK calls failed (throttling, 5xx, timeouts, dropped connections, lost responses). */
  readonly faultRate: number;
  readonly duplicateRate: number;
  readonly delayRate: number;
  readonly maxDelayMs: number;
  /** False: only publishes are duplicated, never received messages (FIFO queues; default true). */
  readonly duplicateReceives?: boolean;
  /** Seed of every random choice; each incarnation of the workers derives its own from it. */
  readonly seed: number;
}

/** What the chaos did so far, summed over every incarnation of the workers. */
export interface ChaosCounts extends DeliveryCounts {
  readonly sdkCalls: number;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly kills: number;
}

/** Workers under chaos. */
export interface ChaosWorkers {
  /** Crashes the workers at once (no request sent and no response read after this) and starts new ones. */
  readonly crash: () => void;
  readonly counts: () => ChaosCounts;
  /** Stops the live workers and waits for the crashed ones to wind down. */
  readonly stop: () => Promise<void>;
}

interface Incarnation {
  readonly workers: Workers;
  readonly kill: () => void;
  readonly counts: () => Omit<ChaosCounts, 'kills'>;
}

const zero = (): Omit<ChaosCounts, 'kills'> => ({
  sdkCalls: 0,
  faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
  received: 0,
  redeliveries: 0,
  duplicatedReceives: 0,
  duplicatedPublishes: 0,
  delayed: 0,
});

const add = (a: Omit<ChaosCounts, 'kills'>, b: Omit<ChaosCounts, 'kills'>): Omit<ChaosCounts, 'kills'> => ({
  sdkCalls: a.sdkCalls + b.sdkCalls,
  faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, a.faults[k] + b.faults[k]])) as Record<
    FaultKind,
    number
  >,
  received: a.received + b.received,
  redeliveries: a.redeliveries + b.redeliveries,
  duplicatedReceives: a.duplicatedReceives + b.duplicatedReceives,
  duplicatedPublishes: a.duplicatedPublishes + b.duplicatedPublishes,
  delayed: a.delayed + b.delayed,
});

/** Starts workers under chaos against a stack's topology (one started with `workers: false`). */
export const startChaosWorkers = (
  config: AwsConfig & { readonly endpoint: string },
  provisioned: Provisioned,
  options: ChaosOptions,
): ChaosWorkers => {
  const { faultRate, duplicateRate, delayRate, maxDelayMs, seed, duplicateReceives, ...workerOptions } =
    options;
  let generation = 0;
  const start = (): Incarnation => {
    const derived = (seed + generation * 7919) >>> 0;
    generation += 1;
    const faults = makeFaultInjector({ rate: faultRate, seed: derived });
    const delivery = makeDeliveryFaults({
      duplicateRate,
      delayRate,
      maxDelayMs,
      seed: derived ^ 0x5bd1e995,
      ...(duplicateReceives === undefined ? {} : { duplicateReceives }),
    });
    const killSwitch = makeKillSwitch();
    const workers = startWorkers(config, provisioned, {
      ...workerOptions,
      handlerPlugins: [killSwitch.plugin, faults.plugin, delivery.plugin],
    });
    return {
      workers,
      kill: killSwitch.kill,
      counts: () => {
        const f = faults.counts();
        return { ...delivery.counts(), sdkCalls: f.calls, faults: f.byKind };
      },
    };
  };
  let live = start();
  const dead: Incarnation[] = [];
  const stopping: Promise<void>[] = [];
  return {
    crash: () => {
      live.kill();
      dead.push(live);
      stopping.push(live.workers.stop().catch(() => undefined));
      live = start();
    },
    counts: () => ({ ...[...dead, live].map((i) => i.counts()).reduce(add, zero()), kills: dead.length }),
    stop: async () => {
      await live.workers.stop();
      await Promise.all(stopping);
    },
  };
};
