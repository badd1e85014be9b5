import topologyJson from '../../topology.json';

/** The topology that serverless.yml deploys and the embedded runtime provisions (topology.json). */
export const topology = topologyJson;

/** The four queues of the topology. */
export type QueueName = keyof typeof topology.queues;

/**
 * How a stage carries commands: `standard` queues and topic (the default: throughput, at-least-once,
 * no order), or `ordered`: FIFO queues and a FIFO topic, every command in one message group.
 */
export type Mode = 'standard' | 'ordered';

/** The modes, for argument checking. */
export const MODES: readonly Mode[] = ['standard', 'ordered'];

/** The mode topology.json gives a stage (`ordering.stages`), else `ordering.default`. */
export const modeOf = (stage: string): Mode => {
  const stages: Record<string, string | undefined> = topology.ordering.stages;
  const mode = stages[stage] ?? topology.ordering.default;
  if (mode !== 'standard' && mode !== 'ordered') throw new Error(`topology.json: unknown mode ${mode}`);
  return mode;
};

/** The physical names of a stage's resources, as serverless.yml names them. */
export interface StageNames {
  readonly stage: string;
  readonly mode: Mode;
  readonly queues: Record<QueueName, string>;
  readonly topic: string;
  readonly table: string;
}

/**
 * Names resources `<service>-<stage>-<suffix>`, exactly as serverless.yml does; in ordered mode the
 * queues and the topic end in `.fifo`, as SQS and SNS require of FIFO resources.
 */
export const namesFor = (stage: string, mode: Mode = modeOf(stage)): StageNames => {
  const fifo = mode === 'ordered' ? '.fifo' : '';
  const name = (suffix: string) => `${topology.service}-${stage}-${suffix}`;
  const queue = (suffix: string) => `${name(suffix)}${fifo}`;
  return {
    stage,
    mode,
    queues: {
      input: queue(topology.queues.input.suffix),
      inputDlq: queue(topology.queues.inputDlq.suffix),
      cache: queue(topology.queues.cache.suffix),
      cacheDlq: queue(topology.queues.cacheDlq.suffix),
    },
    topic: queue(topology.topic.suffix),
    table: name(topology.table.suffix),
  };
};
