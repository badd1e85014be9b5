/**
 * Model-based test: fast-check generates command sequences over a small universe (so they collide,
 * valid and invalid), sends them one by one to a real embedded stack whose workers run under SDK
 * faults, duplicated and delayed deliveries and crashes, and checks the stack against an independent
 * reference model (test/model). MODEL_RUNS=200 runs more; MODEL_SEED=<seed> (with MODEL_PATH=<path>)
 * replays a failure that fast-check reported.
 */
import fc from 'fast-check';
import { redrivingWaiter } from '../../scripts/chaos/recover';
import { listRejections, readDirectory } from '../../src/adapters/dynamodb';
import { queueAttributes } from '../../src/adapters/sqs';
import { startChaosWorkers, type ChaosWorkers } from '../../src/local/chaos-workers';
import { connect, type Target } from '../../src/local/client';
import { startEmbeddedStack, type EmbeddedStack } from '../../src/local/stack';
import { opsArbitrary } from '../model/commands';
import { ReferenceModel } from '../model/reference';
import { universe } from '../model/universe';
import {
  differences,
  modelSettings,
  queuesDrained,
  retag,
  runUniverse,
  type UniverseRun,
} from '../support/model-run';
import { unsafeTestHasher } from '../support/unsafe-kdf';

const { runs: RUNS, seed: SEED, options: MODEL_OPTIONS } = modelSettings(3);
const LENGTH = { min: 8, max: 24 };
const TEMPLATE = universe('tpl');

let stack: EmbeddedStack;
let target: Target;
let workers: ChaosWorkers;
beforeAll(async () => {
  stack = await startEmbeddedStack({ workers: false, visibilityTimeoutSeconds: 3, logLevel: 'SILENT' });
  target = connect(stack.config, stack.names.stage);
  workers = startChaosWorkers(stack.config, stack, {
    faultRate: 0.08,
    duplicateRate: 0.15,
    delayRate: 0.15,
    maxDelayMs: 1500,
    seed: SEED,
    hasher: unsafeTestHasher(),
    logLevel: 'SILENT',
    waitSeconds: 1,
    retryAfterSeconds: 0,
    // A command naming a missing entity waits once (a delayed copy of its message) before its rejection:
    // the path is exercised, and each command is still decided before the next is sent.
    settleWindowSeconds: 1,
  });
}, 60_000);
afterAll(async () => {
  await workers?.stop();
  await stack?.stop();
});

test('the reference model follows the scripted rules on its own', () => {
  const u = universe('t');
  const [sales, salesLower, salesWide, ops, , cafe1, cafe2] = u.groups;
  const [ann, annUpper, bob] = u.emails;
  const [name] = u.names;
  const [password] = u.passwords;
  const m = new ReferenceModel();
  const create = (entry: typeof sales) => m.apply({ kind: 'GROUP_CREATED', name: entry! });
  expect([
    create(sales),
    create(salesLower),
    create(salesWide),
    create(ops),
    create(cafe1),
    create(cafe2),
  ]).toEqual([true, false, false, true, true, false]);
  const user = { kind: 'USER_CREATED', name: name!, password: password! } as const;
  expect(m.apply({ ...user, email: ann!, groups: [{ by: 'name', entry: sales! }] })).toBe(true);
  expect(m.apply({ ...user, email: annUpper! })).toBe(false);
  expect(m.apply({ ...user, email: bob!, groups: [{ by: 'id', entry: ops!, style: 'bare-upper' }] })).toBe(
    true,
  );
  expect(m.apply({ kind: 'USER_UPDATED', user: { by: 'email', entry: bob! }, newEmail: annUpper! })).toBe(
    false,
  );
  expect(m.apply({ kind: 'GROUP_UPDATED', group: { by: 'name', entry: sales! }, name: salesLower! })).toBe(
    true,
  );
  expect(m.apply({ kind: 'GROUP_DELETED', group: { by: 'id', entry: ops!, style: 'prefixed' } })).toBe(true);
  expect(m.directory()).toMatchObject({
    users: [
      { email: 'ann.t@example.com', groups: ['t sales'] },
      { email: 'bob.t@example.com', groups: [] },
    ],
    groups: [{ name: 't Caf\u00e9' }, { name: 't sales', members: ['ann.t@example.com'] }],
  });
});

test('command sequences under faults, duplicates, delays and crashes end as the reference model says', async () => {
  process.stdout.write(`model test: seed ${SEED} (MODEL_SEED=${SEED} replays it), ${RUNS} runs\n`);
  let runs = 0;
  const finished: UniverseRun[] = [];
  const scenario = fc.record({
    ops: opsArbitrary(TEMPLATE, LENGTH.min, LENGTH.max),
    // Workers crash at these commands, this long after the send: in the queue, in a handler, in between.
    crashes: fc.array(fc.record({ at: fc.nat(LENGTH.min - 1), afterMs: fc.nat(800) }), {
      minLength: 1,
      maxLength: 2,
    }),
  });
  await fc.assert(
    fc.asyncProperty(scenario, async ({ ops, crashes }) => {
      const u = universe(`m${runs}`);
      runs += 1;
      const pending: Promise<void>[] = [];
      const inputUrl = stack.queueUrls.input;
      const run = await runUniverse(
        { sqs: target.sqs, doc: target.doc, inputUrl, table: stack.names.table },
        u,
        ops.map((op) => retag(op, TEMPLATE, u)),
        {
          timeoutMs: 60_000,
          // Under load a message can pass its receives in a DLQ: redriven before the next is sent.
          waitFor: redrivingWaiter(target),
          afterSend: (i) =>
            crashes
              .filter((c) => c.at === i)
              .forEach((c) =>
                pending.push(new Promise((done) => setTimeout(() => done(workers.crash()), c.afterMs))),
              ),
        },
      );
      await Promise.all(pending);
      finished.push(run);
      const found = differences(
        run,
        await readDirectory(target.doc, stack.names.table),
        await listRejections(target.doc, stack.names.table),
      );
      expect(found).toEqual([]);
    }),
    MODEL_OPTIONS,
  );
  // Late copies (duplicates, delayed and crashed batches) land after their run was checked: once the
  // queues are empty, every run must still match its model.
  expect(await queuesDrained(target.sqs, [stack.queueUrls.input, stack.queueUrls.cache], 60_000)).toBe(true);
  const [state, rejections] = await Promise.all([
    readDirectory(target.doc, stack.names.table),
    listRejections(target.doc, stack.names.table),
  ]);
  expect(finished.flatMap((run) => differences(run, state, rejections))).toEqual([]);
  const steps = finished.flatMap((r) => r.steps);
  const counts = workers.counts();
  // Both outcomes, the chaos itself, and each dimension of the model were exercised.
  expect(steps.some((s) => s.got === 'APPLIED') && steps.some((s) => s.got === 'REJECTED')).toBe(true);
  expect(counts.sdkCalls).toBeGreaterThan(0);
  expect(Object.values(counts.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  expect(counts.duplicatedReceives + counts.duplicatedPublishes).toBeGreaterThan(0);
  expect(counts.delayed).toBeGreaterThan(0);
  expect(counts.kills).toBeGreaterThanOrEqual(RUNS);
  for (const dlq of [stack.queueUrls.inputDlq, stack.queueUrls.cacheDlq])
    expect((await queueAttributes(target.sqs, dlq))['ApproximateNumberOfMessages']).toBe('0');
  process.stdout.write(`model test: ${steps.length} commands, ${JSON.stringify(counts)}\n`);
}, 600_000);
