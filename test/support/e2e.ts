import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { listRejections, readDirectory } from '../../src/adapters/dynamodb';
import { groupIdOf, userIdOf } from '../../src/domain/ids';
import { connect, rejectionsJson, stateJson, waitForOutcome, type Target } from '../../src/local/client';
import { sendMessage } from '../../src/adapters/sqs';
import { startEmbeddedStack, type EmbeddedStack, type EmbeddedStackOptions } from '../../src/local/stack';

export const ROOT = join(__dirname, '../..');
export const EVENTS = join(ROOT, 'events');
export const SEEDS = join(ROOT, 'test/fixtures/seed-events');

/** A running embedded stack with a CLI target on it. */
export interface TestStack {
  readonly stack: EmbeddedStack;
  readonly target: Target;
}

/** Starts a private embedded stack on free ports, with quick local retries. */
export const startTestStack = async (options: EmbeddedStackOptions = {}): Promise<TestStack> => {
  const stack = await startEmbeddedStack({
    logLevel: 'INFO',
    waitSeconds: 1,
    retryAfterSeconds: 0,
    // short, so that a rejection for a missing entity comes quickly; test/e2e/ordering tests the window
    settleWindowSeconds: 1,
    ...options,
  });
  return { stack, target: connect(stack.config, stack.names.stage) };
};

/** Sends a raw body to the input queue and waits (bounded polling) for its outcome. */
export const sendAndWait = async (t: TestStack, body: string) => {
  const messageId = await sendMessage(t.target.sqs, t.stack.queueUrls.input, body);
  const outcome = await waitForOutcome(t.target.doc, t.stack.names.table, messageId, 20_000);
  return { messageId, outcome };
};

/** `npm run state -- --json`, as the CLI prints it. */
export const stateOf = async (t: TestStack) =>
  stateJson(await readDirectory(t.target.doc, t.stack.names.table));

/** `npm run rejections -- --json`, reduced to type and reasons. */
export const rejectionsOf = async (t: TestStack) =>
  rejectionsJson(await listRejections(t.target.doc, t.stack.names.table)).map((r) => ({
    eventType: r.eventType,
    reasons: r.reasons,
  }));

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
