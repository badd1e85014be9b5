import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';
import type { CommandEvent } from './events';
import { entityTypeOf, HEADS_SINCE_MARGIN_SECONDS, rejectionItem, type CommandItem, type Key } from './model';
import {
  lookupFor,
  planCommand,
  planGroupDeletionFinish,
  planMembershipSweep,
  sendOrderOf,
  sweepLabel,
  type Plan,
  type PlanContext,
} from './planner';
import { headsSinceMarker } from './plans/ops';
import { formatReason, type Reason } from './reasons';
import type { DirectoryStore, Lookup, View } from './store';
import { MARKER_LABEL, type WriteOp } from './writes';

/** What became of a command. */
export type Outcome =
  | { readonly kind: 'applied' }
  | { readonly kind: 'rejected'; readonly reasons: readonly string[] }
  | { readonly kind: 'duplicate'; readonly status: string }
  /** A group deletion stopped between two sweeps for lack of time: its marker says where to resume. */
  | { readonly kind: 'continued' }
  /**
   * The command names an entity that does not exist yet, and it was sent less than the settle window
   * ago: nothing was written; it is to be tried again in `delaySeconds` (an earlier command that
   * creates the entity may still be on its way).
   */
  | { readonly kind: 'waiting'; readonly delaySeconds: number; readonly reasons: readonly string[] };

/**
 * How long a command naming a missing entity may still wait, from when it was sent: the delay before
 * its next try in seconds, or undefined once the window has passed (it is then rejected).
 */
export type SettlePolicy = (sentAt: string) => number | undefined;

/** The settle policy of a window of `windowSeconds`: retries every `everySeconds` (at least 1 s) until it ends. */
export const settleWindow =
  (windowSeconds: number, everySeconds = 1, clock: () => number = Date.now): SettlePolicy =>
  (sentAt) => {
    const sent = Date.parse(sentAt);
    if (!(windowSeconds > 0) || Number.isNaN(sent)) return undefined;
    const remaining = (sent + windowSeconds * 1000 - clock()) / 1000;
    return remaining > 0 ? Math.max(1, Math.min(Math.ceil(remaining), everySeconds)) : undefined;
  };

/** How many times a command is re-read and re-planned when a concurrent write beat it. */
export const MAX_ATTEMPTS = 4;
/** Memberships deleted per sweep transaction of a group deletion (plus the group's count: 100 items). */
export const SWEEP_BATCH = 99;

/**
 * How long to wait before attempt `n + 1` after attempt `n` lost a race: "full jitter" over an
 * exponential bound (up to 25, 50, 100 ms), so racers that collided spread out instead of colliding again.
 */
export const raceBackoffMs = (n: number, random: () => number = Math.random): number =>
  Math.floor(random() * 25 * 2 ** (n - 1));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const duplicateOf = (marker: CommandItem): Outcome => ({ kind: 'duplicate', status: marker.status });

/**
 * How long a group deletion waits before looking again when members remain but none could be
 * deleted (the index has not caught up with new members, or lists members already gone).
 */
export const idleBackoffMs = (idle: number): number => Math.min(1_000, 50 * 2 ** idle);

type Step = Outcome | 'progress' | 'idle';

const sweepAndFinish = (
  store: DirectoryStore,
  commandId: string,
  groupKey: string,
  now: () => string,
  pause: (ms: number) => Promise<void>,
  hasTime: () => boolean,
): TE.TaskEither<Error, Outcome> => {
  const finish = (): TE.TaskEither<Error, Step> =>
    pipe(
      store.transact(planGroupDeletionFinish(commandId, groupKey, now())),
      TE.map((r): Step => {
        if (r.kind === 'committed') return { kind: 'applied' };
        if (r.failed.includes(MARKER_LABEL)) return { kind: 'duplicate', status: 'APPLIED' };
        return 'idle';
      }),
    );
  const sweep = (batch: readonly Key[]): TE.TaskEither<Error, Step> =>
    pipe(
      store.transact(planMembershipSweep(groupKey, batch)),
      TE.chain((r): TE.TaskEither<Error, Step> => {
        if (r.kind === 'committed') return TE.right('progress');
        const live = batch.filter((key) => !r.failed.includes(sweepLabel(key)));
        if (live.length === 0) return finish();
        return live.length < batch.length ? sweep(live) : TE.right('idle');
      }),
    );
  const step = (idle: number): TE.TaskEither<Error, Outcome> =>
    pipe(
      store.membershipsOfGroup(groupKey, SWEEP_BATCH),
      TE.chain((batch): TE.TaskEither<Error, Step> => {
        if (batch.length === 0) return finish();
        return hasTime() ? sweep(batch) : TE.right({ kind: 'continued' });
      }),
      TE.chain((result): TE.TaskEither<Error, Outcome> => {
        if (result === 'progress') return step(0);
        if (result !== 'idle') return TE.right(result);
        if (!hasTime()) return TE.right({ kind: 'continued' });
        return pipe(
          TE.fromTask(() => pause(idleBackoffMs(idle))),
          TE.chain(() => step(idle + 1)),
        );
      }),
    );
  return step(0);
};

