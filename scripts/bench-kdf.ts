/**
 * KDF benchmark, in one run on this machine:
 * 1. median wall and CPU time per hash, one at a time, of the production Argon2id (native
 *    `@node-rs/argon2`) next to the previous WebAssembly build (hash-wasm, a devDependency kept for
 *    this row), the cheap test parameters and scrypt from node:crypto;
 * 2. throughput of the production hasher with 1, 2, 4, 10 and 40 hashes in flight against the
 *    ceiling = cores x hashes/s per core, with the cores the process got, how many of its threads
 *    wanted a core at once (hashes in flight run side by side on the libuv threadpool) and peak RSS;
 * 3. the bare binding next to the production hasher at 1, cores and 2 x cores in flight (CPU per hash,
 *    page faults), with the machine's last-level cache beside the derivation's 19 MiB;
 * 4. Lambda cost per hash (GB-ms) for candidate memory sizes, from the measured CPU ms per hash.
 * Usage: npm run bench:kdf [-- --runs N]
 */
import { randomBytes, scrypt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { hashRaw, hashRawSync } from '@node-rs/argon2';
import { argon2id as wasmArgon2id } from 'hash-wasm';
import { argon2idOptions, makeArgon2idHasher } from '../src/adapters/argon2id';
import { OWASP_ARGON2ID, type Argon2idParams } from '../src/domain/password';
import { UNSAFE_TEST_ONLY_ARGON2ID } from '../test/support/unsafe-kdf';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;
const CORES = availableParallelism();
const PASSWORD = 'correct horse battery staple';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

/** Median wall time and median process CPU time (all threads) of one call, after a warm-up. */
const measure = async (run: () => Promise<unknown>): Promise<{ wallMs: number; cpuMs: number }> => {
  await run();
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    await run();
    walls.push(performance.now() - start);
    const cpu = process.cpuUsage(cpu0);
    cpus.push((cpu.user + cpu.system) / 1000);
  }
  return { wallMs: median(walls), cpuMs: median(cpus) };
};

const nativeHash = (params: Argon2idParams) => {
  const hasher = makeArgon2idHasher(params, { unsafeAllowWeakParamsForTests: true });
  return async (): Promise<void> => {
    const r = await hasher.hash(PASSWORD)();
    if (r._tag === 'Left') throw r.left;
  };
};

const wasmHash = async (): Promise<void> => {
  await wasmArgon2id({
    password: PASSWORD,
    salt: randomBytes(16),
    iterations: OWASP_ARGON2ID.iterations,
    parallelism: OWASP_ARGON2ID.parallelism,
    memorySize: OWASP_ARGON2ID.memoryKiB,
    hashLength: 32,
    outputType: 'binary',
  });
};

const scryptHash = (logN: number) => (): Promise<void> =>
  new Promise<void>((resolve, reject) =>
    scrypt(PASSWORD, randomBytes(16), 32, { N: 2 ** logN, r: 8, p: 1, maxmem: 256 * 2 ** 20 }, (e) =>
      e ? reject(e) : resolve(),
    ),
  );

/**
 * Per thread of this process, nanoseconds on a core and waiting for one (Linux schedstat). Their sum
 * over wall time is how many threads wanted a core at once: it shows hashes running side by side
 * even when other processes leave this one less than a core.
 */
const schedTotals = (): { runNs: number; readyNs: number } | undefined => {
  try {
    let runNs = 0;
    let readyNs = 0;
    for (const task of readdirSync('/proc/self/task')) {
      const [run = 0, wait = 0] = readFileSync(`/proc/self/task/${task}/schedstat`, 'utf8')
        .split(' ')
        .map(Number);
      runNs += run;
      readyNs += run + wait;
    }
    return { runNs, readyNs };
  } catch {
    return undefined;
  }
};

