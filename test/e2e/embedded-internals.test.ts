import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import * as TE from 'fp-ts/TaskEither';
import { clientOptions } from '../../src/adapters/aws-config';
import { pollUntil } from '../../src/adapters/poll-until';
import { sendMessage } from '../../src/adapters/sqs';
import { waitForOutcome } from '../../src/local/client';
import { topology } from '../../src/local/topology';
import { eventOf, HASH, groupRef } from '../support/builders';
import {
  EVENTS,
  captureOutput,
  passwordsIn,
  queueDepth,
  sendAndWait,
  startTestStack,
  stateOf,
  type TestStack,
} from '../support/e2e';
import { scanAll } from '../support/emulators';
import { unsafeTestHasher } from '../support/unsafe-kdf';

// Embedded only (see test/e2e/embedded-only.json): these tests read the handlers' log lines in-process
// and swap the KDF for one that always fails for one password. The target-agnostic parts of the same
// behaviour are in events.test.ts, delivery.test.ts and ordering.test.ts.

const run = promisify(execFile);
const POISON = 'kdf-always-fails-for-this-one';

/** The cheap test KDF, except that it always fails for one password: a message that can never succeed. */
const hasher = (() => {
  const inner = unsafeTestHasher();
  return {
    ...inner,
    hash: (p: string) => (p === POISON ? TE.left(new Error('KDF unavailable')) : inner.hash(p)),
  };
})();

let t: TestStack;
const logs = captureOutput();
beforeAll(async () => {
  t = await startTestStack({ hasher });
}, 60_000);
afterAll(async () => {
  logs.restore();
  await t.stack.stop();
});

const depth = (url: string) => queueDepth(t, url);

/** Creates a group of the calling test's own, so that no test needs what another one left behind. */
const createGroup = async (name: string): Promise<void> => {
  const { outcome } = await sendAndWait(
    t,
    JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name } }),
  );
  if (outcome.status !== 'APPLIED')
    throw new Error(`group ${name} was not created: ${JSON.stringify(outcome)}`);
};

describe('events/ on a private stack, as the handlers log it', () => {
  const files = readdirSync(EVENTS)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const sent: { file: string; messageId: string; status: string }[] = [];
  const secrets = passwordsIn(files);
  beforeAll(async () => {
    for (const file of files) {
      const { messageId, outcome } = await sendAndWait(t, readFileSync(join(EVENTS, file), 'utf8'));
      sent.push({ file, messageId, status: outcome.status });
    }
  }, 120_000);

  test('no plaintext password in any log line', () => {
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    expect(logs.lines.length).toBeGreaterThan(files.length);
    for (const secret of secrets) for (const line of logs.lines) expect(line).not.toContain(secret);
  });

  test('one structured log line per command outcome, carrying its commandId through both handlers', () => {
    const lines = logs.json();
    for (const { messageId, status, file } of sent) {
      const mine = lines.filter((l) => l['commandId'] === messageId);
      const waiting = 'cache-handler: command waits for an entity it names';
      const all = mine.map((l) => `${String(l['service'])}: ${String(l['message'])}`);
      // within the settle window a command naming a missing group is tried again before its outcome
      if (!file.startsWith('13')) expect(all).not.toContain(waiting);
      const services = all.filter((line) => line !== waiting);
      if (file.startsWith('12') || file.startsWith('16') || file.startsWith('17'))
        expect(services).toEqual(['message-handler: command rejected']);
      else
        expect(services).toEqual([
          'message-handler: command accepted and published',
          `cache-handler: command ${status === 'APPLIED' ? 'applied' : 'rejected'}`,
        ]);
      for (const l of mine)
        expect(l).toMatchObject({ level: expect.any(String), timestamp: expect.any(String) });
    }
  });
});

test('the same published message delivered twice leaves the state unchanged', async () => {
  await createGroup('Twice Delivered');
  const sns = new SNSClient(clientOptions(t.stack.config));
  const event = eventOf(
    {
      type: 'USER_CREATED',
      name: 'Twice',
      email: 'twice@example.com',
      passwordHash: HASH,
      groups: [groupRef('Twice Delivered')],
    },
    'duplicate-delivery-1',
  );
  const publish = () =>
    sns.send(
      new PublishCommand({
        TopicArn: t.stack.topicArn,
        Message: JSON.stringify(event),
        MessageAttributes: { commandId: { DataType: 'String', StringValue: event.commandId } },
      }),
    );
  await publish();
  await waitForOutcome(t.target.doc, t.stack.names.table, event.commandId, 20_000);
  const before = await scanAll(t.target.doc, t.stack.names.table);
  await publish();
  await pollUntil(
    async () =>
      logs
        .json()
        .find((l) => l['commandId'] === event.commandId && l['message'] === 'duplicate command skipped'),
    { timeoutMs: 20_000, what: 'the duplicate to be skipped' },
  );
  expect(await scanAll(t.target.doc, t.stack.names.table)).toEqual(before);
  expect((await stateOf(t)).users.filter((u) => u.email === 'twice@example.com')).toHaveLength(1);
  sns.destroy();
}, 60_000);

