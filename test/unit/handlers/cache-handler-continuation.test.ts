import type { SQSRecord } from 'aws-lambda';
import { SWEEP_BATCH } from '../../../src/domain/apply';
import { keys } from '../../../src/domain/model';
import {
  makeCacheHandler,
  RESERVE_MS,
  SETTLE_RETRY_SECONDS,
  settleSeconds,
} from '../../../src/handlers/cache-handler';
import { HASH, eventOf, groupItems, groupRecord, groupRef } from '../../support/builders';
import { capturedLogger, FakeDirectoryStore, membershipItem, sqsEvent, sqsRecord } from '../../support/fakes';

const MEMBERS = 3 * SWEEP_BATCH + 5;

/** A store holding group Big (key g-big) with MEMBERS members. */
const bigGroup = () =>
  new FakeDirectoryStore().seed(
    ...groupItems(groupRecord('Big', 'g-big', 1, MEMBERS)),
    ...Array.from({ length: MEMBERS }, (_, i) => membershipItem(`u-${i}`, 'g-big')),
  );

/** A clock that allows `sweeps` sweeps before it reports less than the reserve left. */
const clockAllowing = (sweeps: number) => {
  let asked = 0;
  return { getRemainingTimeInMillis: () => (asked++ < sweeps ? 30_000 : RESERVE_MS - 1) };
};

describe('a group deletion larger than one invocation', () => {
  test('stops between sweeps when time runs short, goes on in a copy of its message, and finishes there', async () => {
    const store = bigGroup();
    const requeued: SQSRecord[] = [];
    const logger = capturedLogger('cache-handler');
    const handle = makeCacheHandler({ store, logger, continueLater: async (r) => void requeued.push(r) });
    const event = eventOf({ type: 'GROUP_DELETED', group: groupRef('Big') }, 'c-big');
    const record = sqsRecord(JSON.stringify(event), {
      messageId: 'm-1',
      messageAttributes: { commandId: 'c-big', eventType: 'GROUP_DELETED' },
    });

    const first = await handle(sqsEvent(record), clockAllowing(1));
    expect(first.batchItemFailures).toEqual([]);
    expect(requeued).toHaveLength(1);
    expect(requeued[0]?.body).toBe(record.body);
    expect(store.get(keys.command('c-big'))).toMatchObject({ status: 'IN_PROGRESS', groupKey: 'g-big' });
    expect(store.ofType('MEMBERSHIP')).toHaveLength(MEMBERS - SWEEP_BATCH);
    expect(logger.entries().map((l) => l['message'])).toEqual(['group deletion continues in a new message']);

    const second = await handle(sqsEvent({ ...record, messageId: 'm-2' }), clockAllowing(10));
    expect(second.batchItemFailures).toEqual([]);
    expect(requeued).toHaveLength(1);
    expect(store.ofType('MEMBERSHIP')).toHaveLength(0);
    expect(store.get(keys.group('g-big'))).toBeUndefined();
    expect(store.get(keys.command('c-big'))).toMatchObject({ status: 'APPLIED' });
  });

  test('a continuation that cannot be sent retries the record; the deletion still resumes from its marker', async () => {
    const store = bigGroup();
    const handle = makeCacheHandler({
      store,
      logger: capturedLogger('cache-handler'),
      continueLater: async () => {
        throw new Error('queue unavailable');
      },
    });
    const event = eventOf({ type: 'GROUP_DELETED', group: groupRef('Big') }, 'c-big');
    const record = sqsRecord(JSON.stringify(event), { messageId: 'm-1' });
    expect((await handle(sqsEvent(record), clockAllowing(0))).batchItemFailures).toEqual([
      { itemIdentifier: 'm-1' },
    ]);
    expect(store.get(keys.command('c-big'))).toMatchObject({ status: 'IN_PROGRESS' });
  });

  test('without a way to continue (or without a clock) the deletion runs to its end in one invocation', async () => {
    const store = bigGroup();
    const handle = makeCacheHandler({ store, logger: capturedLogger('cache-handler') });
    const event = eventOf({ type: 'GROUP_DELETED', group: groupRef('Big') }, 'c-big');
    await handle(sqsEvent(sqsRecord(JSON.stringify(event))), clockAllowing(0));
    expect(store.get(keys.command('c-big'))).toMatchObject({ status: 'APPLIED' });
    expect(store.ofType('MEMBERSHIP')).toHaveLength(0);
  });
});

describe('a command naming an entity that does not exist yet', () => {
  const joinLate = eventOf(
    { type: 'USER_CREATED', name: 'Ana', email: 'ana@x.io', passwordHash: HASH, groups: [groupRef('Late')] },
    'c-late',
  );
  const recordOf = (messageId: string) =>
    sqsRecord(JSON.stringify({ ...joinLate, sentAt: new Date().toISOString() }), {
      messageId,
      messageAttributes: { commandId: 'c-late', eventType: 'USER_CREATED' },
    });

  test('waits in a delayed copy of its message within the settle window, then is applied once the entity exists', async () => {
    const store = new FakeDirectoryStore();
    const requeued: [SQSRecord, number | undefined][] = [];
    const logger = capturedLogger('cache-handler');
    const handle = makeCacheHandler({
      store,
      logger,
      settleWindowSeconds: 30,
      continueLater: async (r, delay) => void requeued.push([r, delay]),
    });
    const record = recordOf('m-1');
    expect((await handle(sqsEvent(record))).batchItemFailures).toEqual([]);
    expect(requeued).toEqual([[record, SETTLE_RETRY_SECONDS]]);
    expect(store.items.size).toBe(0);
    expect(logger.entries()).toEqual([
      expect.objectContaining({
        message: 'command waits for an entity it names',
        commandId: 'c-late',
        reasons: ['groups: unknown group: "Late"'],
      }),
    ]);
    store.seed(...groupItems(groupRecord('Late', 'g-late')));
    expect((await handle(sqsEvent({ ...record, messageId: 'm-2' }))).batchItemFailures).toEqual([]);
    expect(requeued).toHaveLength(1);
    expect(store.get(keys.command('c-late'))).toMatchObject({ status: 'APPLIED' });
  });

  test('is rejected at once without a settle window, or without a way to send a delayed copy', async () => {
    for (const deps of [
      { settleWindowSeconds: 0, continueLater: async () => undefined },
      { settleWindowSeconds: 30 },
    ]) {
      const store = new FakeDirectoryStore();
      await makeCacheHandler({ store, logger: capturedLogger('cache-handler'), ...deps })(
        sqsEvent(recordOf('m')),
      );
      expect(store.get(keys.command('c-late'))).toMatchObject({ status: 'REJECTED' });
    }
  });

  test('SETTLE_WINDOW_SECONDS that is not a number of seconds from 0 to an hour stops the cold start', () => {
    expect(settleSeconds('10')).toBe(10);
    expect(settleSeconds('0')).toBe(0);
    for (const bad of ['ten', '-1', '3601', 'Infinity'])
      expect(() => settleSeconds(bad)).toThrow(/SETTLE_WINDOW_SECONDS must be a number of seconds/);
  });
});
