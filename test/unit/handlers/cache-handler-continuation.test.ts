import type { SQSRecord } from 'aws-lambda';
import { SWEEP_BATCH } from '../../../src/domain/apply';
import { keys } from '../../../src/domain/model';
import { makeCacheHandler, RESERVE_MS } from '../../../src/handlers/cache-handler';
import { eventOf, groupItems, groupRecord, groupRef } from '../../support/builders';
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
