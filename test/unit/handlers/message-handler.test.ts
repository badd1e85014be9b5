import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { decodeCommandEvent } from '../../../src/domain/events';
import type { PasswordHasher } from '../../../src/domain/password';
import {
  handler,
  makeMessageHandler,
  messageHandlerDepsFromEnv,
  type MessageHandlerDeps,
} from '../../../src/handlers/message-handler';
import {
  capturedLogger,
  FakeDirectoryStore,
  FakePublisher,
  sqsEvent,
  sqsRecord,
  type CapturedLogger,
} from '../../support/fakes';
import { unsafeTestHasher } from '../../support/unsafe-kdf';

const SECRET = 'pl4intext-S3cret-never-leaves';
const KDF_DOWN = 'kdf-down-for-this-one';
const KDF_THROWS = 'kdf-throws-for-this-one';
const SENT_MS = '1764460800000';
const SENT_AT = new Date(Number(SENT_MS)).toISOString();

const groupCreated = (name: string) =>
  JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name } });
const userCreated = (password: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    entityType: 'USER',
    eventType: 'USER_CREATED',
    eventData: { name: 'Ana', email: 'ana@example.com', password, groups: [], ...extra },
  });

const realHasher = unsafeTestHasher();
/** The real (cheap) KDF, failing transiently for one password. */
const hasher: PasswordHasher = {
  ...realHasher,
  hash: (password) =>
    password === KDF_DOWN
      ? TE.left(new Error('argon2id worker crashed'))
      : password === KDF_THROWS
        ? () => Promise.reject(new Error('wasm trap'))
        : realHasher.hash(password),
};

interface Harness {
  readonly deps: MessageHandlerDeps;
  readonly store: FakeDirectoryStore;
  readonly publisher: FakePublisher;
  readonly logger: CapturedLogger;
}

const harness = (): Harness => {
  const store = new FakeDirectoryStore();
  const publisher = new FakePublisher();
  const logger = capturedLogger('message-handler');
  return {
    deps: { hasher, publish: publisher.publish, rejections: store, logger },
    store,
    publisher,
    logger,
  };
};

const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((f) => f.itemIdentifier);

const messagesOf = (logger: CapturedLogger) => logger.entries().map((e) => `${e['level']} ${e['message']}`);

