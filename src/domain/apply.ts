import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';
import type { CommandEvent } from './events';
import { rejectionItem, type CommandItem, type Key } from './model';
import {
  lookupFor,
  planCommand,
  planGroupDeletionFinish,
  planMembershipSweep,
  type Lookup,
  type PlanContext,
  type View,
} from './planner';
import { formatReason, type Reason } from './reasons';
import { absent, MARKER_LABEL, type WriteOp } from './writes';

/** The result of one transaction: done, or cancelled with the labels of the operations whose condition failed. */
export type TransactResult =
  | { readonly kind: 'committed' }
  | { readonly kind: 'cancelled'; readonly failed: readonly string[]; readonly conflict: boolean };

/** The port to the directory's storage; the DynamoDB adapter implements it. */
export interface DirectoryStore {
  readonly getCommand: (commandId: string) => TE.TaskEither<Error, CommandItem | undefined>;
  readonly load: (lookup: Lookup) => TE.TaskEither<Error, View>;
  readonly transact: (ops: readonly WriteOp[]) => TE.TaskEither<Error, TransactResult>;
  /** Up to `limit` membership keys of a group, read from the GSI. */
  readonly membershipsOfGroup: (groupKey: string, limit: number) => TE.TaskEither<Error, readonly Key[]>;
}

/** What became of a command. */
export type Outcome =
  | { readonly kind: 'applied' }
  | { readonly kind: 'rejected'; readonly reasons: readonly string[] }
  | { readonly kind: 'duplicate'; readonly status: string };

/** How many times a command is re-read and re-planned when a concurrent write beat it. */
export const MAX_ATTEMPTS = 4;
/** Memberships deleted per sweep transaction of a group deletion. */
export const SWEEP_BATCH = 99;

const duplicateOf = (marker: CommandItem): Outcome => ({ kind: 'duplicate', status: marker.status });

const sweepAndFinish =
  (store: DirectoryStore, commandId: string, groupKey: string, now: () => string) =>
  (): TE.TaskEither<Error, Outcome> =>
    pipe(
      store.membershipsOfGroup(groupKey, SWEEP_BATCH),
      TE.chain((batch) =>
        batch.length > 0
          ? pipe(
              store.transact(planMembershipSweep(batch)),
              TE.chain(sweepAndFinish(store, commandId, groupKey, now)),
            )
          : pipe(
              store.transact(planGroupDeletionFinish(commandId, groupKey, now())),
              TE.map((r): Outcome =>
                r.kind === 'committed' ? { kind: 'applied' } : { kind: 'duplicate', status: 'APPLIED' },
              ),
            ),
      ),
    );

const recordRejection = (
  store: DirectoryStore,
  event: CommandEvent,
  reasons: readonly Reason[],
  ctx: PlanContext,
): TE.TaskEither<Error, Outcome> => {
  const formatted = reasons.map(formatReason);
  const item = rejectionItem({
    commandId: event.commandId,
    eventType: event.command.type,
    entityType: event.command.type.startsWith('USER') ? 'USER' : 'GROUP',
    stage: 'cache-handler',
    reasons: formatted,
    at: ctx.now,
    sentAt: event.sentAt,
  });
  return pipe(
    store.transact([{ op: 'put', label: MARKER_LABEL, item, conditions: [absent] }]),
    TE.map((r): Outcome =>
      r.kind === 'committed'
        ? { kind: 'rejected', reasons: formatted }
        : { kind: 'duplicate', status: 'REJECTED' },
    ),
  );
};

/**
 * Applies one published command exactly once: skip it when its marker exists, else read, plan and
 * write in one transaction that also writes the marker; a lost race re-reads and re-plans. A group
 * deletion runs in steps (hide the group, sweep memberships, finish) and resumes from its marker.
 * Left means a transient failure: the message is retried.
 */
export const applyCommand =
  (store: DirectoryStore, now: () => string = () => new Date().toISOString()) =>
  (event: CommandEvent): TE.TaskEither<Error, Outcome> => {
    const attempt = (n: number): TE.TaskEither<Error, Outcome> => {
      const ctx: PlanContext = { commandId: event.commandId, sentAt: event.sentAt, now: now() };
      return pipe(
        store.load(lookupFor(event.command)),
        TE.map((view) => planCommand(event, view, ctx)),
        TE.chain((plan) => {
          if (plan.kind === 'reject') return recordRejection(store, event, plan.reasons, ctx);
          const ops = plan.kind === 'transaction' ? plan.ops : plan.begin;
          return pipe(
            store.transact(ops),
            TE.chain((result): TE.TaskEither<Error, Outcome> => {
              if (result.kind === 'committed')
                return plan.kind === 'deleteGroup'
                  ? sweepAndFinish(store, event.commandId, plan.groupKey, now)()
                  : TE.right({ kind: 'applied' });
              if (result.failed.includes(MARKER_LABEL))
                return TE.right({ kind: 'duplicate', status: 'seen' });
              if (n < MAX_ATTEMPTS) return attempt(n + 1);
              return TE.left(
                new Error(
                  `write conflict persisted after ${MAX_ATTEMPTS} attempts (${result.failed.join(', ') || 'transaction conflict'})`,
                ),
              );
            }),
          );
        }),
      );
    };
    return pipe(
      store.getCommand(event.commandId),
      TE.chain((marker) => {
        if (marker === undefined) return attempt(1);
        if (marker.status === 'IN_PROGRESS' && marker.groupKey !== undefined)
          return sweepAndFinish(store, event.commandId, marker.groupKey, now)();
        return TE.right(duplicateOf(marker));
      }),
    );
  };
