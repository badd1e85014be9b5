import type { CommandEvent } from '../../../src/domain/events';
import { groupIdOf } from '../../../src/domain/ids';
import { keys } from '../../../src/domain/model';
import {
  cacheHandlerDepsFromEnv,
  handler,
  makeCacheHandler,
  type CacheHandlerDeps,
} from '../../../src/handlers/cache-handler';
import { HASH, eventOf, groupItems, groupRecord, groupRef } from '../../support/builders';
import {
  capturedLogger,
  FakeDirectoryStore,
  membershipItem,
  sqsEvent,
  sqsRecord,
  type CapturedLogger,
  type StoreMethod,
  type FailureMode,
} from '../../support/fakes';

const SENT_MS = '1764460800000';
const SENT_AT = new Date(Number(SENT_MS)).toISOString();

/** An SQS record carrying a published event, as the cache queue delivers it (raw delivery). */
const published = (event: CommandEvent, messageId = `sqs-${event.commandId}`) =>
  sqsRecord(JSON.stringify(event), {
    messageId,
    sentTimestamp: SENT_MS,
    messageAttributes: { commandId: event.commandId, eventType: event.command.type },
  });

interface Harness {
  readonly deps: CacheHandlerDeps;
  readonly store: FakeDirectoryStore;
  readonly logger: CapturedLogger;
}

const harness = (store = new FakeDirectoryStore()): Harness => {
  const logger = capturedLogger('cache-handler');
  return { deps: { store, logger }, store, logger };
};

const failedIds = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
  response.batchItemFailures.map((f) => f.itemIdentifier);

const createGroup = (name: string, commandId?: string) => eventOf({ type: 'GROUP_CREATED', name }, commandId);

