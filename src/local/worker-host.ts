/**
 * A warm standby for `npm run dev`'s workers: a Node process (with tsx) that loads the project's
 * dependencies from node_modules — most of a start's time — and none of its own code, then waits.
 * Told to run (an IPC message `{ run: [args] }`), it loads src/local/cli.ts as it is on disk now and
 * runs that CLI command (`workers ...`), so a reload costs only the project's own modules. It ends
 * itself when the dev process goes (its IPC channel closes), gracefully, or after 10 s.
 * Imports nothing from src/ before it is told to run: that code must be read at reload time.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';

// require, not import(): the CLI's modules require these, and import() may pick a package's ESM build.
const load = createRequire(__filename);

const DEPENDENCIES = [
  '@aws-sdk/client-sqs',
  '@aws-sdk/client-sns',
  '@aws-sdk/client-dynamodb',
  '@aws-sdk/lib-dynamodb',
  '@aws-lambda-powertools/logger',
  '@node-rs/argon2',
  'fp-ts',
  'io-ts',
];

process.once('disconnect', () => {
  // Running workers stop on SIGTERM (batches in flight finish); a standby just goes.
  process.kill(process.pid, 'SIGTERM');
  setTimeout(() => process.exit(1), 10_000).unref();
});

process.on('message', (message: { run?: unknown }) => {
  const args = message.run;
  if (!Array.isArray(args)) return;
  const cli = join(__dirname, 'cli.ts');
  process.argv = [process.argv[0] ?? process.execPath, cli, ...args.map(String)];
  load(cli);
});

DEPENDENCIES.forEach((name) => load(name));
process.send?.({ warm: true });
