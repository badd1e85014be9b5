import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { applyCommand, MAX_ATTEMPTS, raceBackoffMs } from '../../../src/domain/apply';
import type { DirectoryStore } from '../../../src/domain/store';
import { eventOf } from '../../support/builders';

/** A store whose every transaction loses a race on the group item, counting its calls. */
const alwaysLosing = () => {
  let transactions = 0;
  const store: DirectoryStore = {
    getCommand: () => TE.right(undefined),
    load: () => TE.right({ groups: new Map(), canonicalNames: new Map(), emails: new Map() }),
    transact: () => {
      transactions += 1;
      return TE.right({ kind: 'cancelled', failed: ['group'], conflict: false });
    },
    membershipsOfGroup: () => TE.right([]),
    recordRejection: () => TE.right('stored'),
  };
  return { store, transactions: () => transactions };
};

describe('a lost race is retried after a jittered, growing pause', () => {
  test('each retry waits first, within a bound that doubles: never an immediate retry loop', async () => {
    const { store, transactions } = alwaysLosing();
    const pauses: number[] = [];
    const result = await applyCommand(
      store,
      () => '2026-11-30T00:00:00.000Z',
      async (ms) => {
        pauses.push(ms);
      },
    )(eventOf({ type: 'GROUP_CREATED', name: 'Dev' }))();
    expect(E.isLeft(result)).toBe(true);
    expect(transactions()).toBe(MAX_ATTEMPTS);
    expect(pauses).toHaveLength(MAX_ATTEMPTS - 1);
    pauses.forEach((ms, i) => expect(ms).toBeLessThan(25 * 2 ** i));
  });

  test('the bound doubles per attempt and the jitter spans it', () => {
    expect([1, 2, 3].map((n) => raceBackoffMs(n, () => 0.999))).toEqual([24, 49, 99]);
    expect([1, 2, 3].map((n) => raceBackoffMs(n, () => 0))).toEqual([0, 0, 0]);
  });
});
