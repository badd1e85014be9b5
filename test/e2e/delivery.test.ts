import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { clientOptions } from '../../src/adapters/aws-config';
import { pollUntil } from '../../src/adapters/poll-until';
import { waitForOutcome } from '../../src/local/client';
import {
  EVENTS,
  openTestStack,
  queueDepth,
  patience,
  sendAndWait,
  stateOf,
  type StackUnderTest,
  type TestStack,
} from '../support/e2e';
import { makeScope } from '../support/scope';
import { capabilities } from '../support/target';
import { signedPost } from '../../src/local/http-send';

// Target-agnostic: runs on a private embedded stack, or on the stack E2E_ENDPOINT names. The parts
// that need the embedded stack's internals (log lines read in-process, a KDF that always fails) are
// in embedded-internals.test.ts.

const run = promisify(execFile);
const scope = makeScope(['Engineering', 'Via HTTP', 'Unsigned'], []);
const WAIT = patience(20_000);

let t: TestStack<StackUnderTest>;
const tmp = mkdtempSync(join(tmpdir(), 'delivery-'));
beforeAll(async () => {
  t = await openTestStack({ logLevel: 'SILENT' });
}, patience(60_000));
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await t.stack.stop();
});

const depth = (url: string) => queueDepth(t, url);
const groupNames = async () => (await stateOf(t, scope)).groups.map((g) => g.name);

test(
  "the real AWS CLI sends a file with the seed's own command shape, and the state changes",
  async () => {
    const file = join(tmp, '01-group-created-engineering.json');
    writeFileSync(file, scope.text(readFileSync(join(EVENTS, '01-group-created-engineering.json'), 'utf8')));
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
        `file://${file}`,
        '--delay-seconds',
        '1',
      ],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_PAGER: '' } },
    );
    const messageId = (JSON.parse(stdout) as { MessageId: string }).MessageId;
    const outcome = await waitForOutcome(t.target.doc, t.stack.names.table, messageId, WAIT);
    expect(outcome.status).toBe('APPLIED');
    expect(await groupNames()).toContain(scope.name('Engineering'));
  },
  patience(60_000),
);

describe('POST /commands', () => {
  const producer = () => {
    if (t.stack.httpUrl === undefined)
      throw new Error(
        'E2E_HTTP_URL is not set: the HTTP producer base URL (npm run stack prints it; on LocalStack http://127.0.0.1:4566/restapis/<api id>/<stage>/_user_request_)',
      );
    return t.stack.httpUrl;
  };
  /** A POST /commands signed as the CLI signs it (the deployed API's AWS_IAM authorizer needs it). */
  const post = async (body: string) => {
    const request = await signedPost({ url: `${producer()}/commands`, region: t.stack.config.region }, body);
    return fetch(request.url, { method: 'POST', headers: request.headers, body });
  };
  const unsignedPost = (body: string) =>
    fetch(`${producer()}/commands`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });

  test(
    capabilities.iamEnforced
      ? 'an unsigned POST is refused with 403 (the AWS_IAM authorizer) and nothing is queued'
      : 'an unsigned POST is taken: this target does not enforce IAM (test/e2e/targets), the signed path is the same',
    async () => {
      const body = JSON.stringify({
        entityType: 'GROUP',
        eventType: 'GROUP_CREATED',
        eventData: { name: scope.name('Unsigned') },
      });
      const response = await unsignedPost(body);
      if (capabilities.iamEnforced) {
        expect(response.status).toBe(403);
        expect(await groupNames()).not.toContain(scope.name('Unsigned'));
        return;
      }
      expect(response.status).toBe(202);
      const { messageId } = (await response.json()) as { messageId: string };
      expect((await waitForOutcome(t.target.doc, t.stack.names.table, messageId, WAIT)).status).toBe(
        'APPLIED',
      );
      expect(await groupNames()).toContain(scope.name('Unsigned'));
    },
    patience(30_000),
  );

  test(
    '400 with every reason for a bad body; nothing is queued',
    async () => {
      const before = await depth(t.stack.queueUrls.input);
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
      expect(await depth(t.stack.queueUrls.input)).toBe(before);
    },
    patience(30_000),
  );

  test(
    '202 for a good body, which is then applied',
    async () => {
      const response = await post(
        JSON.stringify({
          entityType: 'GROUP',
          eventType: 'GROUP_CREATED',
          eventData: { name: scope.name('Via HTTP') },
        }),
      );
      expect(response.status).toBe(202);
      const { messageId } = (await response.json()) as { messageId: string };
      expect((await waitForOutcome(t.target.doc, t.stack.names.table, messageId, WAIT)).status).toBe(
        'APPLIED',
      );
      expect(await groupNames()).toContain(scope.name('Via HTTP'));
    },
    patience(30_000),
  );

  test(
    'npm run send -- --via http --wait: the CLI posts each file (signed) and reports its outcome',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'via-http-'));
      const file = join(dir, 'group.json');
      writeFileSync(
        file,
        JSON.stringify({
          entityType: 'GROUP',
          eventType: 'GROUP_CREATED',
          eventData: { name: scope.name('Signed CLI') },
        }),
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
            `${producer()}/commands`,
            '--wait',
            '--endpoint',
            t.stack.config.endpoint,
            '--stage',
            t.stack.names.stage,
          ],
          { cwd: join(__dirname, '../..'), env: { ...process.env, AWS_ACCESS_KEY_ID: undefined } },
        );
        expect(stdout).toMatch(/^\[01\/01\] group\.json -> APPLIED \(GROUP_CREATED, command [\w-]+\)$/m);
        expect(await groupNames()).toContain(scope.name('Signed CLI'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    patience(60_000),
  );
});

test(
  'a body sent straight to the queue still gets a full answer',
  async () => {
    const { outcome } = await sendAndWait(t, '[]');
    expect(outcome).toMatchObject({ status: 'REJECTED', reasons: ['must be a JSON object, got an array'] });
  },
  patience(30_000),
);

test(
  'a published event the cache handler cannot decode becomes a rejection record, not a retry',
  async () => {
    const forged = `forged-${scope.tag}`;
    const sns = new SNSClient(clientOptions(t.stack.config));
    await sns.send(
      new PublishCommand({
        TopicArn: t.stack.topicArn,
        Message: JSON.stringify({
          schema: 'user-directory.command.v1',
          commandId: forged,
          sentAt: 'x',
          command: { type: 'USER_CREATED', password: 'plain-text-here' },
        }),
        MessageAttributes: { commandId: { DataType: 'String', StringValue: forged } },
      }),
    );
    sns.destroy();
    const outcome = await waitForOutcome(t.target.doc, t.stack.names.table, forged, WAIT);
    expect(outcome).toMatchObject({ status: 'REJECTED', stage: 'cache-handler' });
    expect(outcome.reasons).toEqual(
      expect.arrayContaining([
        'published event: command.password: unknown field (allowed fields: type, name, email, passwordHash, groups)',
        'published event: command.passwordHash: is required',
      ]),
    );
    expect(JSON.stringify(outcome)).not.toContain('plain-text-here');
    // a retried message would sit invisible in the cache queue for its visibility timeout (180 s)
    await pollUntil(async () => ((await depth(t.stack.queueUrls.cache)) === 0 ? true : undefined), {
      timeoutMs: WAIT,
      what: 'an empty cache queue',
    });
  },
  patience(30_000),
);
