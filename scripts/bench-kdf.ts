/**
 * KDF benchmark: median cost per hash of the production Argon2id parameters next to the cheap test
 * parameters (and scrypt from node:crypto for comparison), on one core, in one run.
 * Usage: npm run bench:kdf [-- --runs N]
 */
import { scrypt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { makeArgon2idHasher } from '../src/adapters/argon2id';
import { OWASP_ARGON2ID } from '../src/domain/password';
import { UNSAFE_TEST_ONLY_ARGON2ID } from '../test/support/unsafe-kdf';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

const measure = async (run: () => Promise<unknown>): Promise<number> => {
  await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
};

const argon = (params: typeof OWASP_ARGON2ID, label: string) => {
  const hasher = makeArgon2idHasher(params, { unsafeAllowWeakParamsForTests: true });
  return {
    label,
    run: async () => {
      const r = await hasher.hash('correct horse battery staple')();
      if (r._tag === 'Left') throw r.left;
    },
  };
};

const scryptCase = (logN: number) => ({
  label: `scrypt N=2^${logN} r=8 p=1 (node:crypto)`,
  run: () =>
    new Promise<void>((resolve, reject) =>
      scrypt(
        'correct horse battery staple',
        'saltsaltsaltsalt',
        32,
        { N: 2 ** logN, r: 8, p: 1, maxmem: 256 * 2 ** 20 },
        (e) => (e ? reject(e) : resolve()),
      ),
    ),
});

const main = async (): Promise<void> => {
  const cases = [
    argon(OWASP_ARGON2ID, 'argon2id m=19456 KiB t=2 p=1 (production, hash-wasm)'),
    argon(UNSAFE_TEST_ONLY_ARGON2ID, 'argon2id m=64 KiB t=1 p=1 (UNSAFE test-only)'),
    scryptCase(17),
  ];
  const rows: string[][] = [];
  let production = 0;
  for (const c of cases) {
    const ms = await measure(c.run);
    if (production === 0) production = ms;
    rows.push([c.label, ms.toFixed(1), (1000 / ms).toFixed(1), `${(ms / production).toFixed(3)}x`]);
  }
  const header = ['KDF', 'median ms/hash', 'hashes/s/core', 'vs production'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(`KDF benchmark: median of ${RUNS} runs after one warm-up, one core, node ${process.version}`);
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  rows.forEach((r) => console.log(line(r)));
};

void main();
