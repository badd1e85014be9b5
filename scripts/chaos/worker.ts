/**
 * One worker process of `npm run chaos -- --process-kills`: the workers under SDK faults and
 * duplicated and delayed deliveries, against a running stack, reporting what they injected to the
 * parent over IPC every 100 ms until the parent kills them with SIGKILL (or asks them to stop).
 * Argument: the JSON of `WorkerProcessConfig`.
 */
import { startChaosWorkers } from '../../src/local/chaos-workers';
import { resolveTopology } from '../../src/local/workers';
import { unsafeTestHasher } from '../../test/support/unsafe-kdf';

/** What the parent tells a worker process. */
export interface WorkerProcessConfig {
  readonly endpoint: string;
  readonly stage: string;
  readonly region: string;
  readonly faultRate: number;
  readonly duplicateRate: number;
  readonly delayRate: number;
  readonly maxDelayMs: number;
  readonly seed: number;
  readonly settleWindowSeconds: number;
}

const main = async () => {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerProcessConfig;
  const aws = { region: config.region, endpoint: config.endpoint };
  const provisioned = await resolveTopology(aws, config.stage);
  const workers = startChaosWorkers(aws, provisioned, {
    faultRate: config.faultRate,
    duplicateRate: config.duplicateRate,
    delayRate: config.delayRate,
    maxDelayMs: config.maxDelayMs,
    seed: config.seed,
    settleWindowSeconds: config.settleWindowSeconds,
    hasher: unsafeTestHasher(),
    logLevel: 'SILENT',
    waitSeconds: 1,
    retryAfterSeconds: 0,
  });
  const report = () => process.send?.({ kind: 'counts', counts: workers.counts() });
  const timer = setInterval(report, 100);
  process.send?.({ kind: 'ready' });
  process.on('message', (message: { kind?: string }) => {
    if (message.kind !== 'stop') return;
    clearInterval(timer);
    void workers
      .stop()
      .then(() =>
        process.send?.({ kind: 'counts', counts: workers.counts() }, undefined, {}, () => process.exit(0)),
      );
  });
};

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
main().catch((error: unknown) => {
  process.stderr.write(`chaos worker: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