/** Runs `total` hashes with `k` in flight: hashes/s, cores used, threads wanting a core, peak RSS. */
const inFlight = async (k: number, total: number, one: () => Promise<void>) => {
  let started = 0;
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 2);
  const sched0 = schedTotals();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (started < total) {
      started += 1;
      await one();
    }
  };
  await Promise.all(Array.from({ length: k }, worker));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const sched1 = schedTotals();
  clearInterval(sampler);
  return {
    perSecond: total / (wallMs / 1000),
    coresBusy: (cpu.user + cpu.system) / 1000 / wallMs,
    threadsReady: sched0 && sched1 ? ((sched1.readyNs - sched0.readyNs) / 1e6 / wallMs).toFixed(2) : 'n/a',
    peakRssMiB: peakRss / 2 ** 20,
  };
};

/** The bare binding's options at the production parameters (what `makeArgon2idHasher` passes it). */
const bareOptions = () => argon2idOptions(OWASP_ARGON2ID, randomBytes(16));
const PASSWORD_BYTES = Buffer.from(PASSWORD, 'utf8');

/** The last-level cache of this machine's first CPU (sysfs), e.g. "32768K"; undefined when unknown. */
const lastLevelCache = (): string | undefined => {
  try {
    const dir = '/sys/devices/system/cpu/cpu0/cache';
    const levels = readdirSync(dir).filter((d) => d.startsWith('index'));
    const sizes = levels.map((d) => ({
      level: Number(readFileSync(`${dir}/${d}/level`, 'utf8')),
      size: readFileSync(`${dir}/${d}/size`, 'utf8').trim(),
    }));
    return sizes.sort((a, b) => b.level - a.level)[0]?.size;
  } catch {
    return undefined;
  }
};

/** `total` calls with `k` in flight: hashes/s, CPU ms per hash (all threads) and minor page faults per hash. */
const cost = async (k: number, total: number, one: () => Promise<unknown>) => {
  await one();
  const faults0 = process.resourceUsage().minorPageFault;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let started = 0;
  await Promise.all(
    Array.from({ length: k }, async () => {
      while (started < total) {
        started += 1;
        await one();
      }
    }),
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return {
    perSecond: total / (wallMs / 1000),
    cpuMs: (cpu.user + cpu.system) / 1000 / total,
    faults: (process.resourceUsage().minorPageFault - faults0) / total,
  };
};

const table = (header: string[], rows: string[][]): void => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  rows.forEach((r) => console.log(line(r)));
  console.log('');
};