describe('message handler', () => {
  test('valid records are hashed and published in one batch, with commandId and eventType attributes', async () => {
    const h = harness();
    const response = await makeMessageHandler(h.deps)(
      sqsEvent(
        sqsRecord(groupCreated('Dev'), { messageId: 'm-dev', sentTimestamp: SENT_MS }),
        sqsRecord(userCreated(SECRET), { messageId: 'm-ana', sentTimestamp: SENT_MS }),
      ),
    );
    expect(failedIds(response)).toEqual([]);
    expect(h.publisher.batches).toHaveLength(1);
    const [batch] = h.publisher.batches;
    expect(batch?.map((p) => ({ id: p.id, attributes: p.attributes }))).toEqual([
      { id: 'm-dev', attributes: { commandId: 'm-dev', eventType: 'GROUP_CREATED' } },
      { id: 'm-ana', attributes: { commandId: 'm-ana', eventType: 'USER_CREATED' } },
    ]);
    const events = (batch ?? []).map((p) => decodeCommandEvent(p.message));
    expect(events).toEqual([
      E.right({
        schema: 'user-directory.command.v1',
        commandId: 'm-dev',
        sentAt: SENT_AT,
        command: { type: 'GROUP_CREATED', name: 'Dev' },
      }),
      E.right(
        expect.objectContaining({
          commandId: 'm-ana',
          command: expect.objectContaining({ passwordHash: expect.stringMatching(/^\$argon2id\$v=19\$/) }),
        }),
      ),
    ]);
    expect(h.store.rejections).toEqual([]);
    expect(messagesOf(h.logger)).toEqual([
      'INFO command accepted and published',
      'INFO command accepted and published',
    ]);
    expect(h.logger.entries()[1]).toMatchObject({
      service: 'message-handler',
      commandId: 'm-ana',
      eventType: 'USER_CREATED',
    });
  });

  test('an invalid record is stored as a rejection (stage message-handler) and not retried', async () => {
    const h = harness();
    const response = await makeMessageHandler(h.deps)(
      sqsEvent(
        sqsRecord(userCreated(SECRET, { email: 'not-an-email' }), {
          messageId: 'm-bad',
          sentTimestamp: SENT_MS,
        }),
        sqsRecord('{ not json', { messageId: 'm-junk', sentTimestamp: SENT_MS }),
        sqsRecord(groupCreated('Ops'), { messageId: 'm-ok' }),
      ),
    );
    expect(failedIds(response)).toEqual([]);
    expect(h.store.rejections).toEqual([
      expect.objectContaining({
        commandId: 'm-bad',
        status: 'REJECTED',
        stage: 'message-handler',
        eventType: 'USER_CREATED',
        entityType: 'USER',
        sentAt: SENT_AT,
        reasons: ['eventData.email: is not an email address (expected local@domain)'],
      }),
      expect.objectContaining({
        commandId: 'm-junk',
        stage: 'message-handler',
        eventType: null,
        entityType: null,
      }),
    ]);
    expect(h.publisher.batches.flat().map((p) => p.id)).toEqual(['m-ok']);
    expect(h.logger.entries()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'command rejected',
        commandId: 'm-bad',
        stored: 'stored',
      }),
      expect.objectContaining({
        level: 'WARN',
        message: 'command rejected',
        commandId: 'm-junk',
        stored: 'stored',
      }),
      expect.objectContaining({
        level: 'INFO',
        message: 'command accepted and published',
        commandId: 'm-ok',
      }),
    ]);
  });

  test('a redelivered invalid record finds its rejection already stored and is not retried', async () => {
    const h = harness();
    const record = sqsRecord(groupCreated('  '), { messageId: 'm-again' });
    await makeMessageHandler(h.deps)(sqsEvent(record));
    const response = await makeMessageHandler(h.deps)(sqsEvent(record));
    expect(failedIds(response)).toEqual([]);
    expect(h.store.rejections).toHaveLength(1);
    expect(h.logger.entries()[1]).toMatchObject({ message: 'command rejected', stored: 'duplicate' });
  });

  test('a rejection the store fails to write is retried; the other records are not', async () => {
    const h = harness();
    h.store.fail('recordRejection', 1);
    const response = await makeMessageHandler(h.deps)(
      sqsEvent(
        sqsRecord(groupCreated(''), { messageId: 'm-lost' }),
        sqsRecord(groupCreated(''), { messageId: 'm-kept' }),
        sqsRecord(groupCreated('Dev'), { messageId: 'm-ok' }),
      ),
    );
    expect(failedIds(response)).toEqual(['m-lost']);
    expect(h.store.rejections.map((r) => r.commandId)).toEqual(['m-kept']);
    expect(h.publisher.published().map((p) => p.id)).toEqual(['m-ok']);
    expect(h.logger.entries()[0]).toMatchObject({
      level: 'ERROR',
      message: 'command rejection not stored, will be retried',
      commandId: 'm-lost',
      error: 'Error: injected recordRejection failure',
    });
  });

  test('a transient KDF failure is retried, not rejected; the other records go on', async () => {
    const h = harness();
    const response = await makeMessageHandler(h.deps)(
      sqsEvent(
        sqsRecord(userCreated(KDF_DOWN), { messageId: 'm-kdf' }),
        sqsRecord(groupCreated('Dev'), { messageId: 'm-ok' }),
      ),
    );
    expect(failedIds(response)).toEqual(['m-kdf']);
    expect(h.store.rejections).toEqual([]);
    expect(h.publisher.published().map((p) => p.id)).toEqual(['m-ok']);
    expect(h.logger.entries()[0]).toMatchObject({
      level: 'ERROR',
      message: 'command failed, will be retried',
      commandId: 'm-kdf',
      error: 'argon2id worker crashed',
    });
  });

  test('a KDF that throws instead of returning Left is retried, only that record', async () => {
    const h = harness();
    const response = await makeMessageHandler(h.deps)(
      sqsEvent(
        sqsRecord(userCreated(KDF_THROWS), { messageId: 'm-trap' }),
        sqsRecord(groupCreated('Dev'), { messageId: 'm-ok' }),
      ),
    );
    expect(failedIds(response)).toEqual(['m-trap']);
    expect(h.publisher.published().map((p) => p.id)).toEqual(['m-ok']);
    expect(h.logger.entries()[0]).toMatchObject({ level: 'ERROR', commandId: 'm-trap', error: 'wasm trap' });
  });

  test('a rejection store that throws instead of returning Left retries only that record', async () => {
    const h = harness();
    h.store.fail('recordRejection', 1, 'throw');
    const response = await makeMessageHandler(h.deps)(
      sqsEvent(
        sqsRecord(groupCreated(''), { messageId: 'm-throw' }),
        sqsRecord(groupCreated(''), { messageId: 'm-kept' }),
        sqsRecord(groupCreated('Dev'), { messageId: 'm-ok' }),
      ),
    );
    expect(failedIds(response)).toEqual(['m-throw']);
    expect(h.store.rejections.map((r) => r.commandId)).toEqual(['m-kept']);
    expect(h.publisher.published().map((p) => p.id)).toEqual(['m-ok']);
  });

  test('when publishing throws, every publication is retried and the stored rejections are not', async () => {
    const h = harness();
    h.publisher.throwOnCall = [1];
    const response = await makeMessageHandler(h.deps)(
      sqsEvent(
        sqsRecord(groupCreated('A'), { messageId: 'm-a' }),
        sqsRecord(groupCreated(''), { messageId: 'm-invalid' }),
        sqsRecord(groupCreated('B'), { messageId: 'm-b' }),
      ),
    );
    expect(failedIds(response)).toEqual(['m-a', 'm-b']);
    expect(h.store.rejections.map((r) => r.commandId)).toEqual(['m-invalid']);
    expect(messagesOf(h.logger)).toEqual([
      'WARN command rejected',
      'ERROR publish failed',
      'ERROR command not published, will be retried',
      'ERROR command not published, will be retried',
    ]);
    expect(h.logger.entries()[1]).toMatchObject({ error: 'Error: SNS PublishBatch: service unavailable' });
  });

  test('when the publisher reports some entries failed, only those are retried', async () => {
    const h = harness();
    h.publisher.failIds = new Set(['m-b']);
    const response = await makeMessageHandler(h.deps)(
      sqsEvent(
        sqsRecord(groupCreated('A'), { messageId: 'm-a' }),
        sqsRecord(groupCreated('B'), { messageId: 'm-b' }),
        sqsRecord(groupCreated('C'), { messageId: 'm-c' }),
      ),
    );
    expect(failedIds(response)).toEqual(['m-b']);
    expect(h.publisher.batches).toHaveLength(1);
    expect(h.logger.entries()).toEqual([
      expect.objectContaining({ message: 'command accepted and published', commandId: 'm-a' }),
      expect.objectContaining({
        level: 'ERROR',
        message: 'command not published, will be retried',
        commandId: 'm-b',
        eventType: 'GROUP_CREATED',
      }),
      expect.objectContaining({ message: 'command accepted and published', commandId: 'm-c' }),
    ]);
  });

  test('the plaintext password never appears in what is published, stored or logged', async () => {
    const h = harness();
    h.publisher.failIds = new Set(['m-unlucky']);
    await makeMessageHandler(h.deps)(
      sqsEvent(
        sqsRecord(userCreated(SECRET), { messageId: 'm-ok' }),
        sqsRecord(userCreated(SECRET), { messageId: 'm-unlucky' }),
        sqsRecord(userCreated(SECRET, { email: 'bad' }), { messageId: 'm-bad-email' }),
        sqsRecord(userCreated(SECRET, { extra: SECRET }), { messageId: 'm-extra-field' }),
        sqsRecord(userCreated(SECRET.repeat(40)), { messageId: 'm-too-long' }),
        sqsRecord(`{"eventData":{"password":"${SECRET}"`, { messageId: 'm-truncated' }),
      ),
    );
    h.publisher.throwOnCall = [2];
    await makeMessageHandler(h.deps)(sqsEvent(sqsRecord(userCreated(SECRET), { messageId: 'm-throw' })));
    expect(h.publisher.batches.flat()).toHaveLength(3);
    expect(h.store.rejections.map((r) => r.commandId)).toEqual([
      'm-bad-email',
      'm-extra-field',
      'm-too-long',
      'm-truncated',
    ]);
    expect(h.logger.lines.length).toBeGreaterThanOrEqual(7);
    const everything = [
      ...h.publisher.batches.flat().map((p) => JSON.stringify(p)),
      ...h.store.rejections.map((r) => JSON.stringify(r)),
      ...h.logger.lines,
    ];
    for (const text of everything) expect(text).not.toContain(SECRET);
  });

  test('an empty batch publishes nothing and retries nothing', async () => {
    const h = harness();
    expect(await makeMessageHandler(h.deps)(sqsEvent())).toEqual({ batchItemFailures: [] });
    expect(h.publisher.published()).toEqual([]);
  });
});

