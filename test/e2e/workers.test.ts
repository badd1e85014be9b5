import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { getCommandRecord } from '../../src/adapters/dynamodb';
import { pollUntil } from '../../src/adapters/poll-until';
import { queueAttributes } from '../../src/adapters/sqs';
import { ROOT, rejectionsOf, startTestStack, stateOf, type TestStack } from '../support/e2e';

const COMMANDS = 200;
let t: TestStack;
beforeAll(async () => {
  // Only the emulators: the workers run in their own process, which the test kills.
  t = await startTestStack({ logLevel: 'SILENT', workers: false, visibilityTimeoutSeconds: 5 });
}, 60_000);
afterAll(async () => {
  await t.stack.stop();
});

/** `npm run workers` against the test's stack, as a separate process. */
const startWorkers = async (): Promise<ChildProcessWithoutNullStreams> => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/local/cli.ts',
      'workers',
      '--endpoint',
      t.stack.config.endpoint,
      '--log-level',
      'SILENT',
    ],
    { cwd: ROOT, stdio: 'pipe' },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  await pollUntil(async () => (output.includes('Workers polling') ? true : undefined), {
    timeoutMs: 30_000,
    what: `the workers to start (output so far: ${output})`,
  });
  return child;
};

const outcomes = async (ids: readonly string[]) =>
  (await Promise.all(ids.map((id) => getCommandRecord(t.target.doc, t.stack.names.table, id)))).filter(
    (r) => r !== undefined && r.status !== 'IN_PROGRESS',
  );

test('workers killed with SIGKILL mid-run and started again lose nothing and apply nothing twice', async () => {
  const ids: string[] = [];
  for (let i = 0; i < COMMANDS; i += 10) {
    const sent = await t.target.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: t.stack.queueUrls.input,
        Entries: Array.from({ length: 10 }, (_, j) => ({
          Id: String(j),
          MessageBody: JSON.stringify({
            entityType: 'GROUP',
            eventType: 'GROUP_CREATED',
            eventData: { name: `Killed ${String(i + j).padStart(3, '0')}` },
          }),
        })),
      }),
    );
    ids.push(...(sent.Successful ?? []).map((s) => s.MessageId ?? ''));
  }
  expect(ids).toHaveLength(COMMANDS);

  const first = await startWorkers();
  await pollUntil(async () => ((await outcomes(ids)).length >= 10 ? true : undefined), {
    timeoutMs: 60_000,
    what: 'the first outcomes',
  });
  const exited = new Promise((resolve) => first.once('exit', resolve));
  first.kill('SIGKILL');
  await exited;
  const doneAtKill = (await outcomes(ids)).length;

  const second = await startWorkers();
  try {
    await pollUntil(async () => ((await outcomes(ids)).length === COMMANDS ? true : undefined), {
      timeoutMs: 120_000,
      what: `every outcome (${doneAtKill} of ${COMMANDS} were in when the first workers were killed)`,
      maxDelayMs: 1000,
    });
  } finally {
    const stopped = new Promise((resolve) => second.once('exit', resolve));
    second.kill('SIGTERM');
    await stopped;
  }
  expect(doneAtKill).toBeLessThan(COMMANDS);
  expect((await outcomes(ids)).every((r) => r?.status === 'APPLIED')).toBe(true);
  const names = (await stateOf(t)).groups.map((g) => g.name);
  expect(names).toHaveLength(COMMANDS);
  expect(new Set(names).size).toBe(COMMANDS);
  expect(await rejectionsOf(t)).toEqual([]);
  for (const dlq of [t.stack.queueUrls.inputDlq, t.stack.queueUrls.cacheDlq])
    expect((await queueAttributes(t.target.sqs, dlq))['ApproximateNumberOfMessages']).toBe('0');
}, 240_000);
