// eslint-disable-next-line @typescript-eslint/no-require-imports, no-undef -- a CommonJS config file
const { suites: embeddedOnly } = require('./test/e2e/embedded-only.json');

// With E2E_ENDPOINT, the end-to-end suites run against that running stack (see test/support/e2e.ts):
// the suites that need the embedded stack's internals are left out, by name and with the reason,
// and files run one at a time, as they share the stack.
const remote = Boolean(process.env.E2E_ENDPOINT && process.env.E2E_ENDPOINT.trim());
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
    ? {
        testPathIgnorePatterns: [
          '/node_modules/',
          ...Object.keys(embeddedOnly).map((f) => `/test/e2e/${f}$`),
        ],
        maxWorkers: 1,
      }
    : {}),
};
