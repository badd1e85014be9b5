/**
 * `npm run dev`: the developer loop. The embedded stack's emulators run for the whole session, with
 * the table kept in a project-local directory (default `.dev-data/`); the workers run in a child
 * process that is replaced, with the code then on disk, whenever a file under src/ changes; a watch
 * typecheck prints type errors beside them without stopping anything.
 */
import { watch } from 'node:fs';
import { join, relative } from 'node:path';
import { pollUntil } from '../adapters/poll-until';
import { makeSqsClient, queueAttributes } from '../adapters/sqs';
import { restoreCacheDlq, saveCacheDlq } from './dlq-store';
import {
  forkWorkerHost,
  runGuarded,
  tscArgv,
  workersArgs,
  type LineProcess,
  type WorkerHost,
} from './dev-processes';
import { startEmbeddedStack, type EmbeddedStack } from './stack';
import type { LogLevel } from './cli-commands';

/** How to run the dev loop. */
export interface DevOptions {
  /** The project whose src/ is watched and whose workers run. */
  readonly root: string;
  readonly port: number;
  readonly dataDir: string;
  readonly logLevel: LogLevel;
  /** The queues' visibility timeout (default topology.json's): shorter retries and DLQs sooner. */
  readonly visibilityTimeoutSeconds?: number;
  /** Run the watch typecheck (default true). */
  readonly typecheck: boolean;
  /** Where the dev loop's own lines go. */
  readonly log: (line: string) => void;
}

/** A running dev loop. */
export interface Dev {
  readonly stack: EmbeddedStack;
  /**
   * Drains the queues through the current workers, keeps the cache DLQ in the data directory, stops
   * the workers, the typecheck and the emulators.
   */
  readonly stop: () => Promise<{ drained: boolean; keptInCacheDlq: number; lostInDlqs: number }>;
}

const DEBOUNCE_MS = 100;
const READY = 'Workers polling';
const CODE = /\.(ts|mts|cts|js|mjs|cjs|json)$/;

const waiting = async (sqs: ReturnType<typeof makeSqsClient>, url: string): Promise<number> => {
  const a = await queueAttributes(sqs, url);
  return [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ]
    .map((name) => Number(a[name] ?? 0))
    .reduce((x, y) => x + y, 0);
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Starts the dev loop: emulators with kept data, workers reloaded on change, the watch typecheck. */
export const startDev = async (options: DevOptions): Promise<Dev> => {
  const { root, log } = options;
  const stack = await startEmbeddedStack({
    port: options.port,
    dataDir: options.dataDir,
    workers: false,
    logLevel: options.logLevel,
    ...(options.visibilityTimeoutSeconds === undefined
      ? {}
      : { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }),
  });
  const keptDlq = join(options.dataDir, 'cache-dlq.json');
  const setupSqs = makeSqsClient(stack.config);
  const restored = await restoreCacheDlq(setupSqs, stack.queueUrls.cacheDlq, keptDlq).finally(() =>
    setupSqs.destroy(),
  );
  if (restored > 0) log(`[dev] ${restored} message(s) of the last session put back in the cache DLQ`);
  const target = { endpoint: stack.config.endpoint, stage: stack.names.stage, region: stack.config.region };
  const forward = (line: string) => process.stdout.write(`${line}\n`);
  let workers: LineProcess | undefined;
  let workersUp = false;
  let stopping = false;

  let standby: WorkerHost | undefined;
  const startWorkers = async (): Promise<boolean> => {
    const host = standby ?? forkWorkerHost(root, forward);
    standby = undefined;
    workers = host;
    void host.exited.then((code) => {
      if (workers !== host) return;
      workersUp = false;
      if (!stopping)
        log(
          `[dev] the workers exited (code ${String(code)}); fix the code, they start again on the next save`,
        );
    });
    const ready = host
      .lineMatching((line) => line.startsWith(READY))
      .then(
        () => (workersUp = true),
        () => false,
      );
    const warm = await host.warm.then(
      () => true,
      () => false,
    );
    if (warm) host.run(workersArgs(target, options.logLevel));
    const ok = warm && (await ready);
    // The next reload's host loads its dependencies now, while nothing changes.
    if (!stopping) standby = forkWorkerHost(root, forward);
    return ok;
  };

  let pending: string[] = [];
  let firstChangeAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> = Promise.resolve();
  const reload = async (files: readonly string[], since: number): Promise<void> => {
    if (stopping) return;
    const old = workers;
    workers = undefined;
    // SIGTERM: the old workers stop receiving at once, and their batches in flight finish meanwhile.
    const stopped = old?.stop();
    const ok = await startWorkers();
    const what = files.length === 1 ? files[0] : `${files.length} files`;
    if (ok) log(`[dev] reloaded the workers in ${Date.now() - since} ms (${what})`);
    await stopped;
  };
  const watcher = watch(join(root, 'src'), { recursive: true }, (_event, file) => {
    // Code and data files only: an editor's swap and backup files change nothing.
    if (file === null || stopping || !CODE.test(file.toString())) return;
    if (pending.length === 0) firstChangeAt = Date.now();
    const name = relative(root, join(root, 'src', file.toString()));
    if (!pending.includes(name)) pending.push(name);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = pending;
      const since = firstChangeAt;
      pending = [];
      reloading = reloading.then(() => reload(files, since));
    }, DEBOUNCE_MS);
  });
  watcher.on('error', (error) => log(`[dev] watching src/ failed (${error.message}); reloads stop`));

  const typecheck = options.typecheck
    ? runGuarded(
        tscArgv(root, ['--noEmit', '--watch', '--preserveWatchOutput', '--pretty', 'false', '-p', root]),
        {
          cwd: root,
          onLine: (line) => {
            if (line.trim() !== '') log(`[typecheck] ${line.replace(/^\d\d?:\d\d:\d\d( [AP]M)? - /, '')}`);
          },
        },
      )
    : undefined;

  const started = Date.now();
  if (!(await startWorkers()))
    log('[dev] the workers did not start; fix the code, they start again on the next save');
  else log(`[dev] workers started in ${seconds(Date.now() - started)}`);

  const stop = async () => {
    stopping = true;
    watcher.close();
    clearTimeout(timer);
    await reloading;
    const sqs = makeSqsClient(stack.config);
    const drained = await pollUntil(
      async () =>
        (await waiting(sqs, stack.queueUrls.input)) + (await waiting(sqs, stack.queueUrls.cache)) === 0
          ? true
          : undefined,
      { timeoutMs: workersUp ? 30_000 : 0, what: 'the queues to drain', initialDelayMs: 25 },
    ).catch(() => false);
    const kept = await saveCacheDlq(sqs, stack.queueUrls.cacheDlq, keptDlq);
    const lostInDlqs = (await waiting(sqs, stack.queueUrls.inputDlq)) + kept.dropped;
    sqs.destroy();
    await Promise.all([workers?.stop(), standby?.stop(), typecheck?.stop()]);
    await stack.stop();
    return { drained, keptInCacheDlq: kept.saved, lostInDlqs };
  };
  return { stack, stop };
};