test('a message that always fails ends in the DLQ after maxReceiveCount; the rest of its batch is applied', async () => {
  await createGroup('Dead Letters');
  const body = (name: string, password: string) =>
    JSON.stringify({
      entityType: 'USER',
      eventType: 'USER_CREATED',
      eventData: { name, email: `${name}@example.com`, password, groups: ['Dead Letters'] },
    });
  const sent = await t.target.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: t.stack.queueUrls.input,
      Entries: [
        { Id: 'good1', MessageBody: body('good1', 'pw-one') },
        { Id: 'poison', MessageBody: body('poison', POISON) },
        { Id: 'good2', MessageBody: body('good2', 'pw-two') },
      ],
    }),
  );
  const ids = Object.fromEntries((sent.Successful ?? []).map((s) => [s.Id, s.MessageId ?? '']));
  for (const id of ['good1', 'good2'])
    expect((await waitForOutcome(t.target.doc, t.stack.names.table, ids[id] ?? '', 20_000)).status).toBe(
      'APPLIED',
    );
  await pollUntil(async () => ((await depth(t.stack.queueUrls.inputDlq)) === 1 ? true : undefined), {
    timeoutMs: 30_000,
    what: 'the DLQ',
  });
  expect(await depth(t.stack.queueUrls.input)).toBe(0);
  const failures = logs
    .json()
    .filter((l) => l['commandId'] === ids['poison'] && l['message'] === 'command failed, will be retried');
  expect(failures.length).toBe(3);
  expect((await stateOf(t)).users.map((u) => u.email)).toEqual(
    expect.arrayContaining(['good1@example.com', 'good2@example.com']),
  );
  expect((await stateOf(t)).users.map((u) => u.email)).not.toContain('poison@example.com');
  const { stdout } = await run(
    'npx',
    ['tsx', 'src/local/cli.ts', 'dlq', '--endpoint', t.stack.config.endpoint],
    { cwd: join(__dirname, '../..') },
  );
  expect(stdout).toContain(`${t.stack.names.queues.inputDlq}: 1 message(s)`);
  expect(stdout).toContain(ids['poison']);
  expect(stdout).toMatch(/USER +USER_CREATED +\d+ +\d{4}-\d\d-\d\dT/);
  expect(stdout).not.toContain(POISON);
  expect(stdout).not.toContain('poison@example.com');
  expect(stdout).not.toContain('Dead Letters');
}, 90_000);

describe('a command waiting inside the settle window, as the handlers log it', () => {
  // a stack of its own, with a window long enough for more tries than the cache queue's maxReceiveCount
  let w: TestStack;
  beforeAll(async () => {
    w = await startTestStack({ hasher: unsafeTestHasher(), settleWindowSeconds: 30 });
  }, 60_000);
  afterAll(async () => {
    await w?.stack.stop();
  });

  const send = (body: object) => sendMessage(w.target.sqs, w.stack.queueUrls.input, JSON.stringify(body));

  test('a user naming a group created after it waits for the group, past maxReceiveCount tries, and joins it', async () => {
    const userId = await send({
      entityType: 'USER',
      eventType: 'USER_CREATED',
      eventData: {
        name: 'Early Bird',
        email: 'early@example.com',
        password: 'pw-early',
        groups: ['Late Group'],
      },
    });
    const waits = () =>
      logs
        .json()
        .filter((l) => l['commandId'] === userId && l['message'] === 'command waits for an entity it names');
    const tries = topology.queues.cache.maxReceiveCount + 1;
    await pollUntil(async () => (waits().length >= tries ? true : undefined), {
      timeoutMs: 25_000,
      what: `${tries} tries of the waiting command`,
    });
    expect(waits()[0]).toMatchObject({ reasons: ['groups: unknown group: "Late Group"'] });
    const groupId = await send({
      entityType: 'GROUP',
      eventType: 'GROUP_CREATED',
      eventData: { name: 'Late Group' },
    });
    expect((await waitForOutcome(w.target.doc, w.stack.names.table, groupId)).status).toBe('APPLIED');
    expect((await waitForOutcome(w.target.doc, w.stack.names.table, userId)).status).toBe('APPLIED');
    expect((await stateOf(w)).users).toEqual([
      expect.objectContaining({ email: 'early@example.com', groups: ['Late Group'] }),
    ]);
    expect(await queueDepth(w, w.stack.queueUrls.cacheDlq)).toBe(0);
  }, 60_000);
});
