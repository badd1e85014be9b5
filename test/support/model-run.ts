/**
 * Runs command sequences of the model-based tests against a real stack, each command sent after the
 * previous one was applied or rejected (or, on an ordered stack, all sent in a burst), and compares
 * what the stack did with the reference model. Shared by the model tests and `npm run chaos`.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DirectoryState, RejectionView } from '../../src/adapters/dynamodb';
import { pollUntil } from '../../src/adapters/poll-until';
import { queueAttributes, sendMessage } from '../../src/adapters/sqs';
import type { CommandItem } from '../../src/domain/model';
import { waitForOutcome } from '../../src/local/client';
import { bodyOf, type Op } from '../model/commands';
import { ReferenceModel, type DirectoryJson } from '../model/reference';
import { inUniverse, type Entry, type Universe } from '../model/universe';

/** Where commands go and outcomes are read. */
export interface RunTarget {
  readonly sqs: SQSClient;
  readonly doc: DynamoDBDocumentClient;
  readonly inputUrl: string;
  readonly table: string;
}

/** One command of a run: what was sent, what the model expects, and what the stack did. */
export interface Step {
  readonly op: Op;
  readonly commandId: string;
  readonly expected: 'APPLIED' | 'REJECTED';
  /** LOST when no outcome came within the wait. */
  readonly got: 'APPLIED' | 'REJECTED' | 'LOST';
  readonly reasons: readonly string[];
}

/** A finished run over one universe. */
export interface UniverseRun {
  readonly universe: Universe;
  readonly steps: readonly Step[];
  readonly expected: DirectoryJson;
}

/** A command sent, with what the stack made of it (undefined: no outcome within the wait). */
export interface Sent {
  readonly op: Op;
  readonly commandId: string;
  readonly outcome: CommandItem | undefined;
}

/** The run the reference model makes of commands applied in the order given. */
export const againstModel = (universe: Universe, sent: readonly Sent[]): UniverseRun => {
  const model = new ReferenceModel();
  const steps = sent.map(({ op, commandId, outcome }): Step => ({
    op,
    commandId,
    expected: model.apply(op) ? 'APPLIED' : 'REJECTED',
    got: outcome === undefined ? 'LOST' : outcome.status === 'REJECTED' ? 'REJECTED' : 'APPLIED',
    reasons: outcome?.reasons ?? [],
  }));
  return { universe, steps, expected: model.directory() };
};

/**
 * Sends the commands one by one, each waited for (bounded polling on its marker) before the next;
 * `afterSend` is called right after each send (to crash workers while the command is in flight).
 */
export const runUniverse = async (
  target: RunTarget,
  universe: Universe,
  ops: readonly Op[],
  options: {
    readonly timeoutMs: number;
    readonly afterSend?: (index: number) => void;
    /** How a command's outcome is waited for (default: its marker, polled); may redrive it. */
    readonly waitFor?: OutcomeWaiter;
  },
): Promise<UniverseRun> => {
  const waitFor: OutcomeWaiter =
    options.waitFor ??
    (async (commandId, timeoutMs) => ({
      commandId,
      outcome: await waitForOutcome(target.doc, target.table, commandId, timeoutMs).catch(() => undefined),
    }));
  const sent: Sent[] = [];
  for (const [index, op] of ops.entries()) {
    const sentId = await sendMessage(target.sqs, target.inputUrl, bodyOf(op));
    options.afterSend?.(index);
    const { commandId, outcome } = await waitFor(sentId, options.timeoutMs);
    sent.push({ op, commandId, outcome });
  }
  return againstModel(universe, sent);
};

/**
 * Waits up to `timeoutMs` for a command's outcome; resolves with the outcome (undefined: none came)
 * and the command's id then (a command redriven from the input DLQ gets a new one).
 */
export type OutcomeWaiter = (
  commandId: string,
  timeoutMs: number,
) => Promise<{ readonly commandId: string; readonly outcome: CommandItem | undefined }>;

/**
 * Sends every command at once, without waiting for any outcome: one SendMessage after another, so
 * on a FIFO queue (one message group) the group's order is the send order; then waits (bounded
 * polling, `timeoutMs` for them all) for each outcome. The model applies the commands in send order.
 * `afterSend` is called right after each send (to crash workers mid-burst).
 */
export const runBurst = async (
  target: RunTarget,
  universe: Universe,
  ops: readonly Op[],
  options: { readonly timeoutMs: number; readonly afterSend?: (index: number) => void },
): Promise<{ readonly run: UniverseRun; readonly sent: readonly Sent[] }> => {
  const ids: string[] = [];
  for (const [index, op] of ops.entries()) {
    ids.push(await sendMessage(target.sqs, target.inputUrl, bodyOf(op)));
    options.afterSend?.(index);
  }
  const deadline = Date.now() + options.timeoutMs;
  const sent: Sent[] = [];
  for (const [index, op] of ops.entries()) {
    const commandId = ids[index] as string;
    const left = Math.max(0, deadline - Date.now());
    const outcome = await waitForOutcome(target.doc, target.table, commandId, left).catch(() => undefined);
    sent.push({ op, commandId, outcome });
  }
  return { run: againstModel(universe, sent), sent };
};