describe('message handler configuration', () => {
  const env = {
    TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:commands',
    CACHE_TABLE_NAME: 'directory',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  };

  test('a complete environment builds the dependencies without any network call', () => {
    const deps = messageHandlerDepsFromEnv(env);
    expect(typeof deps.publish).toBe('function');
    expect(typeof deps.rejections.recordRejection).toBe('function');
    expect(typeof deps.hasher.hash).toBe('function');
  });

  test.each(['TOPIC_ARN', 'CACHE_TABLE_NAME'])('a missing %s fails naming it', (name) => {
    expect(() => messageHandlerDepsFromEnv({ ...env, [name]: undefined })).toThrow(
      `environment variable ${name} is not set`,
    );
  });

  test.each([
    ['m=1,t=1,p=1', 'KDF parameters m=1,t=1,p=1 are below the OWASP floor'],
    ['m=524288,t=2,p=1', 'KDF parameters m=524288,t=2,p=1 are above the ceiling'],
    ['fast please', 'KDF parameters "fast please" are not of the form m=19456,t=2,p=1'],
  ])('KDF_PARAMS=%j is refused, naming the value', (value, message) => {
    expect(() => messageHandlerDepsFromEnv({ ...env, KDF_PARAMS: value })).toThrow(message);
  });

  describe('the Lambda entry', () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const name of Object.keys(env)) delete process.env[name];
      Object.assign(process.env, saved);
    });

    test('builds its dependencies from the environment on first use', async () => {
      Object.assign(process.env, env);
      await expect(handler(sqsEvent())).resolves.toEqual({ batchItemFailures: [] });
    });
  });
});

describe('on Lambda, the dependencies are built at cold start', () => {
  const lambdaEnv = {
    AWS_LAMBDA_FUNCTION_NAME: 'user-directory-test-messageHandler',
    TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:t',
    CACHE_TABLE_NAME: 'user-directory-test-cache',
  };
  const loadWith = (env: Record<string, string>) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      jest.isolateModules(() => {
        require('../../../src/handlers/message-handler'); // eslint-disable-line @typescript-eslint/no-require-imports -- a fresh module load is what is tested
      });
    } finally {
      for (const key of Object.keys(env)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  };
  test('a KDF setting it cannot use stops the module from loading, naming the reason', () => {
    expect(() => loadWith({ ...lambdaEnv, KDF_PARAMS: 'm=19456,t=2,p=10000' })).toThrow(/above the ceiling/);
  });
  test('a good setting loads, after the self-test', () => {
    expect(() => loadWith({ ...lambdaEnv, KDF_PARAMS: 'm=19456,t=2,p=1' })).not.toThrow();
  });
});