const main = async (): Promise<void> => {
  const production = nativeHash(OWASP_ARGON2ID);
  console.log(
    `KDF benchmark: node ${process.version}, ${CORES} cores, UV_THREADPOOL_SIZE=${process.env['UV_THREADPOOL_SIZE'] ?? '4 (default)'}, ` +
      `load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (other processes skew every number; run on an idle machine)`,
  );
  console.log(`\n1. One hash at a time (one core): median of ${RUNS} after one warm-up\n`);
  const cases: [string, () => Promise<void>][] = [
    ['argon2id m=19456 KiB t=2 p=1, @node-rs/argon2 (production, native)', production],
    ['argon2id m=19456 KiB t=2 p=1, hash-wasm (previous, WebAssembly)', wasmHash],
    [
      'argon2id m=64 KiB t=1 p=1, @node-rs/argon2 (UNSAFE, tests only)',
      nativeHash(UNSAFE_TEST_ONLY_ARGON2ID),
    ],
    ['scrypt N=2^17 r=8 p=1, node:crypto', scryptHash(17)],
  ];
  const rows: string[][] = [];
  let nativeCpuMs = 0;
  for (const [label, run] of cases) {
    const { wallMs, cpuMs } = await measure(run);
    if (nativeCpuMs === 0) nativeCpuMs = cpuMs;
    rows.push([
      label,
      wallMs.toFixed(1),
      cpuMs.toFixed(1),
      (1000 / cpuMs).toFixed(1),
      `${(cpuMs / nativeCpuMs).toFixed(2)}x`,
    ]);
  }
  table(['KDF', 'wall ms per hash', 'CPU ms per hash', 'hashes/s per core', 'CPU vs production'], rows);
  console.log('On an idle machine wall = CPU; a busy one stretches wall time, so the rest uses CPU ms.\n');

  const ceiling = CORES * (1000 / nativeCpuMs);
  console.log(
    `2. Production hashes in flight at once (ceiling ${CORES} cores x ${(1000 / nativeCpuMs).toFixed(1)}/s = ${ceiling.toFixed(0)}/s)\n`,
  );
  const flights: string[][] = [];
  for (const k of [1, 2, 4, 10, 40]) {
    const r = await inFlight(k, 4 * Math.max(k, 10), production);
    flights.push([
      `${k} (native)`,
      r.perSecond.toFixed(1),
      `${((100 * r.perSecond) / ceiling).toFixed(0)}%`,
      r.coresBusy.toFixed(2),
      r.threadsReady,
      r.peakRssMiB.toFixed(0),
    ]);
  }
  const wasm = await inFlight(10, 20, wasmHash);
  flights.push([
    '10 (hash-wasm)',
    wasm.perSecond.toFixed(1),
    `${((100 * wasm.perSecond) / ceiling).toFixed(0)}%`,
    wasm.coresBusy.toFixed(2),
    wasm.threadsReady,
    wasm.peakRssMiB.toFixed(0),
  ]);
  table(
    ['in flight', 'hashes/s', 'of ceiling', 'cores used', 'threads wanting a core', 'peak RSS MiB'],
    flights,
  );

  const llc = lastLevelCache();
  console.log(
    `3. The bare binding (@node-rs/argon2 hashRaw, same parameters) next to the production hasher, at 1, ${CORES} and ${2 * CORES} in flight` +
      `; last-level cache ${llc ?? 'unknown'}, each derivation ${(OWASP_ARGON2ID.memoryKiB / 1024).toFixed(0)} MiB\n`,
  );
  const total = Math.max(40, 4 * RUNS);
  const single = await cost(1, total, async () => hashRawSync(PASSWORD_BYTES, bareOptions()));
  const compare: string[][] = [
    [
      '1 (bare, hashRawSync on one thread)',
      single.perSecond.toFixed(1),
      single.cpuMs.toFixed(1),
      single.faults.toFixed(0),
      '-',
    ],
  ];
  for (const k of [1, CORES, 2 * CORES]) {
    const bare = await cost(k, total, () => hashRaw(PASSWORD_BYTES, bareOptions()));
    const prod = await cost(k, total, production);
    compare.push(
      [`${k} (bare hashRaw)`, bare.perSecond.toFixed(1), bare.cpuMs.toFixed(1), bare.faults.toFixed(0), '-'],
      [
        `${k} (production hasher)`,
        prod.perSecond.toFixed(1),
        prod.cpuMs.toFixed(1),
        prod.faults.toFixed(0),
        `${(prod.cpuMs / bare.cpuMs).toFixed(2)}x`,
      ],
    );
  }
  table(
    ['in flight', 'hashes/s', 'CPU ms per hash', 'minor faults per hash', 'CPU vs bare, same k'],
    compare,
  );
  console.log(
    `Per core, single-thread bare: ${single.perSecond.toFixed(1)} hashes/s; ${CORES} cores x that = ${(CORES * single.perSecond).toFixed(0)}/s (the users goal is a quarter of it).\n`,
  );

  console.log(
    `4. Lambda, batch of 10 hashed concurrently, from ${nativeCpuMs.toFixed(1)} CPU ms per hash here` +
      ' (1,769 MB = 1 vCPU; threadpool of 4)\n',
  );
  const lambda = [256, 512, 1024, 1769, 3538, 7076, 10240].map((mb) => {
    const vcpu = mb / 1769;
    const batchMs = (10 * nativeCpuMs) / Math.min(vcpu, 4, 10);
    return [
      String(mb),
      vcpu.toFixed(2),
      batchMs.toFixed(0),
      (((mb / 1024) * batchMs) / 10).toFixed(1),
      (((mb / 1024) * (batchMs + 50)) / 10).toFixed(1),
    ];
  });
  table(['MB', 'vCPU', 'batch of 10, ms', 'GB-ms/hash', 'GB-ms/hash with 50 ms I/O per batch'], lambda);
};

void main();