/** The part of a directory that belongs to a universe. */
export const directoryOf = (state: DirectoryState, universe: Universe): DirectoryJson => ({
  users: state.users
    .filter((u) => inUniverse(universe, u.email))
    .map((u) => ({ email: u.email, name: u.name, groups: u.groups, id: u.id })),
  groups: state.groups
    .filter((g) => inUniverse(universe, g.name))
    .map((g) => ({ name: g.name, members: g.members, id: g.id })),
});

/**
 * Every way the stack differs from the model for a run: a command with another outcome, a user or
 * group missing, extra or different, and a rejection recorded other than once.
 */
export const differences = (
  run: UniverseRun,
  state: DirectoryState,
  rejections: readonly RejectionView[],
): string[] => {
  const found: string[] = [];
  run.steps.forEach((s, i) => {
    if (s.got !== s.expected)
      found.push(
        `#${i} ${bodyOf(s.op)}: expected ${s.expected}, got ${s.got}${s.reasons.length > 0 ? ` (${s.reasons.join(' | ')})` : ''}`,
      );
  });
  const actual = directoryOf(state, run.universe);
  const compare = <T extends { id: string }>(what: string, want: readonly T[], got: readonly T[]) => {
    const key = (x: T) => JSON.stringify(x);
    for (const w of want)
      if (!got.some((g) => key(g) === key(w)))
        found.push(`${what} expected ${key(w)}, got ${key(got.find((g) => g.id === w.id) ?? ({} as T))}`);
    for (const g of got) if (!want.some((w) => w.id === g.id)) found.push(`${what} not expected: ${key(g)}`);
  };
  compare('user', run.expected.users, actual.users);
  compare('group', run.expected.groups, actual.groups);
  for (const s of run.steps) {
    const records = rejections.filter((r) => r.commandId === s.commandId).length;
    if (records !== (s.got === 'REJECTED' ? 1 : 0))
      found.push(`command ${s.commandId} has ${records} rejection records (outcome ${s.got})`);
  }
  return found;
};

/** Moves commands generated over one universe into another (same positions in its lists). */
export const retag = (op: Op, from: Universe, to: Universe): Op => {
  const moved = new Map<string, Entry>();
  (['emails', 'names', 'groups', 'passwords'] as const).forEach((list) =>
    from[list].forEach((entry, i) => moved.set(`${list}:${entry.raw}`, to[list][i] as Entry)),
  );
  const lists = ['emails', 'groups', 'names', 'passwords'] as const;
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (typeof x !== 'object' || x === null) return x;
    if ('raw' in x) {
      const list = lists.find((l) => from[l].includes(x as never));
      return list === undefined ? x : (moved.get(`${list}:${(x as Entry).raw}`) ?? x);
    }
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, walk(v)]));
  };
  return walk(op) as Op;
};

/** The model tests' settings from the environment: MODEL_RUNS, MODEL_SEED, MODEL_PATH, MODEL_SHRINK. */
export const modelSettings = (defaultRuns: number) => {
  const runs = Number(process.env['MODEL_RUNS'] ?? defaultRuns);
  const seed =
    process.env['MODEL_SEED'] === undefined ? Date.now() % 2 ** 31 : Number(process.env['MODEL_SEED']);
  const path = process.env['MODEL_PATH'];
  return {
    runs,
    seed,
    path,
    /** fast-check's options: the runs, the seed, the replayed path, and whether to stop at the first failure. */
    options: {
      numRuns: runs,
      seed,
      ...(path === undefined ? {} : { path }),
      // Each run takes seconds against the stack: report the first failure at once unless asked to shrink.
      endOnFailure: process.env['MODEL_SHRINK'] !== '1',
    },
  };
};

const QUEUED = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'];

/**
 * Waits until none of the queues holds a message, visible or in flight (late copies, delayed
 * retries and crashed batches have landed); false if they are still busy after `timeoutMs`.
 */
export const queuesDrained = (
  sqs: SQSClient,
  queueUrls: readonly string[],
  timeoutMs: number,
): Promise<boolean> =>
  pollUntil(
    async () => {
      const left = await Promise.all(queueUrls.map((q) => queueAttributes(sqs, q)));
      return left.every((a) => QUEUED.every((n) => a[n] === '0')) ? true : undefined;
    },
    { timeoutMs, what: 'the queues to drain', maxDelayMs: 500 },
  ).catch(() => false);
