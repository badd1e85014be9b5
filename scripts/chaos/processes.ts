/**
 * Workers in their own process, killed with SIGKILL (`npm run chaos -- --process-kills`): the same
 * interface as the in-process chaos workers, with crashes that are real process deaths.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ChaosCounts, ChaosWorkers } from '../../src/local/chaos-workers';
import { FAULT_KINDS } from '../../src/local/faults';
import type { WorkerProcessConfig } from './worker';

type Counts = Omit<ChaosCounts, 'kills'>;

const sum = (all: readonly Counts[]): Counts => ({
  sdkCalls: all.reduce((n, c) => n + c.sdkCalls, 0),
  faults: Object.fromEntries(
    FAULT_KINDS.map((k) => [k, all.reduce((n, c) => n + c.faults[k], 0)]),
  ) as Counts['faults'],
  received: all.reduce((n, c) => n + c.received, 0),
  redeliveries: all.reduce((n, c) => n + c.redeliveries, 0),
  duplicatedReceives: all.reduce((n, c) => n + c.duplicatedReceives, 0),
  duplicatedPublishes: all.reduce((n, c) => n + c.duplicatedPublishes, 0),
  delayed: all.reduce((n, c) => n + c.delayed, 0),
});

const exitOf = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));

/**
 * Starts the workers in a child process. What a killed process injected since its last report (at
 * most 100 ms of work) is not counted: the counts of a run with process kills are lower bounds.
 */
export const startProcessWorkers = (config: WorkerProcessConfig): ChaosWorkers => {
  const reported = new Map<ChildProcess, Counts>();
  let generation = 0;
  let kills = 0;
  const start = (): ChildProcess => {
    const seed = (config.seed + generation * 104_729) >>> 0;
    generation += 1;
    const child = fork(join(__dirname, 'worker.ts'), [JSON.stringify({ ...config, seed })], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.on('message', (m: { kind?: string; counts?: Counts }) => {
      if (m.kind === 'counts' && m.counts !== undefined) reported.set(child, m.counts);
    });
    return child;
  };
  let live = start();
  const dead: Promise<void>[] = [];
  return {
    crash: () => {
      dead.push(exitOf(live));
      live.kill('SIGKILL');
      kills += 1;
      live = start();
    },
    counts: () => ({ ...sum([...reported.values()]), kills }),
    stop: async () => {
      const exited = exitOf(live);
      if (live.connected) live.send({ kind: 'stop' });
      else live.kill('SIGTERM');
      await exited;
      await Promise.all(dead);
    },
  };
};
