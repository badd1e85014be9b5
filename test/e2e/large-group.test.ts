/**
 * A group with a few hundred members: 300 users created naming it (sent in SendMessageBatch bursts,
 * every outcome waited for), then the group renamed (every member lists the new name, the old one is
 * gone, the group's id follows the name), then deleted while it has its members (every user remains,
 * in no group); then the users are deleted, so that a shared stack is not left with them.
 *
 * Target-agnostic: runs on a private embedded stack, or on the stack E2E_ENDPOINT names (there the
 * real KDF hashes each password: the member count stays moderate). Names and emails live in this
 * run's namespace; the state is read for the namespace only. Each step's time goes to stderr.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { batchGet } from '../../src/adapters/dynamodb';
import { pollUntil } from '../../src/adapters/poll-until';
import { groupIdOf, userIdOf } from '../../src/domain/ids';
import { keys, type CommandItem } from '../../src/domain/model';
import { openTestStack, patience, stateOf, type StackUnderTest, type TestStack } from '../support/e2e';
import { makeScope } from '../support/scope';
import { TARGET } from '../support/target';
import { unsafeTestHasher } from '../support/unsafe-kdf';

const MEMBERS = 300;
const scope = makeScope(['Large Team', 'Larger Team'], []);
const OLD = scope.name('Large Team');
const NEW = scope.name('Larger Team');
const emails = Array.from({ length: MEMBERS }, (_, i) =>
  scope.email(`member-${String(i).padStart(3, '0')}@example.com`),
);
const nameOf = (email: string) => `Member ${email.slice(7, 10)}`;
/** Long enough for the real KDF of a remote target to hash 300 passwords on a busy machine. */
const STEP = patience(240_000);

let t: TestStack<StackUnderTest>;
const timings: string[] = [];
let usersLeft = false;
beforeAll(async () => {
  t = await openTestStack({ logLevel: 'SILENT', hasher: unsafeTestHasher() });
}, patience(90_000));
afterAll(async () => {
  if (t === undefined) return;
  // a step that failed leaves its users: deleted all the same (not waited for), so that a shared
  // stack does not keep hundreds of them per failed run
  if (usersLeft) await burst(emails.map(userDeleted)).catch(() => undefined);
  process.stderr.write(`large-group on ${TARGET}, ${MEMBERS} members:\n${timings.join('\n')}\n`);
  await t.stack.stop();
});

const body = (entityType: 'USER' | 'GROUP', eventType: string, eventData: Record<string, unknown>) =>
  JSON.stringify({ entityType, eventType, eventData });
const userDeleted = (email: string) => body('USER', 'USER_DELETED', { email });

/** Sends bodies to the input queue in SendMessageBatch calls of 10, all at once; their command ids, in order. */
const burst = async (bodies: readonly string[]): Promise<string[]> => {
  const chunks = Array.from({ length: Math.ceil(bodies.length / 10) }, (_, i) =>
    bodies.slice(i * 10, i * 10 + 10),
  );
  const sent = await Promise.all(
    chunks.map(async (chunk) => {
      const result = await t.target.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: t.stack.queueUrls.input,
          Entries: chunk.map((MessageBody, i) => ({ Id: `e${i}`, MessageBody })),
        }),
      );
      expect(result.Failed ?? []).toEqual([]);
      return chunk.map((_, i) => result.Successful?.find((s) => s.Id === `e${i}`)?.MessageId ?? '');
    }),
  );
  return sent.flat();
};

/** Waits (bounded polling, 100 markers a read) until every command has an outcome; their statuses, in order. */
const outcomes = async (commandIds: readonly string[], timeoutMs = STEP): Promise<string[]> => {
  const done = new Map<string, CommandItem>();
  await pollUntil(
    async () => {
      const pending = commandIds.filter((id) => !done.has(id));
      const items = await batchGet<CommandItem>(t.target.doc, t.stack.names.table, pending.map(keys.command));
      for (const item of items) if (item.status !== 'IN_PROGRESS') done.set(item.commandId, item);
      return done.size === commandIds.length ? true : undefined;
    },
    {
      timeoutMs,
      what: `the outcomes of ${commandIds.length} commands`,
      initialDelayMs: 100,
      maxDelayMs: 1000,
    },
  );
  return commandIds.map((id) => done.get(id)?.status ?? '');
};

/** Runs a step and records how long it took. */
const timed = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  const result = await step();
  timings.push(`  ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
};

/** The namespace's state, timed (a shared table's whole directory is read). */
const scoped = () => timed('  state read', () => stateOf(t, scope));

const members = [...emails].sort();
const users = (groups: string[]) =>
  members.map((email) => ({ email, name: nameOf(email), groups, id: userIdOf(email) }));
const applied = Array<string>(MEMBERS).fill('APPLIED');

test(
  `a group with ${MEMBERS} members, created in bursts: every user lists it, it lists every user`,
  async () => {
    const group = await timed('GROUP_CREATED', async () =>
      outcomes(await burst([body('GROUP', 'GROUP_CREATED', { name: OLD })])),
    );
    expect(group).toEqual(['APPLIED']);
    usersLeft = true;
    const created = await timed(`${MEMBERS} USER_CREATED naming the group`, async () =>
      outcomes(
        await burst(
          emails.map((email) =>
            body('USER', 'USER_CREATED', {
              name: nameOf(email),
              email,
              password: `pw-${email.slice(7, 10)}-secret`,
              groups: [OLD],
            }),
          ),
        ),
      ),
    );
    expect(created).toEqual(applied);
    expect(await scoped()).toEqual({
      users: users([OLD]),
      groups: [{ name: OLD, members, id: groupIdOf(OLD) }],
    });
  },
  STEP,
);

test(
  `renamed with its ${MEMBERS} members: each lists the new name, the old one is gone, the id follows the name`,
  async () => {
    const renamed = await timed(`GROUP_UPDATED (rename) with ${MEMBERS} members`, async () =>
      outcomes(await burst([body('GROUP', 'GROUP_UPDATED', { currentName: OLD, name: NEW })])),
    );
    expect(renamed).toEqual(['APPLIED']);
    const state = await scoped();
    expect(state).toEqual({
      users: users([NEW]),
      groups: [{ name: NEW, members, id: groupIdOf(NEW) }],
    });
    expect(JSON.stringify(state)).not.toContain(OLD);
    expect(JSON.stringify(state)).not.toContain(groupIdOf(OLD));
  },
  STEP,
);

test(
  `deleted while it has its ${MEMBERS} members: every user remains, in no group`,
  async () => {
    const deleted = await timed(`GROUP_DELETED with ${MEMBERS} members (sweep included)`, async () =>
      outcomes(await burst([body('GROUP', 'GROUP_DELETED', { name: NEW })])),
    );
    expect(deleted).toEqual(['APPLIED']);
    expect(await scoped()).toEqual({ users: users([]), groups: [] });
  },
  STEP,
);

test(
  `the ${MEMBERS} users deleted in bursts: the namespace is empty`,
  async () => {
    const deleted = await timed(`${MEMBERS} USER_DELETED`, async () =>
      outcomes(await burst(emails.map(userDeleted))),
    );
    expect(deleted).toEqual(applied);
    usersLeft = false;
    expect(await scoped()).toEqual({ users: [], groups: [] });
  },
  STEP,
);
