/**
 * The project's CLI (see docs/cli.md): demo, stack, send, state, rejections, dlq, validate. Each
 * command's options are declared and parsed strictly in ./args; every command that talks to a stack takes --endpoint URL (default http://127.0.0.1:4566) and
 * --stage NAME (default local), and works against LocalStack too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/Either';
import { listRejections, readDirectory, type DirectoryState, type RejectionView } from '../adapters/dynamodb';
import { decodeCommand, parseJson } from '../domain/commands';
import { formatReason } from '../domain/reasons';
import {
  connect,
  connectRunning,
  expandEventFiles,
  peekDlq,
  rejectionsJson,
  sendFiles,
  stateJson,
  type Target,
} from './client';
import { parseCli, type Invocation, type TargetArgs } from './args';
import { DLQ_COLUMNS, dlqRow } from './dlq-view';
import { postCommand } from './http-send';
import { maskPasswords } from './mask';
import { startDev } from './dev';
import { replay } from './replay';
import { resetStack } from './reset';
import { startDashboardServer } from './dashboard/server';
import { startEmbeddedStack, type EmbeddedStack } from './stack';
import { ORDERED_GROUP } from '../adapters/sqs';
import { resolveTopology, startWorkers } from './workers';
import { renderTable } from './table';
import { exitAfterDrain, quietOnClosedStdout } from './stdout';

// The SDK's Node end-of-support notice is for Node < 22, which scripts/require-node.cjs refuses first.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

const targetOf = (args: TargetArgs): Promise<Target> =>
  connectRunning({ region: args.region, endpoint: args.endpoint }, args.stage);

const printState = (state: DirectoryState): void => {
  out(`Users (${state.users.length})`);
  out(
    renderTable(
      ['email', 'name', 'groups'],
      state.users.map((u) => [u.email, u.name, u.groups.join(', ') || '-']),
    ),
  );
  out('');
  out(`Groups (${state.groups.length})`);
  out(
    renderTable(
      ['name', 'members'],
      state.groups.map((g) => [g.name, g.members.join(', ') || '-']),
    ),
  );
  const memberships = state.users.flatMap((u) => u.groups.map((g) => [g, u.email]));
  out('');
  out(`Memberships (${memberships.length})`);
  out(
    renderTable(
      ['group', 'user'],
      memberships.sort((a, b) => (a.join() < b.join() ? -1 : 1)),
    ),
  );
};

const printRejections = (rejections: readonly RejectionView[]): void => {
  out(`Rejected commands (${rejections.length})`);
  out(
    renderTable(
      ['at', 'eventType', 'stage', 'reasons'],
      rejections.map((r) => [r.at, r.eventType ?? '(none)', r.stage, r.reasons.join(' | ')]),
    ),
  );
};

const validateFiles = (paths: readonly string[]): number => {
  let rejected = 0;
  for (const file of expandEventFiles(paths)) {
    const result = E.chain(decodeCommand)(parseJson(readFileSync(file, 'utf8')));
    if (E.isRight(result)) out(`OK        ${file}\n          ${JSON.stringify(maskPasswords(result.right))}`);
    else {
      rejected += 1;
      out(`REJECTED  ${file}`);
      result.left.forEach((r) => out(`          - ${formatReason(r)}`));
    }
  }
  return rejected === 0 ? 0 : 1;
};

const printStackInfo = (stack: EmbeddedStack): void => {
  out(`Embedded stack ready (${stack.engine} on ${stack.config.endpoint}, stage ${stack.names.stage})`);
  for (const missing of stack.unsupported) out(`Not emulated here: ${missing}`);
  out(
    renderTable(
      ['resource', 'value'],
      [
        ['endpoint', stack.config.endpoint],
        ['input queue', stack.queueUrls.input],
        ['input DLQ', stack.queueUrls.inputDlq],
        ['topic', stack.topicArn],
        ['cache queue', stack.queueUrls.cache],
        ['cache DLQ', stack.queueUrls.cacheDlq],
        ['table', stack.names.table],
        [
          'HTTP producer',
          stack.httpUrl === undefined ? '(none: --no-workers)' : `POST ${stack.httpUrl}/commands`,
        ],
        ['read API', stack.httpUrl === undefined ? '(none: --no-workers)' : `GET ${stack.httpUrl}/users`],
        ['dashboard', stack.httpUrl === undefined ? '(none: --no-workers)' : `${stack.httpUrl}/`],
      ],
    ),
  );
  out('');
  // FIFO queues refuse a per-message delay, and need a message group and a deduplication id
  const send = `aws --endpoint-url ${stack.config.endpoint} --region ${stack.config.region} sqs send-message --queue-url ${stack.queueUrls.input} --message-body file://events/01-group-created-engineering.json`;
  if (stack.names.mode === 'ordered') {
    out('Send a file (ordered mode: FIFO queue, one message group, a new deduplication id per send):');
    out(`  ${send} --message-group-id ${ORDERED_GROUP} --message-deduplication-id "$(date +%s%N)"`);
  } else {
    out('Send a file as the original author did:');
    out(`  ${send} --delay-seconds 1`);
  }
  out(`Then: npm run state -- --endpoint ${stack.config.endpoint}    (Ctrl-C stops the stack)`);
};

const demo = async (args: Extract<Invocation, { command: 'demo' }>): Promise<number> => {
  const started = Date.now();
  const verbose = args.verbose;
  out('Starting the embedded stack (fauxqs + DynamoDB Local + topology + in-process handlers)...');
  // Each file is sent once the previous one has its outcome, so none can overtake another: a
  // settle window would only delay the rejection of a file naming a missing group.
  const stack = await startEmbeddedStack({
    logLevel: verbose ? 'INFO' : 'SILENT',
    settleWindowSeconds: 0,
    mode: args.mode,
  });
  try {
    out(`Ready on ${stack.config.endpoint} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (stack.httpUrl !== undefined) out(`Dashboard (while the demo runs): ${stack.httpUrl}/`);
    const files = expandEventFiles([args.events]);
    out(`Sending ${files.length} event files in order, each waited for:`);
    const target = connect(stack.config, stack.names.stage, stack.names);
    await sendFiles(target, files, { wait: true, log: out });
    out('');
    printState(await readDirectory(target.doc, stack.names.table));
    out('');
    printRejections(await listRejections(target.doc, stack.names.table));
    out('');
    out(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s; stopping the stack.`);
  } finally {
    await stack.stop();
  }
  return 0;
};

const stackCommand = async (args: Extract<Invocation, { command: 'stack' }>): Promise<number> => {
  const stack = await startEmbeddedStack({
    port: args.port,
    httpPort: args.httpPort,
    logLevel: args.logLevel,
    ...(args.dataDir === undefined ? {} : { dataDir: args.dataDir }),
    workers: args.workers,
    mode: args.mode,
    ...(args.settleWindowSeconds === undefined ? {} : { settleWindowSeconds: args.settleWindowSeconds }),
  });
  printStackInfo(stack);
  if (!args.workers)
    out(`No workers: run them with   npm run workers -- --endpoint ${stack.config.endpoint}`);
  if (args.dataDir !== undefined) out(`The table is kept in ${args.dataDir} across restarts.`);
  await untilStopped();
  err('Stopping the embedded stack: draining the queues first...');
  const report = await stack.stop();
  err(
    report.drained
      ? 'Stopped; every accepted command was handled.'
      : `Stopped before the queues drained: ${report.left.input} in the input queue, ${report.left.cache} in the cache queue (lost with the in-memory queues).`,
  );
  return 0;
};

/** Waits for Ctrl-C or SIGTERM. */
const untilStopped = (): Promise<void> =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });

