import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { listRejections, readDirectory } from '../../src/adapters/dynamodb';
import { groupIdOf, userIdOf } from '../../src/domain/ids';
import { connect, rejectionsJson, stateJson, waitForOutcome, type Target } from '../../src/local/client';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { changeVisibility, deleteMessages, queueAttributes, sendMessage } from '../../src/adapters/sqs';
import { summarize } from '../../src/local/redrive';
import { startEmbeddedStack, type EmbeddedStack, type EmbeddedStackOptions } from '../../src/local/stack';
import { resolveTopology } from '../../src/local/workers';
import type { AwsConfig } from '../../src/adapters/aws-config';
import type { Provisioned } from '../../src/local/provision';
import type { Scope } from './scope';
import { capabilities, TARGET } from './target';

export const ROOT = join(__dirname, '../..');
export const EVENTS = join(ROOT, 'events');
export const SEEDS = join(ROOT, 'test/fixtures/seed-events');

/** What a target-agnostic test may use of a stack: its endpoint, names, URLs and the HTTP producer. */
export interface StackUnderTest extends Provisioned {
  readonly config: AwsConfig & { readonly endpoint: string };
  /** The HTTP producer's base URL (`POST <httpUrl>/commands`). */
  readonly httpUrl?: string;
  /** The cache handler's settle window: the one a private stack was started with, or the target's. */
  readonly settleWindowSeconds: number;
  readonly stop: () => Promise<unknown>;
}

/** A running stack with a CLI target on it: by default a private embedded stack. */
export interface TestStack<S extends StackUnderTest = EmbeddedStack & { settleWindowSeconds: number }> {
  readonly stack: S;
  readonly target: Target;
}

/**
 * The stack the end-to-end run targets: `E2E_ENDPOINT` (with `E2E_STAGE`, default local, `E2E_REGION`,
 * default us-east-1, and `E2E_HTTP_URL`, the producer's base URL) names an already running one;
 * undefined means each suite starts its own embedded stack.
 */
export const remoteTarget = (env: NodeJS.ProcessEnv = process.env) => {
  const endpoint = env['E2E_ENDPOINT']?.trim();
  if (!endpoint) return undefined;
  const httpUrl = env['E2E_HTTP_URL']?.trim().replace(/\/+$/, '');
  return {
    endpoint,
    stage: env['E2E_STAGE']?.trim() || 'local',
    region: env['E2E_REGION']?.trim() || 'us-east-1',
    ...(httpUrl ? { httpUrl } : {}),
  };
};

/** A timeout stretched by the target's declared patience (LocalStack's Lambda containers start cold). */
export const patience = (ms: number): number => ms * capabilities.patience;

/** What a private embedded stack of a target-agnostic suite is started with (ignored on a running target). */
export type PrivateStackOptions = Pick<
  EmbeddedStackOptions,
  'logLevel' | 'hasher' | 'mode' | 'settleWindowSeconds' | 'onInvocation'
>;

/** Connects to a running stack of a stage at an endpoint; stopping it only closes the clients. */
export const connectTestStack = async (
  config: AwsConfig & { readonly endpoint: string },
  stage: string,
  httpUrl?: string,
): Promise<TestStack<StackUnderTest>> => {
  const provisioned = await resolveTopology(config, stage);
  const target = connect(config, stage, provisioned.names);
  const stack: StackUnderTest = {
    ...provisioned,
    config,
    settleWindowSeconds: capabilities.settleWindowSeconds,
    ...(httpUrl === undefined ? {} : { httpUrl }),
    stop: async () => {
      target.sqs.destroy();
      target.doc.destroy();
    },
  };
  return { stack, target };
};

/**
 * For a target-agnostic suite: the running stack named by E2E_ENDPOINT/E2E_STAGE (its resources
 * resolved from the stage's names), else a private embedded one started with `options`.
 */
export const openTestStack = async (
  options: PrivateStackOptions = {},
): Promise<TestStack<StackUnderTest>> => {
  const remote = remoteTarget();
  if (remote === undefined) return startTestStack(options);
  return connectTestStack({ region: remote.region, endpoint: remote.endpoint }, remote.stage, remote.httpUrl);
};

