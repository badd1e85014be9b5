/**
 * In-memory fakes of the ports, for unit tests of the handlers and of `applyCommand`: plain objects
 * that implement the port interfaces with the real semantics (conditions, all-or-nothing
 * transactions, cancellation reasons, a GSI of group members), plus knobs to inject failures.
 */
import { Logger, type LogItem } from '@aws-lambda-powertools/logger';
import type { SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import * as E from 'fp-ts/Either';
import type { TaskEither } from 'fp-ts/TaskEither';
import type { Publication } from '../../src/adapters/sns';
import {
  FORMER_PREFIX,
  groupMembersPartition,
  keys,
  MEMBER_PREFIX,
  TABLE,
  type CommandItem,
  type FormerClaimItem,
  type Key,
  type MembershipItem,
  type UserItem,
} from '../../src/domain/model';
import type { DirectoryStore, Lookup, RejectionWrite, TransactResult, View } from '../../src/domain/store';
import { readView, type ViewReader } from '../../src/domain/view';
import { keyOfOp, MAX_TRANSACTION_ITEMS, type Condition, type WriteOp } from '../../src/domain/writes';

/** A stored item: any attributes, keyed by pk and sk. */
export type StoredItem = Readonly<Record<string, unknown>> & Key;

/** The methods of the store port. */
export type StoreMethod = Exclude<keyof DirectoryStore, 'forBatch'>;

/** How an injected failure shows: a Left (transient), a thrown error, or a rejected promise. */
export type FailureMode = 'left' | 'throw' | 'reject';

interface InjectedFailure {
  readonly method: StoreMethod;
  /** 1-based call numbers of the method that fail; 'all' for every call. */
  readonly calls: readonly number[] | 'all';
  readonly mode: FailureMode;
  readonly error: Error;
}

interface InjectedCancellation {
  remaining: number;
  readonly failed: readonly string[];
  readonly conflict: boolean;
}

const idOf = (key: Key): string => `${key.pk}\u0000${key.sk}`;
const keyOf = (key: Key): Key => ({ pk: key.pk, sk: key.sk });

const holds = (item: StoredItem | undefined, c: Condition): boolean => {
  switch (c.kind) {
    case 'absent':
      return item === undefined;
    case 'present':
      return item !== undefined;
    case 'equals':
      return item !== undefined && item[c.attribute] === c.value;
  }
};

/**
 * An in-memory directory table implementing the storage port as DynamoDB does: conditions (absent,
 * present, equals; a check without conditions checks presence), all-or-nothing transactions that
 * report the labels of the failed conditions, one operation per item per transaction, at most 100
 * items, a GSI over `gsi1pk`/`gsi1sk` for a group's members, and put-if-absent rejection records.
 */
export class FakeDirectoryStore implements DirectoryStore {
  /** The table, by key. */
  readonly items = new Map<string, StoredItem>();
  /** How many times each method was called. */
  readonly calls: Record<StoreMethod, number> = {
    getCommand: 0,
    load: 0,
    transact: 0,
    membershipsOfGroup: 0,
    recordRejection: 0,
  };
  /** Every transaction evaluated, with its result (injected cancellations included). */
  readonly transactions: { readonly ops: readonly WriteOp[]; readonly result: TransactResult | Error }[] = [];
  /** Every rejection record written (not the duplicates). */
  readonly rejections: CommandItem[] = [];
  /** The `limit` of each membershipsOfGroup call. */
  readonly sweepLimits: number[] = [];
  /** The claims whose history a view read queried (a Query on DynamoDB). */
  readonly historyQueries: Key[] = [];
  /** The user keys whose partition a view read (a claim without a snapshot, or a retry). */
  readonly userPartitionReads: string[] = [];
  private readonly hooks: { readonly method: StoreMethod; readonly run: (call: number) => void }[] = [];

  private readonly failures: InjectedFailure[] = [];
  private readonly cancellations: InjectedCancellation[] = [];

  /** Makes the given calls (1-based, per method; 'all' for every call) of a method fail. */
  fail(
    method: StoreMethod,
    calls: number | readonly number[] | 'all',
    mode: FailureMode = 'left',
    error: Error = new Error(`injected ${method} failure`),
  ): this {
    this.failures.push({ method, calls: typeof calls === 'number' ? [calls] : calls, mode, error });
    return this;
  }

  /**
   * Runs `hook` with the 1-based call number just before each call of a method does its work, e.g.
   * to let a concurrent writer change the table between a read and a write.
   */
  before(method: StoreMethod, hook: (call: number) => void): this {
    this.hooks.push({ method, run: hook });
    return this;
  }

  /**
   * Makes the next `times` transactions report a cancellation without writing anything: the given
   * failed labels, and/or a transaction conflict (as DynamoDB's TransactionConflict).
   */
  cancelTransact(times: number, failed: readonly string[], conflict = false): this {
    this.cancellations.push({ remaining: times, failed, conflict });
    return this;
  }

  /** Puts items as they are (test set-up). */
  seed<T extends readonly Key[]>(...items: T): this {
    for (const item of items) this.items.set(idOf(item), { ...item } as StoredItem);
    return this;
  }

  /** Deletes the item at a key (test set-up). */
  remove(key: Key): this {
    this.items.delete(idOf(key));
    return this;
  }

  /** The item at a key, if any. */
  get(key: Key): StoredItem | undefined {
    return this.items.get(idOf(key));
  }

  /** Every item of one `type`. */
  ofType(type: string): StoredItem[] {
    return [...this.items.values()].filter((i) => i['type'] === type);
  }

  readonly getCommand = (commandId: string): TaskEither<Error, CommandItem | undefined> =>
    this.run('getCommand', () => {
      const item = this.get(keys.command(commandId));
      return item?.['type'] === 'COMMAND' ? (item as unknown as CommandItem) : undefined;
    });

  readonly load = (lookup: Lookup): TaskEither<Error, View> => this.run('load', () => this.view(lookup));

  readonly transact = (ops: readonly WriteOp[]): TaskEither<Error, TransactResult> =>
    this.run('transact', () => {
      const result = this.evaluate(ops);
      this.transactions.push({ ops, result });
      if (result instanceof Error) throw result;
      return result;
    });

  readonly membershipsOfGroup = (groupKey: string, limit: number): TaskEither<Error, readonly Key[]> =>
    this.run('membershipsOfGroup', () => {
      this.sweepLimits.push(limit);
      const partition = groupMembersPartition(groupKey);
      return [...this.items.values()]
        .filter((i) => i[TABLE.gsiPartitionKey] === partition)
        .sort((a, b) => String(a[TABLE.gsiSortKey]).localeCompare(String(b[TABLE.gsiSortKey])))
        .slice(0, limit)
        .map(keyOf);
    });

  readonly recordRejection = (item: CommandItem): TaskEither<Error, RejectionWrite> =>
    this.run('recordRejection', () => {
      if (this.get(item) !== undefined) return 'duplicate';
      this.seed(item);
      this.rejections.push(item);
      return 'stored';
    });

  /** Counts the call, applies an injected failure if one matches, else runs `body` when the task runs. */
  private run<A>(method: StoreMethod, body: () => A | Promise<A>): TaskEither<Error, A> {
    const call = ++this.calls[method];
    const failure = this.failures.find(
      (f) => f.method === method && (f.calls === 'all' || f.calls.includes(call)),
    );
    if (failure?.mode === 'throw') throw failure.error;
    return async () => {
      if (failure?.mode === 'reject') throw failure.error;
      if (failure?.mode === 'left') return E.left(failure.error);
      try {
        for (const hook of this.hooks) if (hook.method === method) hook.run(call);
        return E.right(await body());
      } catch (error) {
        return E.left(error instanceof Error ? error : new Error(String(error)));
      }
    };
  }

  /** The view, read with the same builder as the DynamoDB adapter's, over this table. */
  private view(lookup: Lookup): Promise<View> {
    const reader: ViewReader = {
      items: async <T>(keyList: readonly Key[]) =>
        keyList.flatMap((k) => {
          const item = this.get(k);
          return item === undefined ? [] : [item as unknown as T];
        }),
      former: async (claim) => {
        this.historyQueries.push(claim);
        return [...this.items.values()]
          .filter((i) => i.pk === claim.pk && i.sk.startsWith(FORMER_PREFIX))
          .sort((a, b) => (a.sk < b.sk ? -1 : 1)) as unknown as FormerClaimItem[];
      },
      user: async (userKey) => {
        this.userPartitionReads.push(userKey);
        const user = this.get(keys.user(userKey)) as UserItem | undefined;
        if (user === undefined) return undefined;
        const memberships = [...this.items.values()]
          .filter((i) => i.pk === user.pk && i.sk.startsWith(MEMBER_PREFIX))
          .map((i) => (i as unknown as MembershipItem).groupKey);
        return { user, memberships };
      },
    };
    return readView(reader, lookup);
  }

  /** Checks every condition, then writes every op or none. An invalid request is an Error. */
  private evaluate(ops: readonly WriteOp[]): TransactResult | Error {
    if (ops.length === 0) return new Error('ValidationException: a transaction needs at least one item');
    if (ops.length > MAX_TRANSACTION_ITEMS)
      return new Error(`ValidationException: more than ${MAX_TRANSACTION_ITEMS} items in one transaction`);
    const ids = ops.map((op) => idOf(keyOfOp(op)));
    if (new Set(ids).size !== ids.length)
      return new Error('ValidationException: multiple operations on one item in one transaction');
    const injected = this.cancellations.find((c) => c.remaining > 0);
    if (injected !== undefined) {
      injected.remaining -= 1;
      return { kind: 'cancelled', failed: injected.failed, conflict: injected.conflict };
    }
    const failed = ops
      .filter((op) => {
        const conditions: readonly Condition[] =
          op.op === 'check' && op.conditions.length === 0 ? [{ kind: 'present' }] : op.conditions;
        const current = this.get(keyOfOp(op));
        return !conditions.every((c) => holds(current, c));
      })
      .map((op) => op.label);
    if (failed.length > 0) return { kind: 'cancelled', failed, conflict: false };
    for (const op of ops) this.write(op);
    return { kind: 'committed' };
  }

  private write(op: WriteOp): void {
    switch (op.op) {
      case 'put':
        this.items.set(idOf(op.item), { ...op.item });
        return;
      case 'update': {
        const next: Record<string, unknown> = { ...(this.get(op.key) ?? keyOf(op.key)), ...op.set };
        for (const name of op.remove) delete next[name];
        for (const [name, n] of Object.entries(op.add ?? {})) next[name] = Number(next[name] ?? 0) + n;
        this.items.set(idOf(op.key), next as StoredItem);
        return;
      }
      case 'delete':
        this.items.delete(idOf(op.key));
        return;
      case 'check':
        return;
    }
  }
}

/** A membership item as the planner writes it (for seeding a group with many members). */
export const membershipItem = (userKey: string, groupKey: string): StoredItem => ({
  ...keys.membership(userKey, groupKey),
  type: 'MEMBERSHIP',
  userKey,
  groupKey,
  createdAt: 't0',
  gsi1pk: groupMembersPartition(groupKey),
  gsi1sk: `${MEMBER_PREFIX}${userKey}`,
});

/**
 * A publisher of the message handler's port: records each batch; `throwOnCall` makes the given
 * 1-based calls throw, `failIds` makes the matching entries reported as failed.
 */
export class FakePublisher {
  readonly batches: (readonly Publication[])[] = [];
  throwOnCall: readonly number[] = [];
  failIds: ReadonlySet<string> = new Set();

  readonly publish = async (entries: readonly Publication[]): Promise<Set<string>> => {
    this.batches.push(entries);
    if (this.throwOnCall.includes(this.batches.length))
      throw new Error('SNS PublishBatch: service unavailable');
    return new Set(entries.map((e) => e.id).filter((id) => this.failIds.has(id)));
  };

  /** Every entry published without failure. */
  published(): Publication[] {
    return this.batches.flat().filter((e) => !this.failIds.has(e.id));
  }
}

/**
 * A real Powertools Logger (levels, formatter, JSON serialization) whose lines are kept in memory
 * instead of being written to stdout.
 */
export class CapturedLogger extends Logger {
  readonly lines: string[] = [];

  protected override printLog(_logLevel: number, log: LogItem): void {
    log.prepareForPrint();
    this.lines.push(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }

  /** The captured lines, parsed. */
  entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/** A logger capturing every level. */
export const capturedLogger = (serviceName = 'test'): CapturedLogger =>
  new CapturedLogger({ serviceName, logLevel: 'DEBUG' });

let records = 0;

/** An SQS record as Lambda delivers it. */
export const sqsRecord = (
  body: string,
  options: {
    readonly messageId?: string;
    readonly sentTimestamp?: string;
    readonly messageAttributes?: Readonly<Record<string, string>>;
  } = {},
): SQSRecord => {
  const messageAttributes: SQSMessageAttributes = Object.fromEntries(
    Object.entries(options.messageAttributes ?? {}).map(([k, v]) => [
      k,
      { dataType: 'String', stringValue: v },
    ]),
  );
  return {
    messageId: options.messageId ?? `m-${++records}`,
    receiptHandle: 'rh',
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: options.sentTimestamp ?? '1764460800000',
      SenderId: 'sender',
      ApproximateFirstReceiveTimestamp: '1764460800001',
    },
    messageAttributes,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:queue',
    awsRegion: 'us-east-1',
  };
};

/** An SQS event of records. */
export const sqsEvent = (...recordList: SQSRecord[]): SQSEvent => ({ Records: recordList });
