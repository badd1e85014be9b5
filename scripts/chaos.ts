/**
 * `npm run chaos -- [--commands N] [--seed S]`: a generated workload (the model tests' generator) on
 * a fresh embedded stack whose workers run under SDK faults, duplicated and delayed deliveries and
 * crashes at random points. Each universe's commands are sent one by one, each after the previous one
 * was applied or rejected; universes run side by side. Every outcome and the final directory are
 * compared with the reference model (a command left in a DLQ is redriven, as an operator would: before
 * the next command of its universe is sent, or at the end for one found there only then);
 * one table is printed. Exit code 1 if anything is lost or differs.
 */
import fc from 'fast-check';
import { listRejections, readDirectory } from '../src/adapters/dynamodb';
import { startChaosWorkers } from '../src/local/chaos-workers';
import { connect, peekDlq } from '../src/local/client';
import { FAULT_KINDS, seededRandom } from '../src/local/faults';
import { startEmbeddedStack } from '../src/local/stack';
import { opsArbitrary } from '../test/model/commands';
import { universe } from '../test/model/universe';
import { differences, queuesDrained, runUniverse } from '../test/support/model-run';
import { unsafeTestHasher } from '../test/support/unsafe-kdf';
import { CHAOS_USAGE, parseChaosArgs, type ChaosArgs } from './chaos/args';
import { startProcessWorkers } from './chaos/processes';
import { redriveLost, redrivingWaiter } from './chaos/recover';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const run = async (args: ChaosArgs): Promise<number> => {
  const started = Date.now();
  const stack = await startEmbeddedStack({ workers: false, visibilityTimeoutSeconds: 5, logLevel: 'SILENT' });
  const target = connect(stack.config, stack.names.stage);
  const chaos = {
    faultRate: args.faultRate,
    duplicateRate: args.duplicateRate,
    delayRate: args.delayRate,
    maxDelayMs: 2000,
    seed: args.seed,
    // A command naming a missing entity waits once (a delayed copy of its message), then is rejected.
    settleWindowSeconds: 1,
  };
  const workers = args.processKills
    ? startProcessWorkers({
        ...chaos,
        endpoint: stack.config.endpoint,
        stage: stack.names.stage,
        region: stack.config.region,
      })
    : startChaosWorkers(stack.config, stack, {
        ...chaos,
        hasher: unsafeTestHasher(),
        logLevel: 'SILENT',
        waitSeconds: 1,
        retryAfterSeconds: 0,
      });
  try {
    const random = seededRandom(args.seed ^ 0x9e3779b9);
    const killAt = new Set<number>();
    while (killAt.size < Math.min(args.kills, args.commands))
      killAt.add(Math.floor(random() * args.commands));
    let sent = 0;
    let redrivenInline = 0;
    const waitFor = redrivingWaiter(target, { onRedriven: () => (redrivenInline += 1) });
    const crashes: Promise<void>[] = [];
    // A crash lands at a random moment of the command just sent: validation, publish, apply, sweep.
    const afterSend = () => {
      sent += 1;
      if (process.stderr.isTTY && sent % 50 === 0)
        process.stderr.write(`\rchaos: ${sent}/${args.commands} sent`);
      if (killAt.has(sent - 1))
        crashes.push(
          new Promise((done) => setTimeout(() => done(workers.crash()), Math.floor(random() * 500))),
        );
    };
    const runs = await Promise.all(
      Array.from({ length: args.universes }, (_, k) => {
        const size =
          Math.floor(args.commands / args.universes) + (k < args.commands % args.universes ? 1 : 0);
        const u = universe(`c${k}`);
        const [ops = []] = fc.sample(opsArbitrary(u, size, size), { seed: args.seed + k, numRuns: 1 });
        const inputUrl = stack.queueUrls.input;
        return runUniverse({ sqs: target.sqs, doc: target.doc, inputUrl, table: stack.names.table }, u, ops, {
          timeoutMs: 120_000,
          afterSend,
          waitFor,
        });
      }),
    );
    await Promise.all(crashes);
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    // Duplicates and delayed copies may still be in flight: let them land before anything is counted.
    const drained = await queuesDrained(target.sqs, [stack.queueUrls.input, stack.queueUrls.cache], 120_000);
    const sentSteps = runs.flatMap((r) => r.steps);
    // A dead-lettered message is a copy when its command has an outcome all the same (input: the
    // message id is the command id; cache: the event carries it).
    const decided = new Set(sentSteps.filter((s) => s.got !== 'LOST').map((s) => s.commandId));
    const where = new Map<string, string>();
    const dlq = await Promise.all(
      (['inputDlq', 'cacheDlq'] as const).map(async (queue) => {
        const { approximateCount, messages } = await peekDlq(target, queue);
        for (const m of messages)
          where.set(
            m.commandId ?? m.messageId ?? '',
            `in the ${queue === 'inputDlq' ? 'input' : 'cache'} DLQ, received ${m.receiveCount ?? '?'} times${m.reasons.length > 0 ? `: ${m.reasons.join(' | ')}` : ''}`,
          );
        const copies = messages.filter((m) => decided.has(m.commandId ?? m.messageId ?? '')).length;
        return { count: approximateCount, copies };
      }),
    );
    // A command left without an outcome in a DLQ is redriven, as an operator would.
    const recovered = await redriveLost(target, runs, 120_000);
    const [state, rejections] = await Promise.all([
      readDirectory(target.doc, stack.names.table),
      listRejections(target.doc, stack.names.table),
    ]);
    const steps = recovered.runs.flatMap((r) => r.steps);
    // A lost command says where it is: in a DLQ (and why), or nowhere.
    const found = recovered.runs.flatMap((r) =>
      differences(r, state, rejections).map((line) => {
        const step = r.steps.find((s, i) => s.got === 'LOST' && line.startsWith(`#${i} `));
        return step === undefined ? line : `${line} (${where.get(step.commandId) ?? 'in no DLQ'})`;
      }),
    );
    const dlqText = dlq
      .map(
        (d, i) =>
          `${d.count} ${i === 0 ? 'input' : 'cache'}${d.count > 0 ? ` (${d.copies} of them copies of decided commands)` : ''}`,
      )
      .join(', ');
    const c = workers.counts();
    const faults = FAULT_KINDS.reduce((n, k) => n + c.faults[k], 0);
    const lost = steps.filter((s) => s.got === 'LOST').length;
    const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)} %`;
    const rows: [string, string][] = [
      ['commands sent', `${steps.length} (${args.universes} universes side by side, seed ${args.seed})`],
      ['SDK calls by the workers', String(c.sdkCalls)],
      [
        'faults injected',
        `${faults} (${pct(faults, c.sdkCalls)}): ${FAULT_KINDS.map((k) => `${k} ${c.faults[k]}`).join(', ')}`,
      ],
      ['redeliveries (receives beyond the first)', String(c.redeliveries)],
      [
        'duplicates injected',
        `${c.duplicatedReceives + c.duplicatedPublishes} (${c.duplicatedReceives} receives, ${c.duplicatedPublishes} publishes)`,
      ],
      ['delayed deliveries', String(c.delayed)],
      [
        'worker kills',
        `${c.kills} (${args.processKills ? 'SIGKILL of the worker process' : 'in-process crash'})`,
      ],
      ['applied', String(steps.filter((s) => s.got === 'APPLIED').length)],
      ['rejected', String(steps.filter((s) => s.got === 'REJECTED').length)],
      ['in a DLQ', dlqText],
      ['dead-lettered commands redriven', String(redrivenInline + recovered.redriven)],
      ['lost', String(lost)],
      ['differences from the model', String(found.length)],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stdout.write(
      [
        `| ${'chaos run'.padEnd(width)} | ${seconds} s${drained ? '' : ' (queues not drained)'} |`,
        `| ${'-'.repeat(width)} | --- |`,
        ...rows.map(([label, value]) => `| ${label.padEnd(width)} | ${value} |`),
      ].join('\n') + '\n',
    );
    for (const line of found.slice(0, 20)) process.stderr.write(`difference: ${line}\n`);
    return lost > 0 || found.length > 0 ? 1 : 0;
  } finally {
    await workers.stop();
    await stack.stop();
  }
};

const main = async () => {
  const parsed = parseChaosArgs(process.argv.slice(2), () => Math.floor(Math.random() * 2 ** 31));
  if (parsed.kind === 'help') return void process.stdout.write(`${CHAOS_USAGE}\n`);
  if (parsed.kind === 'usage-error') {
    process.stderr.write(`chaos: ${parsed.message}\n\n${CHAOS_USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  process.exitCode = await run(parsed.args);
};

main().catch((error: unknown) => {
  process.stderr.write(`chaos: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
