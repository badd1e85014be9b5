import type { Message } from '@aws-sdk/client-sqs';
import { makeDeliveryFaults, makeKillSwitch } from '../../../src/local/delivery-faults';

type Handler = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>;
type Middleware = (next: Handler, context: { commandName: string }) => Handler;

/** The middleware a plugin adds, called as the SDK would call it. */
const middlewareOf = (plugin: { applyToStack: (stack: never) => void }): Middleware => {
  let added: Middleware | undefined;
  plugin.applyToStack({ add: (m: Middleware) => (added = m) } as never);
  if (added === undefined) throw new Error('the plugin added no middleware');
  return added;
};

const message = (id: string, receiveCount = 1): Message => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: `body ${id}`,
  Attributes: { ApproximateReceiveCount: String(receiveCount) },
});

/** A queue that returns the given batches, one per receive, then empty ones. */
const receiver = (batches: Message[][]): Handler => {
  const left = [...batches];
  return async () => ({ output: { Messages: left.shift() ?? [] } });
};

const receive = (handler: Handler) =>
  handler({ input: { QueueUrl: 'q', MaxNumberOfMessages: 10 } }).then((r) =>
    ((r.output['Messages'] as Message[]) ?? []).map((m) => m.MessageId),
  );

test('a duplicated message is handed again, whole, in a later receive, and counted', async () => {
  const faults = makeDeliveryFaults({ duplicateRate: 1, delayRate: 0, maxDelayMs: 0, seed: 1 });
  const handler = middlewareOf(faults.plugin)(receiver([[message('a'), message('b', 2)]]), {
    commandName: 'ReceiveMessageCommand',
  });
  expect(await receive(handler)).toEqual(['a', 'b']);
  expect(await receive(handler)).toEqual(['a', 'b']);
  expect(await receive(handler)).toEqual([]);
  expect(faults.counts()).toEqual({
    received: 2,
    redeliveries: 1,
    duplicatedReceives: 2,
    duplicatedPublishes: 0,
    delayed: 0,
  });
});

test('without receive duplicates (FIFO queues), received messages are handed once and publishes still twice', async () => {
  const faults = makeDeliveryFaults({
    duplicateRate: 1,
    delayRate: 0,
    maxDelayMs: 0,
    seed: 1,
    duplicateReceives: false,
  });
  const middleware = middlewareOf(faults.plugin);
  const handler = middleware(receiver([[message('a'), message('b')]]), {
    commandName: 'ReceiveMessageCommand',
  });
  expect(await receive(handler)).toEqual(['a', 'b']);
  expect(await receive(handler)).toEqual([]);
  const sent: unknown[] = [];
  await middleware(async (args) => (sent.push(args.input), { output: {} }), {
    commandName: 'PublishCommand',
  })({ input: { n: 1 } });
  expect(sent).toEqual([{ n: 1 }, { n: 1 }]);
  expect(faults.counts()).toMatchObject({ received: 2, duplicatedReceives: 0, duplicatedPublishes: 1 });
});

test('a delayed message is held back, overtaken by later ones, then handed over once', async () => {
  const faults = makeDeliveryFaults({ duplicateRate: 0, delayRate: 1, maxDelayMs: 0, seed: 1 });
  const handler = middlewareOf(faults.plugin)(receiver([[message('a')]]), {
    commandName: 'ReceiveMessageCommand',
  });
  expect(await receive(handler)).toEqual([]);
  expect(await receive(handler)).toEqual(['a']);
  expect(await receive(handler)).toEqual([]);
  expect(faults.counts()).toMatchObject({ received: 1, delayed: 1, duplicatedReceives: 0 });
});

test('a duplicated publish is sent twice; other calls pass untouched', async () => {
  const faults = makeDeliveryFaults({ duplicateRate: 1, delayRate: 1, maxDelayMs: 0, seed: 1 });
  const sent: unknown[] = [];
  const next: Handler = async (args) => (sent.push(args.input), { output: {} });
  const middleware = middlewareOf(faults.plugin);
  await middleware(next, { commandName: 'PublishBatchCommand' })({ input: { n: 1 } });
  await middleware(next, { commandName: 'TransactWriteItemsCommand' })({ input: { n: 2 } });
  expect(sent).toEqual([{ n: 1 }, { n: 1 }, { n: 2 }]);
  expect(faults.counts().duplicatedPublishes).toBe(1);
});

test('rates outside 0..1 are refused', () => {
  expect(() => makeDeliveryFaults({ duplicateRate: 2, delayRate: 0, maxDelayMs: 0, seed: 1 })).toThrow(
    'the duplicate rate must be from 0 to 1',
  );
});

test('after the kill switch, no request is sent and no response in flight is read', async () => {
  const killSwitch = makeKillSwitch();
  let sends = 0;
  let release: () => void = () => undefined;
  const next: Handler = async () => {
    sends += 1;
    await new Promise<void>((resolve) => (release = resolve));
    return { output: {} };
  };
  const handler = middlewareOf(killSwitch.plugin)(next, { commandName: 'DeleteMessageBatchCommand' });
  const inFlight = handler({ input: {} });
  killSwitch.kill();
  release();
  await expect(inFlight).rejects.toThrow('worker killed');
  await expect(handler({ input: {} })).rejects.toThrow('worker killed');
  expect(sends).toBe(1);
});
