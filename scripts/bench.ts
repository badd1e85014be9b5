/**
 * The pipeline benchmark: per mode (standard, ordered) starts a fresh embedded stack (or uses the one
 * at --endpoint, in its mode), runs the named workloads, and prints ONE table (also written to
 * bench/results/<timestamp>.json), with the moto baseline (bench/baseline-moto.json) beside it.
 * Usage: npm run bench -- [--workloads users,groups,big-group] [--users N] [--groups N] [--members N]
 *        [--modes standard,ordered] [--quick] [--endpoint URL [--stage S] [--region R]]
 *        [--results-dir DIR] [--save-baseline]
 */
import { parseArgs } from 'node:util';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { hashRawSync } from '@node-rs/argon2';
import { argon2idOptions, makeArgon2idHasher } from '../src/adapters/argon2id';
import { connect, connectRunning } from '../src/local/client';
import { startEmbeddedStack, type EmbeddedStack } from '../src/local/stack';
import { MODES, namesFor, topology, type Mode } from '../src/local/topology';
import { OWASP_ARGON2ID, type PasswordHasher } from '../src/domain/password';
import { costPerMillion, type Prices } from './bench/cost';
import { diffCounters, makeMeter, type Counters, type Invocation, type Meter } from './bench/meter';
import { cpuSnapshot, startRssSampler, stackProcesses } from './bench/procs';
import { renderPreamble, renderTable, workloadKey, type Metrics, type Results } from './bench/report';
import { latencySummary, overallRate, quarterRates } from './bench/stats';
import {
  bigGroupWorkload,
  dlqDepths,
  groupsWorkload,
  usersWorkload,
  WORKLOADS,
  type WorkloadContext,
  type WorkloadName,
  type WorkloadRun,
} from './bench/workloads';
import pricesJson from './bench/prices.json';

const prices: Prices = pricesJson;
// The SDK's Node 22 notice is not a result: keep stderr for progress lines (versions are pinned).
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const { values: args } = parseArgs({
  args: process.argv.slice(2),
  strict: true,
  allowPositionals: false,
  options: {
    quick: { type: 'boolean' },
    'save-baseline': { type: 'boolean' },
    'no-baseline': { type: 'boolean' },
    workloads: { type: 'string' },
    users: { type: 'string' },
    groups: { type: 'string' },
    members: { type: 'string' },
    endpoint: { type: 'string' },
    stage: { type: 'string' },
    region: { type: 'string' },
    'results-dir': { type: 'string' },
    baseline: { type: 'string' },
    'timeout-min': { type: 'string' },
    modes: { type: 'string' },
  },
});
const opt = (name: keyof typeof args): string | undefined => {
  const value = args[name];
  return typeof value === 'string' ? value : undefined;
};
const flag = (name: keyof typeof args): boolean => args[name] === true;
const quick = flag('quick');
const num = (name: 'users' | 'groups' | 'members', full: number, small: number): number => {
  const value = Number(opt(name) ?? (quick ? small : full));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
};
const sizes = {
  users: num('users', 2000, 20),
  groups: num('groups', 1000, 30),
  members: num('members', 10_000, 30),
};
const selected = (opt('workloads') ?? WORKLOADS.join(',')).split(',').map((w) => w.trim()) as WorkloadName[];
for (const w of selected)
  if (!WORKLOADS.includes(w)) throw new Error(`unknown workload ${w} (known: ${WORKLOADS.join(', ')})`);
const endpoint = opt('endpoint');
const stage = opt('stage') ?? 'local';
const region = opt('region') ?? 'us-east-1';
const resultsDir = opt('results-dir') ?? join('bench', 'results');
const baselinePath = opt('baseline') ?? join('bench', 'baseline-moto.json');
const timeoutMs = Number(opt('timeout-min') ?? 30) * 60_000;
const progress = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Window {
  readonly t0: number;
  readonly t1: number;
  readonly counters?: Counters;
  readonly invocations: readonly Invocation[];
  readonly cpuMs: number;
  readonly procCpu: Map<string, number>;
  readonly rss: Map<string, number>;
}

/**
 * Measures the KDF: the production hasher with `cores` hashes in flight (a pool kept full, not rounds
 * that wait for their slowest), and in the same run the bare binding at the same parameters, one
 * hash at a time on one thread: the machine's own single-thread rate, which the users goal is set
 * against.
 */
