/**
 * Records from a FIFO queue (ordered mode) follow Lambda's FIFO rule: a record that fails fails every
 * record after it in the batch, so nothing overtakes it when it is retried.
 */
import * as TE from 'fp-ts/TaskEither';
import type { PasswordHasher } from '../../../src/domain/password';
import { makeCacheHandler } from '../../../src/handlers/cache-handler';
import { makeMessageHandler } from '../../../src/handlers/message-handler';
import { eventOf } from '../../support/builders';
import { capturedLogger, FakeDirectoryStore, FakePublisher, sqsEvent, sqsRecord } from '../../support/fakes';
import { unsafeTestHasher } from '../../support/unsafe-kdf';
import { keys } from '../../../src/domain/model';

const FIFO_ARN = 'arn:aws:sqs:us-east-1:000000000000:user-directory-local-input.fifo';
const fifo = (record: ReturnType<typeof sqsRecord>) => ({ ...record, eventSourceARN: FIFO_ARN });
const ids = (r: { batchItemFailures: { itemIdentifier: string }[] }) =>
  r.batchItemFailures.map((f) => f.itemIdentifier);

const KDF_DOWN = 'kdf-down';
const inner = unsafeTestHasher();
const hasher: PasswordHasher = {
  ...inner,
  hash: (p) => (p === KDF_DOWN ? TE.left(new Error('KDF down')) : inner.hash(p)),
};
const user = (email: string, password: string) =>
  JSON.stringify({
    entityType: 'USER',
    eventType: 'USER_CREATED',
    eventData: { name: 'A', email, password, groups: [] },
  });
const group = (name: string) =>
  JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name } });

describe('message handler, FIFO records', () => {
  const batch = (wrap: (r: ReturnType<typeof sqsRecord>) => ReturnType<typeof sqsRecord>) =>
    sqsEvent(
      wrap(sqsRecord(group('One'), { messageId: 'm1' })),
      wrap(sqsRecord(user('a@x.io', KDF_DOWN), { messageId: 'm2' })),
      wrap(sqsRecord(group('Three'), { messageId: 'm3' })),
      wrap(sqsRecord('not json', { messageId: 'm4' })),
    );
  const run = async (wrap: (r: ReturnType<typeof sqsRecord>) => ReturnType<typeof sqsRecord>) => {
    const publisher = new FakePublisher();
    const store = new FakeDirectoryStore();
    const response = await makeMessageHandler({
      hasher,
      publish: publisher.publish,
      rejections: store,
      logger: capturedLogger(),
    })(batch(wrap));
    return { response, publisher, store };
  };

  test('a failed record fails every record after it; those are neither published nor rejected', async () => {
    const { response, publisher, store } = await run(fifo);
    expect(ids(response)).toEqual(['m2', 'm3', 'm4']);
    expect(publisher.published().map((p) => p.id)).toEqual(['m1']);
    expect(store.rejections).toEqual([]);
  });

  test('from a standard queue the same batch fails only the failed record', async () => {
    const { response, publisher, store } = await run((r) => r);
    expect(ids(response)).toEqual(['m2']);
    expect(publisher.published().map((p) => p.id)).toEqual(['m1', 'm3']);
    expect(store.rejections.map((r) => r.commandId)).toEqual(['m4']);
  });

  test('on a FIFO topic entries go one at a time, and a refused one holds back those after it', async () => {
    const publisher = new FakePublisher();
    publisher.failIds = new Set(['m2']);
    const response = await makeMessageHandler({
      hasher,
      publish: publisher.publish,
      rejections: new FakeDirectoryStore(),
      logger: capturedLogger(),
    })(sqsEvent(...['m1', 'm2', 'm3'].map((id) => fifo(sqsRecord(group(`G ${id}`), { messageId: id })))));
    expect(ids(response)).toEqual(['m2', 'm3']);
    expect(publisher.batches.map((b) => b.map((p) => p.id))).toEqual([['m1'], ['m2']]);
  });
});

describe('cache handler, FIFO records', () => {
  const published = (id: string, name: string) =>
    sqsRecord(JSON.stringify(eventOf({ type: 'GROUP_CREATED', name }, id)), { messageId: `sqs-${id}` });

  test('a failed record fails every record after it, unapplied', async () => {
    const store = new FakeDirectoryStore().fail('transact', 2);
    const response = await makeCacheHandler({ store, logger: capturedLogger() })(
      sqsEvent(fifo(published('c1', 'One')), fifo(published('c2', 'Two')), fifo(published('c3', 'Three'))),
    );
    expect(ids(response)).toEqual(['sqs-c2', 'sqs-c3']);
    expect(store.get(keys.command('c1'))).toMatchObject({ status: 'APPLIED' });
    expect(store.get(keys.command('c3'))).toBeUndefined();
  });

  test('from a standard queue the records after a failure are still applied', async () => {
    const store = new FakeDirectoryStore().fail('transact', 2);
    const response = await makeCacheHandler({ store, logger: capturedLogger() })(
      sqsEvent(published('c1', 'One'), published('c2', 'Two'), published('c3', 'Three')),
    );
    expect(ids(response)).toEqual(['sqs-c2']);
    expect(store.get(keys.command('c3'))).toMatchObject({ status: 'APPLIED' });
  });
});
