/**
 * KDF benchmark, in one run on this machine:
 * 1. median cost per hash, one at a time, of the production Argon2id (native `@node-rs/argon2`) next
 *    to the previous WebAssembly build (hash-wasm, a devDependency kept for this row), the cheap test
 *    parameters and scrypt from node:crypto;
 * 2. throughput of the production hasher with 1, 2, 4, 10 and 40 hashes in flight, with the CPU time
 *    the process used per second of wall time (cores busy) and peak RSS: concurrent hashes must run
 *    in parallel on the libuv threadpool, up to the ceiling = cores x native hashes/s per core;
 * 3. Lambda cost per hash (GB-ms) for candidate memory sizes, from the measured single-core ms.
 * Usage: npm run bench:kdf [-- --runs N]
 */
import { randomBytes, scrypt } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { argon2id as wasmArgon2id } from 'hash-wasm';
import { makeArgon2idHasher } from '../src/adapters/argon2id';
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

/** Runs `total` hashes with `k` in flight; hashes/s, cores busy (CPU time / wall time), peak RSS. */
const inFlight = async (k: number, total: number, one: () => Promise<void>) => {
  let started = 0;
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 2);
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
  clearInterval(sampler);
  return {
    perSecond: total / (wallMs / 1000),
    coresBusy: (cpu.user + cpu.system) / 1000 / wallMs,
    peakRssMiB: peakRss / 2 ** 20,
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
  let nativeMs = 0;
  for (const [label, run] of cases) {
    const { wallMs, cpuMs } = await measure(run);
    if (nativeMs === 0) nativeMs = wallMs;
    rows.push([
      label,
      wallMs.toFixed(1),
      cpuMs.toFixed(1),
      (1000 / wallMs).toFixed(1),
      `${(wallMs / nativeMs).toFixed(2)}x`,
    ]);
  }
  table(['KDF', 'ms per hash', 'CPU ms per hash', 'hashes/s/core', 'vs production'], rows);

  const ceiling = CORES * (1000 / nativeMs);
  console.log(
    `2. Production hashes in flight at once (ceiling ${CORES} cores x ${(1000 / nativeMs).toFixed(1)}/s)\n`,
  );
  const flights: string[][] = [];
  for (const k of [1, 2, 4, 10, 40]) {
    const r = await inFlight(k, 4 * Math.max(k, 10), production);
    flights.push([
      `${k} (native)`,
      r.perSecond.toFixed(1),
      `${((100 * r.perSecond) / ceiling).toFixed(0)}%`,
      r.coresBusy.toFixed(2),
      r.peakRssMiB.toFixed(0),
    ]);
  }
  const wasm = await inFlight(10, 20, wasmHash);
  flights.push([
    '10 (hash-wasm)',
    wasm.perSecond.toFixed(1),
    `${((100 * wasm.perSecond) / ceiling).toFixed(0)}%`,
    wasm.coresBusy.toFixed(2),
    wasm.peakRssMiB.toFixed(0),
  ]);
  table(['in flight', 'hashes/s', 'of ceiling', 'cores busy', 'peak RSS MiB'], flights);

  console.log(
    `3. Lambda, batch of 10 hashed concurrently, from ${nativeMs.toFixed(1)} ms per hash on one core here` +
      ' (1,769 MB = 1 vCPU; threadpool of 4)\n',
  );
  const lambda = [256, 512, 1024, 1769, 3538, 7076, 10240].map((mb) => {
    const vcpu = mb / 1769;
    const batchMs = (10 * nativeMs) / Math.min(vcpu, 4, 10);
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
