/**
 * Embedded-stack benchmark: start time, resident memory of every emulator process when idle, and
 * how long N GROUP_CREATED commands take from sending (the CLI's sendFiles) until all are applied.
 * Usage: npx tsx scripts/bench-stack.ts [-- --commands 200]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCommandRecord } from '../src/adapters/dynamodb';
import { pollUntil } from '../src/adapters/poll-until';
import { connect, sendFiles } from '../src/local/client';
import { startEmbeddedStack } from '../src/local/stack';
import { unsafeTestHasher } from '../test/support/unsafe-kdf';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
const arg = process.argv.indexOf('--commands');
const COMMANDS = arg > 0 ? Number(process.argv[arg + 1]) : 200;

/** pid, RSS (MiB) and command of every process below this one, from ps. */
const emulatorProcesses = () => {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,rss=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => {
      const [pid, ppid, rss, ...args] = line.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), rssMiB: Number(rss) / 1024, args: args.join(' ') };
    });
  const below = (parent: number): typeof rows =>
    rows.filter((r) => r.ppid === parent && !r.args.startsWith('ps ')).flatMap((r) => [r, ...below(r.pid)]);
  return below(process.pid).map((r) => ({
    pid: r.pid,
    rssMiB: Math.round(r.rssMiB),
    what: /^\S*java /.test(r.args)
      ? 'DynamoDB Local (JVM)'
      : /guard\.mjs/.test(r.args)
        ? "DynamoDB Local's Node guard"
        : /fauxqs-edge\.mjs/.test(r.args)
          ? 'fauxqs + edge (Node)'
          : r.args.slice(0, 60),
  }));
};

const main = async () => {
  const started = Date.now();
  const stack = await startEmbeddedStack({ logLevel: 'SILENT', hasher: unsafeTestHasher() });
  const startMs = Date.now() - started;
  try {
    const self = Math.round(process.memoryUsage().rss / 1024 / 1024);
    process.stdout.write(`stack started in ${startMs} ms on ${stack.config.endpoint}\n`);
    process.stdout.write(`this process (handlers, pollers): ${self} MiB RSS\n`);
    for (const p of emulatorProcesses())
      process.stdout.write(`  pid ${p.pid}: ${p.rssMiB} MiB RSS  ${p.what}\n`);
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    const files = Array.from({ length: COMMANDS }, (_, i) => {
      const file = join(dir, `${String(i).padStart(4, '0')}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          entityType: 'GROUP',
          eventType: 'GROUP_CREATED',
          eventData: { name: `Group ${i}` },
        }),
      );
      return file;
    });
    const target = connect(stack.config, stack.names.stage);
    const t0 = Date.now();
    const sent = await sendFiles(target, files, { wait: false, log: () => undefined });
    const sentMs = Date.now() - t0;
    for (const { messageId } of sent)
      await pollUntil(
        async () =>
          (await getCommandRecord(target.doc, stack.names.table, messageId))?.status === 'APPLIED'
            ? true
            : undefined,
        {
          timeoutMs: 300_000,
          what: `command ${messageId} to be applied`,
          initialDelayMs: 10,
          maxDelayMs: 100,
        },
      );
    const totalMs = Date.now() - t0;
    process.stdout.write(
      `${COMMANDS} GROUP_CREATED: sent in ${sentMs} ms, all applied after ${totalMs} ms (${Math.round((COMMANDS * 1000) / totalMs)} commands/s)\n`,
    );
    for (const p of emulatorProcesses())
      process.stdout.write(`  pid ${p.pid}: ${p.rssMiB} MiB RSS after  ${p.what}\n`);
    rmSync(dir, { recursive: true, force: true });
  } finally {
    await stack.stop();
  }
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
