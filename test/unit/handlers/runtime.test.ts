import * as E from 'fp-ts/Either';
import { batchResponse, lazy, makeLogger, sentAtOf, storeRejection } from '../../../src/handlers/runtime';
import { FakeDirectoryStore, sqsRecord } from '../../support/fakes';

describe('handler runtime', () => {
  test('makeLogger: an explicit level, else POWERTOOLS_LOG_LEVEL, else INFO', () => {
    const saved = process.env['POWERTOOLS_LOG_LEVEL'];
    try {
      delete process.env['POWERTOOLS_LOG_LEVEL'];
      expect(makeLogger('svc').getLevelName()).toBe('INFO');
      expect(makeLogger('svc', 'ERROR').getLevelName()).toBe('ERROR');
      process.env['POWERTOOLS_LOG_LEVEL'] = 'WARN';
      expect(makeLogger('svc').getLevelName()).toBe('WARN');
    } finally {
      if (saved === undefined) delete process.env['POWERTOOLS_LOG_LEVEL'];
      else process.env['POWERTOOLS_LOG_LEVEL'] = saved;
    }
  });

  test('batchResponse lists the records to retry', () => {
    expect(batchResponse([])).toEqual({ batchItemFailures: [] });
    expect(batchResponse(['a', 'b'])).toEqual({
      batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }],
    });
  });

  test('sentAtOf reads SentTimestamp, and falls back to now when it is missing or not a time', () => {
    expect(sentAtOf(sqsRecord('{}', { sentTimestamp: '1700000000000' }))).toBe('2023-11-14T22:13:20.000Z');
    for (const bad of ['', 'soon', '0', '-5']) {
      const before = Date.now();
      const at = Date.parse(sentAtOf(sqsRecord('{}', { sentTimestamp: bad })));
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(Date.now());
    }
  });

  test('lazy builds once, on first use, and builds again after a failed build', () => {
    let builds = 0;
    let ready = false;
    const get = lazy(() => {
      builds += 1;
      if (!ready) throw new Error('not configured');
      return { id: builds };
    });
    expect(builds).toBe(0);
    expect(get).toThrow('not configured');
    ready = true;
    const first = get();
    expect(get()).toBe(first);
    expect(builds).toBe(2);
  });

  test('storeRejection writes a REJECTED record once, reports a duplicate, and turns a Left into an error', async () => {
    const store = new FakeDirectoryStore().fail('recordRejection', 3);
    const fields = {
      commandId: 'c1',
      eventType: null,
      entityType: null,
      stage: 'message-handler' as const,
      reasons: ['body: is not valid JSON'],
    };
    expect(await storeRejection(store, fields)).toEqual({ ok: true, written: 'stored' });
    expect(await storeRejection(store, fields)).toEqual({ ok: true, written: 'duplicate' });
    expect(await storeRejection(store, fields)).toEqual({
      ok: false,
      error: 'Error: injected recordRejection failure',
    });
    expect(store.rejections).toEqual([
      expect.objectContaining({ commandId: 'c1', status: 'REJECTED', reasons: fields.reasons }),
    ]);
    expect(await store.getCommand('c1')()).toEqual(E.right(expect.objectContaining({ status: 'REJECTED' })));
  });
});