const workersCommand = async (args: Extract<Invocation, { command: 'workers' }>): Promise<number> => {
  const config = { region: args.target.region, endpoint: args.target.endpoint };
  const provisioned = await resolveTopology(config, args.target.stage);
  const workers = startWorkers(config, provisioned, { logLevel: args.logLevel });
  out(
    `Workers polling ${provisioned.names.queues.input} and ${provisioned.names.queues.cache} at ${config.endpoint} (Ctrl-C stops them)`,
  );
  await untilStopped();
  err('Stopping the workers: batches in flight finish first...');
  await workers.stop();
  return 0;
};

const devCommand = async (args: Extract<Invocation, { command: 'dev' }>): Promise<number> => {
  const { command: _command, ...options } = args;
  const dev = await startDev({ ...options, root: join(__dirname, '../..'), log: out });
  out(`[dev] ready on ${dev.stack.config.endpoint}; the table is kept in ${args.dataDir}; Ctrl-C stops`);
  await untilStopped();
  err('[dev] stopping: draining the queues first...');
  const report = await dev.stop();
  if (!report.drained) err('[dev] the queues did not drain: what was left in them is lost');
  if (report.keptInCacheDlq > 0)
    err(`[dev] ${report.keptInCacheDlq} message(s) of the cache DLQ kept for the next start`);
  if (report.lostInDlqs > 0)
    err(`[dev] ${report.lostInDlqs} message(s) of the DLQs are lost (input DLQ: never written to disk)`);
  err('[dev] stopped');
  return 0;
};

