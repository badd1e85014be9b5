import topologyJson from '../../topology.json';

/** The topology that serverless.yml deploys and the embedded runtime provisions (topology.json). */
export const topology = topologyJson;

/** The four queues of the topology. */
export type QueueName = keyof typeof topology.queues;

/** The physical names of a stage's resources, as serverless.yml names them. */
export interface StageNames {
  readonly stage: string;
  readonly queues: Record<QueueName, string>;
  readonly topic: string;
  readonly table: string;
}

/** Names resources `<service>-<stage>-<suffix>`, exactly as serverless.yml does. */
export const namesFor = (stage: string): StageNames => {
  const name = (suffix: string) => `${topology.service}-${stage}-${suffix}`;
  return {
    stage,
    queues: {
      input: name(topology.queues.input.suffix),
      inputDlq: name(topology.queues.inputDlq.suffix),
      cache: name(topology.queues.cache.suffix),
      cacheDlq: name(topology.queues.cacheDlq.suffix),
    },
    topic: name(topology.topic.suffix),
    table: name(topology.table.suffix),
  };
};