/**
 * Why the target has no ordered-mode (FIFO) stage to test, as declared in test/e2e/targets; undefined
 * when it has one (a private stack always can).
 */
export const orderedStageMissing = (): string | undefined => {
  if (remoteTarget() === undefined) return undefined;
  const declared = `test/e2e/targets/${TARGET}.json`;
  if (capabilities.ordered === null) return `the target declares no ordered stage (${declared})`;
  const variable = capabilities.ordered.endpoint;
  return process.env[variable]?.trim()
    ? undefined
    : `${variable}, the endpoint of its ordered stage (${declared}), is not set`;
};

/**
 * For a target-agnostic suite on the ordered mode: the target's FIFO stage (test/e2e/targets), or a
 * private ordered stack; undefined when the target has none (`orderedStageMissing` says why).
 */
export const openOrderedTestStack = async (
  options: Omit<PrivateStackOptions, 'mode'> = {},
): Promise<TestStack<StackUnderTest> | undefined> => {
  const remote = remoteTarget();
  if (remote === undefined) return startTestStack({ ...options, mode: 'ordered' });
  if (capabilities.ordered === null || orderedStageMissing() !== undefined) return undefined;
  const endpoint = process.env[capabilities.ordered.endpoint]?.trim() ?? '';
  return connectTestStack({ region: remote.region, endpoint }, capabilities.ordered.stage);
};

/**
 * The settle window of the stack a suite will open, known before it is opened: `privateWindow` for a
 * private stack (the suite starts it with that), else the target's declared one.
 */
export const settleWindowUnderTest = (privateWindow: number): number =>
  remoteTarget() === undefined ? privateWindow : capabilities.settleWindowSeconds;

/** Starts a private embedded stack on free ports, with quick local retries (embedded-only suites). */
export const startTestStack = async (options: EmbeddedStackOptions = {}): Promise<TestStack> => {
  if (remoteTarget() !== undefined)
    throw new Error(
      'this suite starts an embedded stack of its own: list it in test/e2e/embedded-only.json, or use openTestStack',
    );
  // short by default, so that a rejection for a missing entity comes quickly; test/e2e/ordering tests the window
  const settleWindowSeconds = options.settleWindowSeconds ?? 1;
  const stack = await startEmbeddedStack({
    logLevel: 'INFO',
    waitSeconds: 1,
    retryAfterSeconds: 0,
    ...options,
    settleWindowSeconds,
  });
  return {
    stack: Object.assign(stack, { settleWindowSeconds }),
    target: connect(stack.config, stack.names.stage, stack.names),
  };
};

const run = promisify(execFile);