const measureKdf = async (hasher: PasswordHasher, rounds: number) => {
  const cores = cpus().length;
  const once = async () => {
    const r = await hasher.hash('correct horse battery staple')();
    if (r._tag === 'Left') throw r.left;
  };
  await once();
  const hashes = rounds * cores;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  let started = 0;
  await Promise.all(
    Array.from({ length: cores }, async () => {
      while (started < hashes) {
        started += 1;
        await once();
      }
    }),
  );
  const seconds = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const hashesPerSecond = hashes / seconds;
  const password = Buffer.from('correct horse battery staple', 'utf8');
  const b0 = Date.now();
  for (let i = 0; i < hashes; i += 1) hashRawSync(password, argon2idOptions(OWASP_ARGON2ID, randomBytes(16)));
  return {
    cores,
    hashesPerSecond,
    perCore: hashesPerSecond / cores,
    cpuMsPerHash: (cpu.user + cpu.system) / 1000 / hashes,
    bareSingleThread: hashes / ((Date.now() - b0) / 1000),
  };
};

const openWindow = (meter: Meter | undefined) => {
  let t0 = 0;
  let counters: Counters | undefined;
  let cpu = process.cpuUsage();
  let procs = new Map<string, number>();
  let sampler: ReturnType<typeof startRssSampler> | undefined;
  return {
    begin: () => {
      counters = meter?.snapshot();
      procs = cpuSnapshot();
      sampler = startRssSampler();
      cpu = process.cpuUsage();
      t0 = Date.now();
    },
    end: (): Window => {
      const t1 = Date.now();
      const used = process.cpuUsage(cpu);
      const after = cpuSnapshot();
      const procCpu = new Map([...after].map(([k, v]) => [k, v - (procs.get(k) ?? v)]));
      return {
        t0,
        t1,
        ...(meter === undefined || counters === undefined
          ? {}
          : { counters: diffCounters(meter.snapshot(), counters) }),
        invocations: (meter?.invocations() ?? []).filter((i) => i.start >= t0 && i.start <= t1),
        cpuMs: (used.user + used.system) / 1000,
        procCpu,
        rss: sampler?.stop() ?? new Map(),
      };
    },
  };
};

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

const metricsOf = (
  run: WorkloadRun<Window>,
  kdf: Awaited<ReturnType<typeof measureKdf>>,
  workload: WorkloadName,
  embedded: boolean,
  source: 'reported' | 'computed',
): Metrics => {
  const n = run.done.length;
  const per = (v: number | undefined): number | null => (v === undefined || n === 0 ? null : v / n);
  const ats = run.done.map((d) => d.at);
  const lat = latencySummary(run.done.map((d) => d.at - d.sentAt));
  const q = quarterRates(run.startMs, ats);
  const rate = overallRate(run.startMs, ats) ?? null;
  const w = run.window;
  const c = w.counters;
  const dynamo =
    c === undefined
      ? undefined
      : sum(
          Object.entries(c.requests)
            .filter(([k]) => k.startsWith('DynamoDB.'))
            .map(([, v]) => v),
        );
  const fn = (name: string) => {
    const invs = w.invocations.filter((i) => i.functionName === name);
    return { count: invs.length, ms: sum(invs.map((i) => i.end - i.start)) };
  };
  const mh = fn('messageHandler');
  const ch = fn('cacheHandler');
  const wru = c === undefined ? undefined : source === 'reported' ? c.writeCapacityReported : c.wruComputed;
  const rru = c === undefined ? undefined : source === 'reported' ? c.readCapacityReported : c.rruComputed;
  const cost = costPerMillion(
    {
      ...(embedded
        ? {
            lambda: [
              {
                invocations: mh.count / n,
                ms: mh.ms / n,
                memoryMiB: topology.functions.messageHandler.memoryMiB,
              },
              {
                invocations: ch.count / n,
                ms: ch.ms / n,
                memoryMiB: topology.functions.cacheHandler.memoryMiB,
              },
            ],
          }
        : {}),
      ...(c === undefined
        ? {}
        : {
            sqsRequests: c.sqsBilled / n,
            snsRequests: c.snsBilled / n,
            writeUnits: (wru ?? 0) / n,
            readUnits: (rru ?? 0) / n,
            kmsRequests: 0,
          }),
    },
    prices,
  );
  const m: Metrics = {
    commands: n,
    rejected: run.done.filter((d) => d.status === 'REJECTED').length,
    'cmd/s': rate,
    'cmd/s Q1': q[0] ?? null,
    'cmd/s Q2': q[1] ?? null,
    'cmd/s Q3': q[2] ?? null,
    'cmd/s Q4': q[3] ?? null,
    'latency p50 ms': lat.p50 ?? null,
    'latency p95 ms': lat.p95 ?? null,
    'latency p99 ms': lat.p99 ?? null,
    'KDF ceiling hashes/s': workload === 'users' ? kdf.hashesPerSecond : null,
    'cmd/s ÷ KDF ceiling': workload === 'users' && rate !== null ? rate / kdf.hashesPerSecond : null,
    'cmd/s ÷ (cores × bare KDF)':
      workload === 'users' && rate !== null ? rate / (kdf.cores * kdf.bareSingleThread) : null,
    'DynamoDB requests/cmd': per(dynamo),
    'DynamoDB WRU/cmd (computed)': per(c?.wruComputed),
    'DynamoDB RRU/cmd (computed)': per(c?.rruComputed),
    'DynamoDB capacity reported/cmd':
      c === undefined || c.capacityResponsesWithUnits === 0
        ? null
        : per(c.writeCapacityReported + c.readCapacityReported),
    'SQS requests/cmd': per(c?.sqsBilled),
    'SQS empty receives (not billed here)': c?.sqsEmptyReceives ?? null,
    'SNS requests/cmd': per(c?.snsBilled),
    'messageHandler invocations/cmd': embedded ? per(mh.count) : null,
    'messageHandler ms/cmd': embedded ? per(mh.ms) : null,
    'cacheHandler invocations/cmd': embedded ? per(ch.count) : null,
    'cacheHandler ms/cmd': embedded ? per(ch.ms) : null,
    'CPU ms/cmd bench+handlers excl. KDF': embedded ? per(w.cpuMs - run.hashes * kdf.cpuMsPerHash) : null,
    ...run.extra,
    '$/1M cmds Lambda': cost.lambda ?? null,
    '$/1M cmds SQS': cost.sqs ?? null,
    '$/1M cmds SNS': cost.sns ?? null,
    '$/1M cmds DynamoDB': cost.dynamodb ?? null,
    '$/1M cmds KMS': cost.kms ?? null,
    '$/1M cmds total': cost.total ?? null,
  };
  if (!embedded) return m; // the bench process and its children are not the stack
  for (const [name, ms] of w.procCpu) m[`CPU ms/cmd ${name}`] = per(ms);
  for (const [name, mb] of w.rss) m[`peak RSS MB ${name}`] = mb;
  return m;
};

