/**
 * The named workloads. Each does its setup outside the measured window, then sends its commands as
 * fast as the driver can and waits for every outcome inside it.
 */
import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDirectoryStore } from '../../src/adapters/dynamodb';
import { pollUntil } from '../../src/adapters/poll-until';
import { applyCommand } from '../../src/domain/apply';
import { EVENT_SCHEMA, type CommandEvent } from '../../src/domain/events';
import { groupIdOf } from '../../src/domain/ids';
import { groupMembersPartition, keys, TABLE } from '../../src/domain/model';
import type { PasswordHasher } from '../../src/domain/password';
import { awaitOutcomes, sendAll, sendAndAwait, type Done, type DriverTarget } from './driver';

/** The workloads, in the order they run. */
export const WORKLOADS = ['users', 'groups', 'big-group'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

/** A measured window: opened before the commands are sent, closed when the last outcome is read. */
export interface WindowHandle<W> {
  readonly begin: () => void;
  readonly end: () => W;
}

/** What a workload hands back. */
export interface WorkloadRun<W> {
  readonly startMs: number;
  readonly done: readonly Done[];
  readonly window: W;
  /** Workload-specific figures (big-group). */
  readonly extra: Record<string, number | null>;
  /** Commands whose handling needed the KDF (USER_CREATED). */
  readonly hashes: number;
}

/** Everything a workload needs. */
export interface WorkloadContext<W> {
  readonly target: DriverTarget;
  /** The bench's own (uncounted) clients and the queue URLs of the DLQs. */
  readonly sqs: SQSClient;
  readonly doc: DynamoDBDocumentClient;
  readonly dlqUrls: { readonly input: string; readonly cache: string };
  readonly hasher: PasswordHasher;
  readonly runId: string;
  readonly timeoutMs: number;
  readonly window: () => WindowHandle<W>;
  /**
   * Invocations of the cache handler that carried a command: count, longest (ms) and when the last
   * one returned (epoch ms); undefined when unknown.
   */
  readonly invocationsOf: (
    commandId: string,
  ) => { count: number; longestMs: number; lastEndMs: number } | undefined;
}

const group = (eventType: string, eventData: Record<string, unknown>) =>
  JSON.stringify({ entityType: 'GROUP', eventType, eventData });

const requireApplied = (what: string, done: readonly Done[]): void => {
  const rejected = done.filter((d) => d.status !== 'APPLIED').length;
  if (rejected > 0) throw new Error(`${what}: ${rejected} of ${done.length} setup commands were rejected`);
};

const measured = async <W>(
  ctx: WorkloadContext<W>,
  phases: readonly (readonly string[])[],
  hashes: number,
  extra: () => Promise<Record<string, number | null>> = async () => ({}),
): Promise<WorkloadRun<W>> => {
  const window = ctx.window();
  window.begin();
  const startMs = Date.now();
  const done: Done[] = [];
  for (const bodies of phases) done.push(...(await sendAndAwait(ctx.target, bodies, ctx.timeoutMs)));
  return { startMs, done, window: window.end(), extra: await extra(), hashes };
};

/** `users`: N USER_CREATED across 50 groups (created first), each user in two of them, production KDF. */
export const usersWorkload = async <W>(ctx: WorkloadContext<W>, n: number): Promise<WorkloadRun<W>> => {
  const groups = Array.from({ length: 50 }, (_, i) => `bench-${ctx.runId}-team-${i}`);
  requireApplied(
    'users',
    await sendAndAwait(
      ctx.target,
      groups.map((name) => group('GROUP_CREATED', { name })),
      ctx.timeoutMs,
    ),
  );
  const bodies = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      entityType: 'USER',
      eventType: 'USER_CREATED',
      eventData: {
        name: `Bench User ${i}`,
        email: `user${i}.${ctx.runId}@bench.example.com`,
        password: `pw-${ctx.runId}-${i}-${randomUUID()}`,
        groups: [...new Set([groups[i % 50], groups[(i * 7 + 3) % 50]])],
      },
    }),
  );
  return measured(ctx, [bodies], n);
};

/** `groups`: N group commands in three phases (creates, then renames, then deletes), no KDF. */
export const groupsWorkload = async <W>(ctx: WorkloadContext<W>, n: number): Promise<WorkloadRun<W>> => {
  const creates = Math.ceil(n / 3);
  const renames = Math.ceil((n - creates) / 2);
  const deletes = n - creates - renames;
  const name = (i: number) => `bench-${ctx.runId}-g-${i}`;
  const renamed = (i: number) => `bench-${ctx.runId}-renamed-${i}`;
  const range = (k: number) => Array.from({ length: k }, (_, i) => i);
  return measured(
    ctx,
    [
      range(creates).map((i) => group('GROUP_CREATED', { name: name(i) })),
      range(renames).map((i) => group('GROUP_UPDATED', { currentName: name(i), name: renamed(i) })),
      range(deletes).map((i) => group('GROUP_DELETED', { name: i < renames ? renamed(i) : name(i) })),
    ],
    0,
  );
};

