import { CreateQueueCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { makeSqsClient, queueAttributes, sendMessage } from '../../src/adapters/sqs';
import type { Emulators } from '../../src/local/emulators';
import { startEventSourceMapping, type InvocationRecord } from '../../src/local/event-source-mapping';
import { topology } from '../../src/local/topology';
import { startTestStack, stateOf } from '../support/e2e';
import { eventually, startPrivateEmulators } from '../support/emulators';
import { slowTestHasher } from '../support/unsafe-kdf';

let emulators: Emulators;
let sqs: SQSClient;
beforeAll(async () => {
  emulators = await startPrivateEmulators();
  sqs = makeSqsClient({ region: 'us-east-1', endpoint: emulators.endpoint });
}, 60_000);
afterAll(async () => {
  sqs.destroy();
  await emulators.stop();
});

let queues = 0;
/** A fresh queue holding `count` messages. */
const queueWith = async (count: number) => {
  queues += 1;
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: `concurrency-${queues}` }))).QueueUrl ?? '';
  for (let i = 0; i < count; i += 10)
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: Math.min(10, count - i) }, (_, j) => ({
          Id: `m${j}`,
          MessageBody: `message ${i + j}`,
        })),
      }),
    );
  return url;
};

/**
 * Runs a mapping over a queue until every message was handled, recording how many batches overlapped.
 * Each batch waits in the handler until `overlap` batches are in at once, or `windowMs` passed.
 */
const drive = async (maximumConcurrency: number, messages: number, overlap: number, windowMs: number) => {
  const url = await queueWith(messages);
  let inFlight = 0;
  let most = 0;
  let handled = 0;
  const waiters: (() => void)[] = [];
  const invocations: InvocationRecord[] = [];
  const hold = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, windowMs);
      waiters.push(() => (clearTimeout(timer), resolve()));
    });
  const mapping = startEventSourceMapping({
    sqs,
    endpoint: emulators.endpoint,
    queueUrl: url,
    queueArn: 'arn:aws:sqs:us-east-1:000000000000:concurrency',
    region: 'us-east-1',
    functionName: 'probe',
    batchSize: 1,
    maximumConcurrency,
    waitSeconds: 1,
    onInvocation: (invocation) => invocations.push(invocation),
    handler: async (event) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      if (inFlight >= overlap) {
        // the invocation records carry millisecond times: a few ms in the handler keep the overlap visible in them
        await new Promise((resolve) => setTimeout(resolve, 5));
        waiters.splice(0).forEach((release) => release());
      } else await hold();
      inFlight -= 1;
      handled += event.Records.length;
    },
  });
  try {
    await eventually(async () => (handled >= messages ? true : undefined), 30_000, 'every message');
    await eventually(
      async () =>
        Number((await queueAttributes(sqs, url))['ApproximateNumberOfMessages']) === 0 ? true : undefined,
      10_000,
      'an empty queue',
    );
  } finally {
    await mapping.stop();
  }
  return { most, handled, invocations };
};

test('maximumConcurrency 3: three batches are in the handler at once, never more', async () => {
  const { most, handled, invocations } = await drive(3, 12, 3, 10_000);
  expect(handled).toBe(12);
  expect(most).toBe(3);
  // every invocation is reported once, with its own batch and times, however many overlap
  expect(invocations).toHaveLength(12);
  expect(new Set(invocations.flatMap((i) => i.messages.map((m) => m.MessageId))).size).toBe(12);
  for (const i of invocations) expect(i.endedAt).toBeGreaterThanOrEqual(i.startedAt);
  const overlapping = invocations.filter((a) =>
    invocations.some((b) => b !== a && b.startedAt < a.endedAt && a.startedAt < b.endedAt),
  );
  expect(overlapping.length).toBeGreaterThanOrEqual(3);
}, 60_000);

test('maximumConcurrency 1: one batch at a time, even when each waits for a second to join', async () => {
  const { most, handled } = await drive(1, 6, 2, 150);
  expect(handled).toBe(6);
  expect(most).toBe(1);
}, 60_000);

test('the embedded stack runs the message handler on several batches at once (topology.json)', async () => {
  const slow = slowTestHasher(300);
  const t = await startTestStack({ logLevel: 'SILENT', hasher: slow });
  try {
    const body = (i: number) =>
      JSON.stringify({
        entityType: 'USER',
        eventType: 'USER_CREATED',
        eventData: { name: `U${i}`, email: `u${i}@example.com`, password: 'p' },
      });
    for (let i = 0; i < 24; i += 1) await sendMessage(t.target.sqs, t.stack.queueUrls.input, body(i));
    let most = 0;
    await eventually(
      async () => {
        most = Math.max(most, t.stack.inFlight().messageHandler);
        return most >= 2 ? true : undefined;
      },
      20_000,
      'two message-handler batches in flight',
    );
    expect(most).toBeLessThanOrEqual(topology.functions.messageHandler.maximumConcurrency);
    await eventually(
      async () => ((await stateOf(t)).users.length === 24 ? true : undefined),
      60_000,
      '24 users',
    );
  } finally {
    await t.stack.stop();
  }
}, 90_000);
