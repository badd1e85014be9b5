// eslint-disable-next-line @typescript-eslint/no-require-imports, no-undef -- a CommonJS config file
const { readdirSync } = require('node:fs');
// eslint-disable-next-line @typescript-eslint/no-require-imports, no-undef -- a CommonJS config file
const { suites: embeddedOnly } = require('./test/e2e/embedded-only.json');

// The end-to-end suites are of two kinds (see docs/e2e-targets.md):
// - embedded-only (test/e2e/embedded-only.json, each with its reason): they need the embedded stack's
//   internals and run only without E2E_ENDPOINT;
// - target-agnostic (every other test/e2e suite): with E2E_ENDPOINT they run against that running
//   stack, one file at a time, as they share it. Without it, a run of the whole tree leaves them to
//   test/e2e/remote-target.test.ts, which runs all of them twice against a separately started
//   `npm run stack`; named on the command line (`jest test/e2e/events.test.ts`, `jest seed`), they
//   run here, each on a private embedded stack of its own.
// eslint-disable-next-line no-undef -- a CommonJS config file
const e2eDir = `${__dirname}/test/e2e`;
const all = readdirSync(e2eDir).filter((f) => f.endsWith('.test.ts'));
const agnostic = all.filter((f) => !(f in embeddedOnly));
const remote = Boolean(process.env.E2E_ENDPOINT && process.env.E2E_ENDPOINT.trim());
const patterns = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const matches = (pattern, file) => {
  try {
    return new RegExp(pattern).test(`${e2eDir}/${file}`);
  } catch {
    return false;
  }
};
/** A pattern names agnostic suites when it matches some of them but not every e2e suite (`test/e2e` does). */
const named = patterns.some((p) => agnostic.some((f) => matches(p, f)) && !all.every((f) => matches(p, f)));
const ignored = (files) => files.map((f) => `/test/e2e/${f.replace(/\./g, '\\.')}$`);

if (remote) {
  const lines = Object.entries(embeddedOnly).map(([file, why]) => `  test/e2e/${file}: ${why}`);
  process.stderr.write(
    `E2E_ENDPOINT=${process.env.E2E_ENDPOINT} stage ${process.env.E2E_STAGE || 'local'}: not run against it (embedded only):\n${lines.join('\n')}\n`,
  );
}

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  testTimeout: 30000,
  setupFiles: ['<rootDir>/test/support/env.ts'],
  ...(remote
    ? { testPathIgnorePatterns: ['/node_modules/', ...ignored(Object.keys(embeddedOnly))], maxWorkers: 1 }
    : named
      ? {}
      : // two at a time: remote-target.test.ts waits on its stacks most of its run, the others use the cores
        { testPathIgnorePatterns: ['/node_modules/', ...ignored(agnostic)], maxWorkers: 2 }),
};
