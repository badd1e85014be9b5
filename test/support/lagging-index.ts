/**
 * A decorator of the storage port that gives its member index the lag of a DynamoDB GSI: a new
 * membership shows in `membershipsOfGroup` only `lagMs` after its write, and a deleted one keeps
 * showing for `lagMs` after its deletion. Time is the test's clock, so no test sleeps.
 */
import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';
import { MEMBER_PREFIX, type Key } from '../../src/domain/model';
import type { DirectoryStore } from '../../src/domain/store';

const idOf = (key: Key) => `${key.pk}\u0000${key.sk}`;
const isMembership = (key: Key) => key.sk.startsWith(MEMBER_PREFIX);
const groupKeyOf = (key: Key) => key.sk.slice(MEMBER_PREFIX.length);

/** The store, its index lagging by `lagMs` on `clock`, and how often the index was read. */
export const withIndexLag = (
  store: DirectoryStore,
  lagMs: number,
  clock: () => number,
): DirectoryStore & { readonly indexReads: () => number } => {
  const shownFrom = new Map<string, number>();
  const ghosts = new Map<string, { readonly key: Key; readonly until: number }>();
  let reads = 0;
  return {
    ...store,
    indexReads: () => reads,
    transact: (ops) =>
      pipe(
        store.transact(ops),
        TE.map((result) => {
          if (result.kind !== 'committed') return result;
          for (const op of ops) {
            const key: Key = op.op === 'put' ? { pk: op.item.pk, sk: op.item.sk } : op.key;
            if (!isMembership(key)) continue;
            if (op.op === 'put') shownFrom.set(idOf(key), clock() + lagMs);
            if (op.op === 'delete') ghosts.set(idOf(key), { key, until: clock() + lagMs });
          }
          return result;
        }),
      ),
    membershipsOfGroup: (groupKey, limit) => {
      reads += 1;
      const now = clock();
      return pipe(
        store.membershipsOfGroup(groupKey, limit + shownFrom.size),
        TE.map((current) => {
          const shown = current.filter((k) => (shownFrom.get(idOf(k)) ?? 0) <= now);
          const stale = [...ghosts.values()]
            .filter((g) => g.until > now && groupKeyOf(g.key) === groupKey)
            .filter((g) => !current.some((k) => idOf(k) === idOf(g.key)))
            .map((g) => g.key);
          return [...shown, ...stale].sort((a, b) => a.pk.localeCompare(b.pk)).slice(0, limit);
        }),
      );
    },
  };
};