const engineOf = (embedded: boolean): string => {
  if (!embedded) return `external ${endpoint ?? ''}`;
  const names = stackProcesses().map((p) => p.name);
  const found = [
    ['moto', /moto/],
    ['fauxqs', /fauxqs/],
    ['dynamodb-local', /DynamoDBLocal/],
    ['localstack', /localstack/],
  ].flatMap(([label, re]) => (names.some((n) => (re as RegExp).test(n)) ? [label as string] : []));
  return found.length > 0 ? found.join('+') : 'unknown';
};

/** The mode of the stack running at --endpoint (by which of its input queues exists). */
const runningMode = async (config: { region: string; endpoint: string }): Promise<Mode> => {
  const target = await connectRunning(config, stage);
  target.sqs.destroy();
  target.doc.destroy();
  return target.names.mode;
};

/** The modes to run: --modes, else both embedded, else (--endpoint) the one the stack there runs in. */
const modesOf = (text: string | undefined, running: Mode | undefined): Mode[] => {
  if (text === undefined) return running === undefined ? [...MODES] : [running];
  const asked = text.split(',').map((m) => m.trim());
  for (const m of asked)
    if (!MODES.includes(m as Mode)) throw new Error(`unknown mode ${m} (known: ${MODES.join(', ')})`);
  const modes = [...new Set(asked as Mode[])]; // in the order given: that is the order they run in
  if (running !== undefined && modes.length > 1)
    throw new Error(
      `--endpoint benchmarks the one stack running there, in the mode it was started in (${running}): pass --modes ${running}`,
    );
  if (running !== undefined && modes[0] !== running)
    throw new Error(
      `--modes ${modes[0] ?? ''}: the stack of stage ${stage} at ${endpoint ?? ''} runs in ${running} mode; pass --modes ${running}`,
    );
  return modes;
};

interface Run {
  readonly workload: WorkloadName;
  readonly mode: Mode;
  readonly run: WorkloadRun<Window>;
}