/** `npm run <args>` in the project, resolving with its exit code and output whatever the code. */
export const npmRun = (
  args: readonly string[],
  options: { readonly timeoutMs?: number; readonly maxBuffer?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> =>
  run('npm', ['run', ...args], {
    cwd: ROOT,
    timeout: options.timeoutMs ?? 60_000,
    ...(options.maxBuffer === undefined ? {} : { maxBuffer: options.maxBuffer }),
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );

/** Sends a raw body to the input queue and waits (bounded polling) for its outcome. */
export const sendAndWait = async (t: TestStack<StackUnderTest>, body: string) => {
  const messageId = await sendMessage(t.target.sqs, t.stack.queueUrls.input, body);
  const outcome = await waitForOutcome(t.target.doc, t.stack.names.table, messageId, patience(20_000));
  return { messageId, outcome };
};

/** `npm run state -- --json`, as the CLI prints it; with a scope, only that namespace's users and groups. */
export const stateOf = async (t: TestStack<StackUnderTest>, scope?: Scope) => {
  const state = stateJson(await readDirectory(t.target.doc, t.stack.names.table));
  if (scope === undefined) return state;
  return {
    users: state.users.filter((u) => scope.owns(u.email)),
    groups: state.groups.filter((g) => scope.owns(g.name)),
  };
};

/** `npm run rejections -- --json`, reduced to type and reasons; with command ids, only theirs. */
export const rejectionsOf = async (t: TestStack<StackUnderTest>, commandIds?: readonly string[]) =>
  rejectionsJson(await listRejections(t.target.doc, t.stack.names.table))
    .filter((r) => commandIds === undefined || commandIds.includes(r.commandId))
    .map((r) => ({ eventType: r.eventType, reasons: r.reasons }));

/**
 * The command ids of `commandIds` that sit in a queue, sorted: one pass over the queue, each message
 * hidden while it runs (so it sees each once) and the others visible again after. With `remove`,
 * the ones found are deleted.
 */
export const parkedIn = async (
  t: TestStack<StackUnderTest>,
  url: string,
  commandIds: readonly string[],
  { remove = false } = {},
): Promise<string[]> => {
  const wanted = new Set(commandIds);
  const found: string[] = [];
  const seen: Message[] = [];
  for (;;) {
    const { Messages = [] } = await t.target.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) break;
    const ours = Messages.filter((m) => wanted.has(summarize(m).commandId ?? ''));
    found.push(...ours.map((m) => summarize(m).commandId ?? ''));
    if (remove) await deleteMessages(t.target.sqs, url, ours);
    seen.push(...(remove ? Messages.filter((m) => !ours.includes(m)) : Messages));
  }
  for (let i = 0; i < seen.length; i += 10)
    await changeVisibility(t.target.sqs, url, seen.slice(i, i + 10), 0);
  return found.sort();
};

/** Messages in a queue, visible or in flight (what a test waits to see drain or arrive). */
export const queueDepth = async (t: TestStack<StackUnderTest>, url: string): Promise<number> => {
  const a = await queueAttributes(t.target.sqs, url);
  return (
    Number(a['ApproximateNumberOfMessages'] ?? 0) + Number(a['ApproximateNumberOfMessagesNotVisible'] ?? 0)
  );
};

/** The plaintext passwords in events/ files (the secrets no item, message or log line may hold). */
export const passwordsIn = (files: readonly string[]): string[] =>
  files
    .map((file) => readFileSync(join(EVENTS, file), 'utf8'))
    .flatMap((body) => {
      try {
        const p = (JSON.parse(body) as { eventData?: { password?: unknown } }).eventData?.password;
        return typeof p === 'string' ? [p] : [];
      } catch {
        return [];
      }
    });

/** Builds the exact `state --json` document from a compact description. */
export const expectedState = (
  users: [email: string, name: string, groups: string[]][],
  groups: [name: string, members: string[]][],
) => ({
  users: users.map(([email, name, g]) => ({ email, name, groups: g, id: userIdOf(email) })),
  groups: groups.map(([name, members]) => ({ name, members, id: groupIdOf(name) })),
});

/** The by-id seed files in the order of the author's CLI-commands file; listed files that do not exist are reported. */
export const seedOrderById = (): { files: string[]; missing: string[] } => {
  const dir = join(SEEDS, 'by-id');
  const present = new Set(readdirSync(dir).filter((f) => f.endsWith('.json')));
  const listed = readFileSync(join(dir, 'Amazon-CLI-commands.txt'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z0-9_]+\.json)/.exec(line.trim())?.[1])
    .filter((f): f is string => f !== undefined);
  const files = listed.filter((f) => present.has(f));
  const unlisted = [...present].filter((f) => !listed.includes(f)).sort();
  return { files: [...files, ...unlisted], missing: [...new Set(listed.filter((f) => !present.has(f)))] };
};

/** Captures what is written to stdout and stderr (the handlers' structured logs) while a suite runs. */
export const captureOutput = () => {
  const lines: string[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write.bind(stream));
  streams.forEach((stream) => {
    let buffer = '';
    stream.write = ((chunk: string | Uint8Array) => {
      buffer += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.trim() !== ''));
      return true;
    }) as typeof stream.write;
  });
  return {
    lines,
    json: () =>
      lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    restore: () =>
      streams.forEach((stream, i) => {
        stream.write = originals[i] as typeof stream.write;
      }),
  };
};