const dlqDepth = async (sqs: SQSClient, url: string): Promise<number> => {
  const attrs =
    (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      )
    ).Attributes ?? {};
  return (
    Number(attrs['ApproximateNumberOfMessages'] ?? 0) +
    Number(attrs['ApproximateNumberOfMessagesNotVisible'] ?? 0)
  );
};

/** The depth of both DLQs. */
export const dlqDepths = async <W>(ctx: WorkloadContext<W>) => ({
  'input DLQ messages': await dlqDepth(ctx.sqs, ctx.dlqUrls.input),
  'cache DLQ messages': await dlqDepth(ctx.sqs, ctx.dlqUrls.cache),
});

const countMembers = async (
  doc: DynamoDBDocumentClient,
  table: string,
  groupKey: string,
): Promise<number> => {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: TABLE.gsi,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': TABLE.gsiPartitionKey },
        ExpressionAttributeValues: { ':pk': groupMembersPartition(groupKey) },
        Select: 'COUNT',
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return count;
};

/**
 * Setup of `big-group`: the members are written by the cache handler's own apply path (applyCommand
 * over the DynamoDB store) from the bench process with one precomputed hash, so that creating 10,000
 * users does not cost 10,000 production hashes; the group itself goes through the pipeline.
 */
const addMembers = async <W>(ctx: WorkloadContext<W>, groupName: string, members: number): Promise<void> => {
  const hash = await ctx.hasher.hash(`bench-${ctx.runId}`)();
  if (hash._tag === 'Left') throw hash.left;
  const store = makeDirectoryStore(ctx.doc, ctx.target.table);
  const groupId = groupIdOf(groupName);
  // One at a time: moto fails concurrent transactions (platform notes), and the setup is not measured.
  for (let i = 0; i < members; i += 1) {
    const event: CommandEvent = {
      schema: EVENT_SCHEMA,
      commandId: randomUUID(),
      sentAt: new Date().toISOString(),
      command: {
        type: 'USER_CREATED',
        name: `Member ${i}`,
        email: `member${i}.${ctx.runId}@bench.example.com`,
        passwordHash: hash.right,
        groups: [{ id: groupId, label: groupName }],
      },
    };
    const outcome = await applyCommand(store)(event)();
    if (outcome._tag === 'Left') throw outcome.left;
    if (outcome.right.kind !== 'applied')
      throw new Error(`member ${i} was not created: ${JSON.stringify(outcome.right)}`);
  }
};

/** `big-group`: a group of M members renamed, then deleted; one command at a time. */
export const bigGroupWorkload = async <W>(
  ctx: WorkloadContext<W>,
  members: number,
): Promise<WorkloadRun<W>> => {
  const name = `bench-${ctx.runId}-big`;
  const [created] = await sendAndAwait(ctx.target, [group('GROUP_CREATED', { name })], ctx.timeoutMs);
  if (created === undefined || created.status !== 'APPLIED')
    throw new Error('big-group: the group was not created');
  await addMembers(ctx, name, members);
  const counted = await countMembers(ctx.doc, ctx.target.table, created.id);
  if (counted !== members) throw new Error(`big-group: ${counted} memberships instead of ${members}`);
  const window = ctx.window();
  window.begin();
  const startMs = Date.now();
  const newName = `${name}-renamed`;
  const rename = await sendAndAwait(
    ctx.target,
    [group('GROUP_UPDATED', { currentName: name, name: newName })],
    ctx.timeoutMs,
  );
  const deletion = await awaitOutcomes(
    ctx.target,
    await sendAll(ctx.target, [group('GROUP_DELETED', { name: newName })]),
    ctx.timeoutMs,
  );
  const w = window.end();
  const done = [...rename, ...deletion];
  requireApplied('big-group', done);
  const [r] = rename;
  const [d] = deletion;
  // An invocation is recorded when it returns, after its writes: wait for the one that applied it.
  const invocations =
    d === undefined
      ? undefined
      : (
          await pollUntil(
            async () => {
              const seen = ctx.invocationsOf(d.id);
              return seen === undefined || seen.lastEndMs >= d.at ? { seen } : undefined;
            },
            { what: 'the invocation that applied the deletion to be recorded', timeoutMs: 10_000 },
          )
        ).seen;
  const left = await countMembers(ctx.doc, ctx.target.table, created.id);
  const groupItem = await ctx.doc.send(
    new QueryCommand({
      TableName: ctx.target.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.group(created.id).pk },
      ConsistentRead: true,
    }),
  );
  if (left !== 0 || (groupItem.Count ?? 0) !== 0)
    throw new Error(`big-group: ${left} memberships left after the deletion`);
  return {
    startMs,
    done,
    window: w,
    hashes: 0,
    extra: {
      members,
      'rename latency ms': r === undefined ? null : r.at - r.sentAt,
      'delete latency ms': d === undefined ? null : d.at - d.sentAt,
      'delete: cache-handler invocations': invocations?.count ?? null,
      'delete: longest invocation ms': invocations?.longestMs ?? null,
    },
  };
};