/** Runs the selected workloads in one mode: on a fresh embedded stack, or on the stack at --endpoint. */
const runMode = async (
  mode: Mode,
  hasher: PasswordHasher,
  runId: string,
): Promise<{ engine: string; runs: Run[] }> => {
  const embedded = endpoint === undefined;
  const meter = embedded ? makeMeter() : undefined;
  let stack: EmbeddedStack | undefined;
  if (embedded) {
    progress(`starting the embedded stack (${mode} mode)`);
    stack = await startEmbeddedStack({
      stage,
      region,
      mode,
      logLevel: 'SILENT',
      handlerPlugins: [meter?.plugin].filter((p) => p !== undefined),
      ...(meter === undefined ? {} : { onInvocation: meter.recordInvocation }),
    });
  }
  const config = stack?.config ?? { region, endpoint: endpoint ?? '' };
  const names = stack?.names ?? namesFor(stage, mode);
  const target = connect(config, stage, names);
  const metered =
    meter === undefined ? undefined : connect({ ...config, plugins: [meter.plugin] }, stage, names);
  const engine = engineOf(embedded);
  try {
    const ctx: WorkloadContext<Window> = {
      target: {
        sqs: metered?.sqs ?? target.sqs,
        inputUrl: await target.queueUrl('input'),
        doc: target.doc,
        table: target.names.table,
      },
      sqs: target.sqs,
      doc: target.doc,
      dlqUrls: { input: await target.queueUrl('inputDlq'), cache: await target.queueUrl('cacheDlq') },
      hasher,
      runId,
      timeoutMs,
      window: () => openWindow(meter),
      invocationsOf: (commandId) => {
        if (meter === undefined) return undefined;
        const invs = meter
          .invocations()
          .filter((i) => i.functionName === 'cacheHandler' && i.commandIds.includes(commandId));
        return {
          count: invs.length,
          longestMs: Math.max(0, ...invs.map((i) => i.end - i.start)),
          lastEndMs: Math.max(0, ...invs.map((i) => i.end)),
        };
      },
    };
    const runs: Run[] = [];
    for (const w of WORKLOADS.filter((x) => selected.includes(x))) {
      const key = workloadKey(w, mode);
      progress(`workload ${key}`);
      const started = Date.now();
      const run =
        w === 'users'
          ? await usersWorkload(ctx, sizes.users)
          : w === 'groups'
            ? await groupsWorkload(ctx, sizes.groups)
            : await bigGroupWorkload(ctx, sizes.members);
      runs.push({ workload: w, mode, run: { ...run, extra: { ...run.extra, ...(await dlqDepths(ctx)) } } });
      progress(`workload ${key} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    return { engine, runs };
  } finally {
    for (const t of [target, metered]) {
      t?.sqs.destroy();
      t?.doc.destroy();
    }
    await stack?.stop();
  }
};

const main = async (): Promise<void> => {
  const embedded = endpoint === undefined;
  const running = embedded ? undefined : await runningMode({ region, endpoint });
  const modes = modesOf(opt('modes'), running);
  const loadAtStart = loadavg()[0] ?? 0;
  const hasher = makeArgon2idHasher(OWASP_ARGON2ID);
  progress(`KDF: hashing with ${cpus().length} in flight`);
  const kdf = await measureKdf(hasher, quick ? 2 : 20);
  const runId = Date.now().toString(36);
  const byMode = [];
  for (const mode of modes) byMode.push(await runMode(mode, hasher, runId));
  const runs = byMode.flatMap((m) => m.runs);
  // the table puts each workload's modes side by side
  const rank = (r: Run) => WORKLOADS.indexOf(r.workload) * MODES.length + MODES.indexOf(r.mode);
  runs.sort((a, b) => rank(a) - rank(b));
  const all = runs.map((r) => r.run.window.counters).filter((c) => c !== undefined);
  const source =
    all.length > 0 &&
    all.every((c) => c.capacityResponses > 0 && c.capacityResponsesWithUnits === c.capacityResponses)
      ? 'reported'
      : 'computed';
  const results: Results = {
    date: new Date().toISOString(),
    engine: byMode[0]?.engine ?? 'unknown',
    mode: embedded ? 'embedded' : 'endpoint',
    node: process.version,
    cpus: cpus().length,
    loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
    sizes: Object.fromEntries(
      selected.map((w) =>
        w === 'users'
          ? ['users', sizes.users]
          : w === 'groups'
            ? ['groups', sizes.groups]
            : ['big-group members', sizes.members],
      ),
    ),
    kdf: { ...kdf, hasher: 'makeArgon2idHasher(OWASP_ARGON2ID), src/adapters/argon2id.ts' },
    writeUnitsSource: source,
    prices: { recorded: prices.recorded, reReadToday: prices.reReadToday },
    modes,
    workloads: Object.fromEntries(
      runs.map((r) => [workloadKey(r.workload, r.mode), metricsOf(r.run, kdf, r.workload, embedded, source)]),
    ),
  };
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${results.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  if (flag('save-baseline')) writeFileSync(baselinePath, `${JSON.stringify(results, null, 2)}\n`);
  const baseline =
    !flag('save-baseline') && !flag('no-baseline') && existsSync(baselinePath)
      ? (JSON.parse(readFileSync(baselinePath, 'utf8')) as Results)
      : undefined;
  console.log([...renderPreamble(results, baseline), '', renderTable(results, baseline)].join('\n'));
  progress(`written ${file}`);
};

main().catch((error: unknown) => {
  process.stderr.write(
    `[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