describe('cache handler', () => {
  test('an applied command is written and logged, and not retried', async () => {
    const h = harness();
    const response = await makeCacheHandler(h.deps)(sqsEvent(published(createGroup('Dev', 'c-dev'))));
    expect(failedIds(response)).toEqual([]);
    expect(h.store.get(keys.groupName(groupIdOf('Dev')))).toMatchObject({ groupKey: 'c-dev' });
    expect(h.store.get(keys.command('c-dev'))).toMatchObject({ status: 'APPLIED' });
    expect(h.logger.entries()).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'command applied',
        service: 'cache-handler',
        commandId: 'c-dev',
        eventType: 'GROUP_CREATED',
      }),
    ]);
  });

  test('a rule violation becomes a rejection record (stage cache-handler), not retried', async () => {
    const dev = groupRecord('Dev', 'g-dev');
    const h = harness(new FakeDirectoryStore().seed(...groupItems(dev)));
    const response = await makeCacheHandler(h.deps)(sqsEvent(published(createGroup('Dev', 'c-taken'))));
    expect(failedIds(response)).toEqual([]);
    expect(h.store.rejections).toEqual([
      expect.objectContaining({
        commandId: 'c-taken',
        status: 'REJECTED',
        stage: 'cache-handler',
        eventType: 'GROUP_CREATED',
        entityType: 'GROUP',
        reasons: ['name: a group named "Dev" already exists'],
      }),
    ]);
    expect(h.logger.entries()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'command rejected',
        commandId: 'c-taken',
        reasons: ['name: a group named "Dev" already exists'],
      }),
    ]);
  });

  test('a command whose marker exists is skipped as a duplicate, not retried', async () => {
    const h = harness();
    const event = createGroup('Dev', 'c-twice');
    await makeCacheHandler(h.deps)(sqsEvent(published(event, 'sqs-1')));
    const writes = h.store.calls.transact;
    const response = await makeCacheHandler(h.deps)(sqsEvent(published(event, 'sqs-2')));
    expect(failedIds(response)).toEqual([]);
    expect(h.store.calls.transact).toBe(writes);
    expect(h.logger.entries()[1]).toMatchObject({
      level: 'INFO',
      message: 'duplicate command skipped',
      commandId: 'c-twice',
      status: 'APPLIED',
    });
  });

  test('an undecodable event is stored as a rejection with `published event:` reasons, not retried', async () => {
    const h = harness();
    const forged = {
      ...createGroup('Dev', 'c-forged'),
      command: { type: 'USER_CREATED', name: 'Ana', email: 'a@x.io', password: 'hunter2-plain', groups: [] },
    };
    const response = await makeCacheHandler(h.deps)(
      sqsEvent(
        sqsRecord(JSON.stringify(forged), {
          messageId: 'sqs-forged',
          sentTimestamp: SENT_MS,
          messageAttributes: { commandId: 'c-forged', eventType: 'USER_CREATED' },
        }),
        sqsRecord('not json at all', { messageId: 'sqs-junk' }),
      ),
    );
    expect(failedIds(response)).toEqual([]);
    expect(h.store.rejections).toEqual([
      expect.objectContaining({
        commandId: 'c-forged',
        stage: 'cache-handler',
        status: 'REJECTED',
        eventType: 'USER_CREATED',
        entityType: null,
        sentAt: SENT_AT,
      }),
      expect.objectContaining({
        commandId: 'sqs-junk',
        eventType: null,
        reasons: ['published event: body: is not valid JSON'],
      }),
    ]);
    const reasons = h.store.rejections.flatMap((r) => r.reasons ?? []);
    expect(reasons.length).toBeGreaterThan(1);
    for (const r of reasons) expect(r).toMatch(/^published event: /);
    expect(JSON.stringify(h.store.rejections)).not.toContain('hunter2-plain');
    expect(h.logger.lines.join('\n')).not.toContain('hunter2-plain');
    expect(h.logger.entries().map((e) => [e['level'], e['message'], e['commandId']])).toEqual([
      ['ERROR', 'published event rejected', 'c-forged'],
      ['ERROR', 'published event rejected', 'sqs-junk'],
    ]);
    expect(h.store.calls.getCommand).toBe(0);
  });

  test('an undecodable event whose rejection cannot be stored is retried', async () => {
    const h = harness(new FakeDirectoryStore().fail('recordRejection', 1));
    const response = await makeCacheHandler(h.deps)(
      sqsEvent(sqsRecord('{}', { messageId: 'sqs-bad' }), published(createGroup('Dev'), 'sqs-ok')),
    );
    expect(failedIds(response)).toEqual(['sqs-bad']);
    expect(h.store.rejections).toEqual([]);
    expect(h.logger.entries()[0]).toMatchObject({
      level: 'ERROR',
      message: 'published event rejection not stored, will be retried',
      commandId: 'sqs-bad',
      error: 'Error: injected recordRejection failure',
    });
  });

  test.each<[StoreMethod, number]>([
    ['load', 2],
    ['transact', 2],
  ])(
    'a Left from %s (call %i) retries that record only; the rest of the batch is applied',
    async (method, call) => {
      const h = harness(new FakeDirectoryStore().fail(method, call));
      const response = await makeCacheHandler(h.deps)(
        sqsEvent(
          published(createGroup('A', 'c-a')),
          published(createGroup('B', 'c-b')),
          published(createGroup('C', 'c-c')),
        ),
      );
      expect(failedIds(response)).toEqual(['sqs-c-b']);
      expect(h.store.ofType('GROUP').map((g) => g['name'])).toEqual(['A', 'C']);
      expect(h.logger.entries()[1]).toMatchObject({
        level: 'ERROR',
        message: 'command failed, will be retried',
        commandId: 'c-b',
        eventType: 'GROUP_CREATED',
        error: `injected ${method} failure`,
      });
    },
  );

  test('a Left while recording a rule violation retries that record', async () => {
    const dev = groupRecord('Dev', 'g-dev');
    const h = harness(new FakeDirectoryStore().seed(...groupItems(dev)).fail('recordRejection', 1));
    const response = await makeCacheHandler(h.deps)(sqsEvent(published(createGroup('Dev', 'c-taken'))));
    expect(failedIds(response)).toEqual(['sqs-c-taken']);
  });

  test.each<[StoreMethod, FailureMode]>([
    ['load', 'throw'],
    ['load', 'reject'],
    ['transact', 'throw'],
    ['membershipsOfGroup', 'reject'],
  ])('a %s that fails by %s (not Left) retries only that record', async (method, mode) => {
    // with a member, so that its deletion sweeps (membershipsOfGroup) after the whole-group try fails
    const dev = groupRecord('Dev', 'g-dev', 1, 1);
    const h = harness(
      new FakeDirectoryStore().seed(...groupItems(dev), membershipItem('u-x', 'g-dev')).fail(method, 1, mode),
    );
    const response = await makeCacheHandler(h.deps)(
      sqsEvent(
        published(eventOf({ type: 'GROUP_DELETED', group: groupRef('Dev') }, 'c-del')),
        published(createGroup('Ops', 'c-ops')),
      ),
    );
    expect(failedIds(response)).toEqual(['sqs-c-del']);
    expect(h.store.get(keys.command('c-ops'))).toMatchObject({ status: 'APPLIED' });
    expect(h.logger.entries()[0]).toMatchObject({
      level: 'ERROR',
      message: 'command failed, will be retried',
      error: expect.stringContaining(`injected ${method} failure`),
    });
  });

  test('an undecodable event whose rejection store throws is retried, only that record', async () => {
    const h = harness(new FakeDirectoryStore().fail('recordRejection', 1, 'throw'));
    const response = await makeCacheHandler(h.deps)(
      sqsEvent(sqsRecord('{}', { messageId: 'sqs-bad' }), published(createGroup('Dev'), 'sqs-ok')),
    );
    expect(failedIds(response)).toEqual(['sqs-bad']);
    expect(h.store.ofType('GROUP')).toHaveLength(1);
  });

  test('a thrown failure is logged under the command id, as every other outcome line is', async () => {
    const h = harness(new FakeDirectoryStore().fail('load', 1, 'throw'));
    await makeCacheHandler(h.deps)(sqsEvent(published(createGroup('Dev', 'c-dev'), 'sqs-message-id')));
    expect(h.logger.entries()).toEqual([
      expect.objectContaining({ message: 'command failed, will be retried', commandId: 'c-dev' }),
    ]);
  });

  test('the password hash is stored, and no log line carries it', async () => {
    const h = harness();
    const event = eventOf({
      type: 'USER_CREATED',
      name: 'Ana',
      email: 'ana@x.io',
      passwordHash: HASH,
      groups: [],
    });
    await makeCacheHandler(h.deps)(sqsEvent(published(event)));
    expect(h.store.ofType('USER')).toEqual([expect.objectContaining({ passwordHash: HASH })]);
    expect(h.logger.lines.join('\n')).not.toContain(HASH);
  });
});

describe('cache handler configuration', () => {
  const env = {
    CACHE_TABLE_NAME: 'directory',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  };

  test('a complete environment builds the dependencies without any network call', () => {
    expect(typeof cacheHandlerDepsFromEnv(env).store.transact).toBe('function');
  });

  test('a missing CACHE_TABLE_NAME fails naming it', () => {
    expect(() => cacheHandlerDepsFromEnv({ ...env, CACHE_TABLE_NAME: '' })).toThrow(
      'environment variable CACHE_TABLE_NAME is not set',
    );
  });

  describe('the Lambda entry', () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const name of Object.keys(env)) delete process.env[name];
      Object.assign(process.env, saved);
    });

    test('fails naming the missing variable, then builds its dependencies once it is set', async () => {
      delete process.env['CACHE_TABLE_NAME'];
      await expect(Promise.resolve().then(() => handler(sqsEvent()))).rejects.toThrow(
        'environment variable CACHE_TABLE_NAME is not set',
      );
      Object.assign(process.env, env);
      await expect(handler(sqsEvent())).resolves.toEqual({ batchItemFailures: [] });
    });
  });
});
