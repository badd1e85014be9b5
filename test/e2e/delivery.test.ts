import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import * as TE from 'fp-ts/TaskEither';
import { clientOptions } from '../../src/adapters/aws-config';
import { pollUntil } from '../../src/adapters/poll-until';
import { waitForOutcome } from '../../src/local/client';
import { eventOf, HASH, groupRef } from '../support/builders';
import { EVENTS, captureOutput, sendAndWait, startTestStack, stateOf, type TestStack } from '../support/e2e';
import { scanAll } from '../support/emulators';
import { unsafeTestHasher } from '../support/unsafe-kdf';

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

const queueDepth = async (url: string): Promise<number> => {
  const a = (
    await t.target.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    )
  ).Attributes;
  return (
    Number(a?.['ApproximateNumberOfMessages'] ?? 0) +
    Number(a?.['ApproximateNumberOfMessagesNotVisible'] ?? 0)
  );
};
const groupNames = async () => (await stateOf(t)).groups.map((g) => g.name);

/** Creates a group of the calling test's own, so that no test needs what another one left behind. */
const createGroup = async (name: string): Promise<void> => {
  const { outcome } = await sendAndWait(
    t,
    JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name } }),
  );
  if (outcome.status !== 'APPLIED')
    throw new Error(`group ${name} was not created: ${JSON.stringify(outcome)}`);
};

test("the real AWS CLI sends a file with the seed's own command shape, and the state changes", async () => {
  const { stdout } = await run(
    'aws',
    [
      '--endpoint-url',
      t.stack.config.endpoint,
      '--region',
      t.stack.config.region,
      '--output',
      'json',
      'sqs',
      'send-message',
      '--queue-url',
      t.stack.queueUrls.input,
      '--message-body',
      `file://${join(EVENTS, '01-group-created-engineering.json')}`,
      '--delay-seconds',
      '1',
    ],
    { env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PAGER: '' } },
  );
  const messageId = (JSON.parse(stdout) as { MessageId: string }).MessageId;
  const outcome = await waitForOutcome(t.target.doc, t.stack.names.table, messageId, 20_000);
  expect(outcome.status).toBe('APPLIED');
  expect(await groupNames()).toContain('Engineering');
}, 60_000);

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
  await pollUntil(async () => ((await queueDepth(t.stack.queueUrls.inputDlq)) === 1 ? true : undefined), {
    timeoutMs: 30_000,
    what: 'the DLQ',
  });
  expect(await queueDepth(t.stack.queueUrls.input)).toBe(0);
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

describe('POST /commands', () => {
  const post = (body: string) =>
    fetch(`${t.stack.httpUrl}/commands`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });

  test('400 with every reason for a bad body; nothing is queued', async () => {
    const depth = await queueDepth(t.stack.queueUrls.input);
    const response = await post(
      JSON.stringify({
        entityType: 'USER',
        eventType: 'USER_CREATED',
        eventData: { name: '', email: 'x', password: 'p', 'E-mail': 1 },
      }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid command',
      eventType: 'USER_CREATED',
      reasons: [
        "eventData.E-mail: unknown field (did you mean 'email'?)",
        'eventData.name: must not be empty or only white space',
        'eventData.email: is not an email address (expected local@domain)',
      ],
    });
    expect((await post('{not json')).status).toBe(400);
    expect((await post('x'.repeat(70 * 1024))).status).toBe(413);
    expect(await queueDepth(t.stack.queueUrls.input)).toBe(depth);
  });

  test('202 for a good body, which is then applied', async () => {
    const response = await post(
      JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name: 'Via HTTP' } }),
    );
    expect(response.status).toBe(202);
    const { messageId } = (await response.json()) as { messageId: string };
    expect((await waitForOutcome(t.target.doc, t.stack.names.table, messageId, 20_000)).status).toBe(
      'APPLIED',
    );
    expect(await groupNames()).toContain('Via HTTP');
  });

  test('npm run send -- --via http --wait: the CLI posts each file (signed) and reports its outcome', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'via-http-'));
    const file = join(dir, 'group.json');
    writeFileSync(
      file,
      JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name: 'Signed CLI' } }),
    );
    try {
      const { stdout } = await run(
        'npx',
        [
          'tsx',
          'src/local/cli.ts',
          'send',
          file,
          '--via',
          'http',
          '--url',
          `${t.stack.httpUrl ?? ''}/commands`,
          '--wait',
          '--endpoint',
          t.stack.config.endpoint,
        ],
        { cwd: join(__dirname, '../..'), env: { ...process.env, AWS_ACCESS_KEY_ID: undefined } },
      );
      expect(stdout).toContain('[01/01] group.json -> APPLIED (GROUP_CREATED)');
      expect(await groupNames()).toContain('Signed CLI');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

test('a body sent straight to the queue still gets a full answer', async () => {
  const { outcome } = await sendAndWait(t, '[]');
  expect(outcome).toMatchObject({ status: 'REJECTED', reasons: ['must be a JSON object, got an array'] });
});

test('a published event the cache handler cannot decode becomes a rejection record, not a retry', async () => {
  const sns = new SNSClient(clientOptions(t.stack.config));
  await sns.send(
    new PublishCommand({
      TopicArn: t.stack.topicArn,
      Message: JSON.stringify({
        schema: 'user-directory.command.v1',
        commandId: 'forged-1',
        sentAt: 'x',
        command: { type: 'USER_CREATED', password: 'plain-text-here' },
      }),
      MessageAttributes: { commandId: { DataType: 'String', StringValue: 'forged-1' } },
    }),
  );
  sns.destroy();
  const outcome = await waitForOutcome(t.target.doc, t.stack.names.table, 'forged-1', 20_000);
  expect(outcome).toMatchObject({ status: 'REJECTED', stage: 'cache-handler' });
  expect(outcome.reasons).toEqual(
    expect.arrayContaining([
      'published event: command.password: unknown field (allowed fields: type, name, email, passwordHash, groups)',
      'published event: command.passwordHash: is required',
    ]),
  );
  expect(JSON.stringify(outcome)).not.toContain('plain-text-here');
  expect(await queueDepth(t.stack.queueUrls.cache)).toBe(0);
});