const run = async (args: Invocation): Promise<number> => {
  switch (args.command) {
    case 'demo':
      return demo(args);
    case 'stack':
      return stackCommand(args);
    case 'workers':
      return workersCommand(args);
    case 'dev':
      return devCommand(args);
    case 'replay':
      return replay(await targetOf(args.target), args.request, out);
    case 'reset': {
      const report = await resetStack(await targetOf(args.target));
      out(`Purged ${report.queues.join(', ')}; deleted ${report.items} item(s) of the table`);
      return 0;
    }
    case 'validate':
      return validateFiles(args.files);
    case 'dashboard': {
      const server = await startDashboardServer(await targetOf(args.target), args.port);
      out(
        `Dashboard of ${args.target.endpoint} (stage ${args.target.stage}): http://127.0.0.1:${args.port}/ (Ctrl-C stops it)`,
      );
      await untilStopped();
      server.close();
      return 0;
    }
    case 'send': {
      const via = args.via;
      const send =
        via.kind === 'http'
          ? { send: (body: string) => postCommand({ url: via.url, region: args.target.region }, body) }
          : {};
      await sendFiles(await targetOf(args.target), expandEventFiles(args.files), {
        wait: args.wait,
        log: out,
        ...send,
      });
      return 0;
    }
    case 'state': {
      const target = await targetOf(args.target);
      const state = await readDirectory(target.doc, target.names.table);
      if (args.json) out(JSON.stringify(stateJson(state), null, 2));
      else printState(state);
      return 0;
    }
    case 'rejections': {
      const target = await targetOf(args.target);
      const rejections = await listRejections(target.doc, target.names.table);
      if (args.json) out(JSON.stringify(rejectionsJson(rejections), null, 2));
      else printRejections(rejections);
      return 0;
    }
    case 'dlq': {
      const target = await targetOf(args.target);
      let unread = 0;
      for (const queue of ['inputDlq', 'cacheDlq'] as const) {
        const report = await peekDlq(target, queue).catch((error: unknown) => error as Error);
        if (report instanceof Error) {
          unread += 1;
          // On AWS the input DLQ's KMS key lets only the message handler decrypt (docs/security.md).
          err(`${target.names.queues[queue]}: cannot be read (${report.name}: ${report.message})`);
          continue;
        }
        out(`${report.queue}: ${report.approximateCount} message(s)`);
        if (report.messages.length > 0) out(renderTable([...DLQ_COLUMNS], report.messages.map(dlqRow)));
        out('');
      }
      return unread === 0 ? 0 : 1;
    }
  }
};

/** Usage on stdout for --help (exit 0), an error and the usage on stderr for a bad command line (exit 2). */
const main = async (argv: readonly string[]): Promise<number> => {
  const parsed = parseCli(argv, { env: process.env, cwd: process.cwd() });
  switch (parsed.kind) {
    case 'help':
      out(parsed.text);
      return 0;
    case 'usage-error':
      err(`error: ${parsed.message}\n\n${parsed.usage}`);
      return 2;
    case 'run':
      return run(parsed.invocation);
  }
};

quietOnClosedStdout();
main(process.argv.slice(2)).then(exitAfterDrain, (error: unknown) => {
  err(`error: ${error instanceof Error ? error.message : String(error)}`);
  exitAfterDrain(1);
});
