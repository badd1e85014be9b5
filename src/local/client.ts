import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { AwsConfig } from '../adapters/aws-config';
import {
  getCommandRecord,
  makeDocumentClient,
  type DirectoryState,
  type RejectionView,
} from '../adapters/dynamodb';
import { pollUntil } from '../adapters/poll-until';
import { makeSqsClient, queueAttributes, queueUrlOf, sendMessage } from '../adapters/sqs';
import type { CommandItem } from '../domain/model';
import { dlqEntry, type DlqEntry, type DlqName } from './dlq-view';
import { namesRunning } from './workers';
import { namesFor, type QueueName, type StageNames } from './topology';

/** A deployed stack the CLI talks to: the embedded one, LocalStack, or AWS. */
export interface Target {
  readonly config: AwsConfig;
  readonly names: StageNames;
  readonly sqs: SQSClient;
  readonly doc: DynamoDBDocumentClient;
  readonly queueUrl: (queue: QueueName) => Promise<string>;
}

/**
 * Connects to the stack of a stage at an endpoint, under the given resource names (default: those of
 * the stage's mode in topology.json).
 */
export const connect = (config: AwsConfig, stage: string, names: StageNames = namesFor(stage)): Target => {
  const sqs = makeSqsClient(config);
  const urls = new Map<QueueName, Promise<string>>();
  return {
    config,
    names,
    sqs,
    doc: makeDocumentClient(config),
    queueUrl: (queue) => {
      const known = urls.get(queue) ?? queueUrlOf(sqs, names.queues[queue]);
      urls.set(queue, known);
      return known;
    },
  };
};

/** Connects to the stage's stack that runs at the endpoint, in whichever mode it was started. */
export const connectRunning = async (config: AwsConfig, stage: string): Promise<Target> => {
  const probe = makeSqsClient(config);
  try {
    return connect(config, stage, await namesRunning(probe, stage));
  } finally {
    probe.destroy();
  }
};

/** Expands files and directories into event files: a directory gives its *.json files in name order. */
export const expandEventFiles = (paths: readonly string[]): string[] =>
  paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );

/** Reads an event file as the raw message body, exactly as `aws sqs send-message file://` would. */
export const readBody = (file: string): string => readFileSync(file, 'utf8');

/** Short name of an event file for progress lines. */
export const shortName = (file: string): string => basename(file);

/**
 * Waits by bounded polling until a command has an outcome (APPLIED or REJECTED marker), or throws
 * after `timeoutMs`.
 */
export const waitForOutcome = async (
  doc: DynamoDBDocumentClient,
  table: string,
  commandId: string,
  timeoutMs = 30_000,
): Promise<CommandItem> =>
  pollUntil(
    async () => {
      const record = await getCommandRecord(doc, table, commandId);
      return record !== undefined && record.status !== 'IN_PROGRESS' ? record : undefined;
    },
    { timeoutMs, what: `an outcome of command ${commandId}`, initialDelayMs: 25, maxDelayMs: 250 },
  );

/** What sits in a dead-letter queue, peeked without consuming it: the allowlisted view of each message. */
export interface DlqReport {
  readonly queue: string;
  readonly approximateCount: number;
  readonly messages: DlqEntry[];
}

/** Peeks at a DLQ: receives with a zero visibility timeout, so the messages stay where they are. */
export const peekDlq = async (target: Target, queue: DlqName): Promise<DlqReport> => {
  const url = await target.queueUrl(queue);
  const attrs = await queueAttributes(target.sqs, url);
  const approximate = Number(attrs['ApproximateNumberOfMessages'] ?? 0);
  const seen = new Map<string, DlqEntry>();
  for (let round = 0; round < 5; round += 1) {
    const result = await target.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
    );
    const before = seen.size;
    for (const m of result.Messages ?? []) seen.set(m.MessageId ?? '', dlqEntry(queue, m));
    // Every receive counts in ApproximateReceiveCount: stop as soon as a round brings nothing new.
    if (seen.size === before || seen.size >= approximate) break;
  }
  return {
    queue: target.names.queues[queue],
    approximateCount: approximate,
    messages: [...seen.values()],
  };
};

/** The `state --json` contract: users by email, groups by name, every list sorted. */
export const stateJson = (state: DirectoryState) => ({
  users: state.users.map((u) => ({ email: u.email, name: u.name, groups: u.groups, id: u.id })),
  groups: state.groups.map((g) => ({ name: g.name, members: g.members, id: g.id })),
});

/** The `rejections --json` contract: one entry per rejected message, oldest first. */
export const rejectionsJson = (rejections: readonly RejectionView[]) =>
  rejections.map((r) => ({
    eventType: r.eventType,
    reasons: r.reasons,
    entityType: r.entityType,
    commandId: r.commandId,
    stage: r.stage,
    at: r.at,
  }));

/**
 * Sends files one after another (onto the input queue, or by `options.send`, e.g. POST /commands);
 * with `wait`, waits for each outcome before the next and reports it.
 */
export const sendFiles = async (
  target: Target,
  files: readonly string[],
  options: {
    wait: boolean;
    log: (line: string) => void;
    timeoutMs?: number;
    /** Sends one body and returns its message id (= commandId); default: SendMessage to the input queue. */
    send?: (body: string) => Promise<string>;
  },
): Promise<{ file: string; messageId: string; status?: string }[]> => {
  const send =
    options.send ?? (async (body: string) => sendMessage(target.sqs, await target.queueUrl('input'), body));
  const results: { file: string; messageId: string; status?: string }[] = [];
  for (const [i, file] of files.entries()) {
    const messageId = await send(readBody(file));
    const progress = `[${String(i + 1).padStart(2, '0')}/${String(files.length).padStart(2, '0')}] ${shortName(file)}`;
    if (!options.wait) {
      options.log(`${progress} sent as ${messageId}`);
      results.push({ file, messageId });
      continue;
    }
    const outcome = await waitForOutcome(target.doc, target.names.table, messageId, options.timeoutMs);
    const detail = outcome.status === 'REJECTED' ? `: ${(outcome.reasons ?? []).join(' | ')}` : '';
    options.log(
      `${progress} -> ${outcome.status} (${outcome.eventType ?? 'unknown type'}, command ${messageId})${detail}`,
    );
    results.push({ file, messageId, status: outcome.status });
  }
  return results;
};