const recordRejection = (
  store: DirectoryStore,
  event: CommandEvent,
  reasons: readonly Reason[],
  ctx: PlanContext,
): TE.TaskEither<Error, Outcome> => {
  const formatted = reasons.map(formatReason);
  return pipe(
    store.recordRejection(
      rejectionItem({
        commandId: event.commandId,
        eventType: event.command.type,
        entityType: entityTypeOf(event.command.type),
        stage: 'cache-handler',
        reasons: formatted,
        at: ctx.now,
        sentAt: event.sentAt,
      }),
    ),
    TE.map((written): Outcome =>
      written === 'stored'
        ? { kind: 'rejected', reasons: formatted }
        : { kind: 'duplicate', status: 'REJECTED' },
    ),
  );
};

/** What a command's view reads: what it names, at its send order, with its marker. */
export const lookupOf = (event: CommandEvent): Lookup => ({
  ...lookupFor(event.command),
  order: sendOrderOf(event),
  commandId: event.commandId,
});

/**
 * On a table without its `HeadsSinceItem` (one older than history heads), a plan's transactions also
 * write it, a margin ahead of now: the first to commit wins, the others re-read and see it.
 */
const withHeadsSince = (plan: Plan, view: View, ctx: PlanContext): Plan => {
  if (view.headsSinceMissing !== true || plan.kind === 'reject') return plan;
  const since = `${new Date(Date.parse(ctx.now) + HEADS_SINCE_MARGIN_SECONDS * 1000).toISOString()}#`;
  const meta = headsSinceMarker(since);
  return plan.kind === 'transaction'
    ? { ...plan, ops: [...plan.ops, meta] }
    : { ...plan, whole: [...plan.whole, meta], begin: [...plan.begin, meta] };
};

/**
 * Applies one published command exactly once: skip it when its marker exists, else read, plan and
 * write in one transaction that also writes the marker; a lost race re-reads and re-plans. A group
 * deletion runs in steps (hide the group, sweep memberships, finish) and resumes from its marker.
 * Left means a transient failure: the message is retried. `pause` waits between lost races; a
 * deletion stops between two sweeps once `hasTime` says no, with the outcome `continued`. A command
 * refused only because an entity it names is missing is `waiting` while `settle` gives a delay.
 */
export const applyCommand =
  (
    store: DirectoryStore,
    now: () => string = () => new Date().toISOString(),
    pause: (ms: number) => Promise<void> = sleep,
    hasTime: () => boolean = () => true,
    settle: SettlePolicy = () => undefined,
  ) =>
  (event: CommandEvent): TE.TaskEither<Error, Outcome> => {
    const attempt = (n: number): TE.TaskEither<Error, Outcome> => {
      const ctx: PlanContext = { commandId: event.commandId, sentAt: event.sentAt, now: now() };
      return pipe(
        store.load(n === 1 ? lookupOf(event) : { ...lookupOf(event), userFromPartition: true }),
        TE.chain((view) => {
          const { marker } = view;
          if (marker === undefined)
            return planned(withHeadsSince(planCommand(event, view, ctx), view, ctx), ctx, n);
          if (marker.status === 'IN_PROGRESS' && marker.groupKey !== undefined)
            return sweepAndFinish(store, event.commandId, marker.groupKey, now, pause, hasTime);
          return TE.right(duplicateOf(marker));
        }),
      );
    };
    /** A lost race: read and plan again (after a jittered pause), up to MAX_ATTEMPTS. */
    const again = (n: number, failed: readonly string[]): TE.TaskEither<Error, Outcome> =>
      n < MAX_ATTEMPTS
        ? pipe(
            TE.fromTask(() => pause(raceBackoffMs(n))),
            TE.chain(() => attempt(n + 1)),
          )
        : TE.left(
            new Error(
              `write conflict persisted after ${MAX_ATTEMPTS} attempts (${failed.join(', ') || 'transaction conflict'})`,
            ),
          );
    /** Writes a plan's transaction; `then` says what its commit means. */
    const write = (
      ops: readonly WriteOp[],
      n: number,
      then: () => TE.TaskEither<Error, Outcome>,
      onGroupFailed?: () => TE.TaskEither<Error, Outcome>,
    ): TE.TaskEither<Error, Outcome> =>
      pipe(
        store.transact(ops),
        TE.chain((result): TE.TaskEither<Error, Outcome> => {
          if (result.kind === 'committed') return then();
          if (result.failed.includes(MARKER_LABEL)) return TE.right({ kind: 'duplicate', status: 'seen' });
          if (onGroupFailed !== undefined && !result.conflict && result.failed.join() === 'group')
            return onGroupFailed();
          return again(n, result.failed);
        }),
      );
    const planned = (plan: Plan, ctx: PlanContext, n: number): TE.TaskEither<Error, Outcome> => {
      if (plan.kind === 'reject') {
        const delaySeconds = plan.reasons.every((r) => r.missing) ? settle(event.sentAt) : undefined;
        return delaySeconds === undefined
          ? recordRejection(store, event, plan.reasons, ctx)
          : TE.right({ kind: 'waiting', delaySeconds, reasons: plan.reasons.map(formatReason) });
      }
      const applied = (): TE.TaskEither<Error, Outcome> => TE.right({ kind: 'applied' });
      if (plan.kind === 'transaction') return write(plan.ops, n, applied);
      const steps = () =>
        write(plan.begin, n, () =>
          sweepAndFinish(store, event.commandId, plan.groupKey, now, pause, hasTime),
        );
      // a group without members goes in one transaction; one with members (its count is not 0) in steps
      return write(plan.whole, n, applied, steps);
    };
    return attempt(1);
  };
