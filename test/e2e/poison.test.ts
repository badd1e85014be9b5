/**
 * A batch of 10 with one poison record applies the other 9: for each kind of hostile record found in
 * review, sent in one SendMessageBatch to the queue of the handler it targets, on the real stack.
 */
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { waitForOutcome } from '../../src/local/client';
import type { InvocationRecord } from '../../src/local/event-source-mapping';
import { EVENT_SCHEMA } from '../../src/domain/events';
import { MAX_BODY_BYTES } from '../../src/domain/pipeline';
import { groupRef } from '../support/builders';
import { openTestStack, patience, stateOf, type StackUnderTest, type TestStack } from '../support/e2e';
import { makeScope } from '../support/scope';
import { capabilities, testWhere } from '../support/target';
import { unsafeTestHasher } from '../support/unsafe-kdf';

// Target-agnostic: runs on a private embedded stack, or on the stack E2E_ENDPOINT names. Group names,
// emails and command ids live in a namespace of this run, so a second run on the same stack (whose
// table and queues hold the first run's records) is a run like the first.
const scope = makeScope([], []);

let t: TestStack<StackUnderTest>;
/** The batches the handlers were given: recorded by a private stack only (handlers in-process). */
const invocations: InvocationRecord[] = [];
beforeAll(async () => {
  t = await openTestStack({
    logLevel: 'SILENT',
    hasher: unsafeTestHasher(),
    onInvocation: (i) => invocations.push(i),
  });
}, patience(60_000));
afterAll(() => t.stack.stop());

let batches = 0;
const groupCreated = (name: string) =>
  JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name } });
const userCreated = (eventData: Record<string, unknown>) =>
  JSON.stringify({ entityType: 'USER', eventType: 'USER_CREATED', eventData });
const published = (commandId: string, command: Record<string, unknown>) =>
  JSON.stringify({ schema: EVENT_SCHEMA, commandId, sentAt: new Date().toISOString(), command });

/** Sends 9 good bodies and the poison in one batch; returns the command ids (the poison's last). */
const sendBatch = async (
  queue: 'input' | 'cache',
  good: (i: number, id: string) => string,
  poison: (id: string) => string,
): Promise<string[]> => {
  batches += 1;
  const ids = Array.from({ length: 10 }, (_, i) => scope.id(`poison-${batches}-${i}`));
  const result = await t.target.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: t.stack.queueUrls[queue],
      Entries: ids.map((id, i) => ({
        Id: `e${i}`,
        MessageBody: i === 9 ? poison(id) : good(i, id),
        MessageAttributes: { commandId: { DataType: 'String', StringValue: id } },
      })),
    }),
  );
  expect(result.Failed ?? []).toEqual([]);
  return queue === 'cache'
    ? ids
    : (result.Successful ?? []).sort((a, b) => a.Id!.localeCompare(b.Id!)).map((s) => s.MessageId!);
};

const outcomes = (ids: string[]) =>
  Promise.all(ids.map((id) => waitForOutcome(t.target.doc, t.stack.names.table, id, patience(30_000))));

/** The 9 good groups of the last batch, as the table holds them (in this run's namespace). */
const neighboursInTable = async (prefix: 'In' | 'Cache') => {
  const names = new Set((await stateOf(t, scope)).groups.map((g) => g.name));
  return Array.from({ length: 9 }, (_, i) => scope.name(`${prefix} ${batches} ${i}`)).filter((n) =>
    names.has(n),
  );
};

describe('the message handler (input queue)', () => {
  test.each<[string, (id: string) => string, RegExp]>([
    [
      'an eventType naming an inherited property',
      () => JSON.stringify({ entityType: 'GROUP', eventType: '__proto__', eventData: {} }),
      /eventType/,
    ],
    [
      'an entityType naming an inherited property',
      () => JSON.stringify({ entityType: 'constructor', eventType: 'toString', eventData: {} }),
      /entityType/,
    ],
    [
      '10,000 groups',
      () =>
        userCreated({
          name: 'A',
          email: scope.email('a@x.io'),
          password: 'pw',
          groups: Array.from({ length: 10_000 }, () => '1'),
        }),
      /at most \d+ groups/,
    ],
    ['a lone surrogate in a name', () => groupCreated(scope.name('team\ud800')), /name/],
    ['a zero-width character in a name', () => groupCreated(scope.name('te\u200bam')), /name/],
    [
      '500 unknown fields',
      () =>
        userCreated({
          name: 'A',
          email: scope.email('a@x.io'),
          password: 'pw',
          ...Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`x${i}`, i])),
        }),
      /and \d+ more reasons/,
    ],
    ['a body that is not JSON', () => '{"entityType": "GROUP", ', /JSON/i],
    ['a JSON string as the body', () => JSON.stringify('GROUP_CREATED'), /object/i],
  ])(
    '%s is rejected with its reason; the other 9 are applied',
    async (_, poison, reason) => {
      const ids = await sendBatch('input', (i) => groupCreated(scope.name(`In ${batches} ${i}`)), poison);
      const results = await outcomes(ids);
      expect(results.slice(0, 9).map((r) => r.status)).toEqual(Array(9).fill('APPLIED'));
      expect(results[9]).toMatchObject({ status: 'REJECTED' });
      expect(results[9]?.reasons?.join(' | ')).toMatch(reason);
      expect(await neighboursInTable('In')).toHaveLength(9);
    },
    patience(60_000),
  );
});

describe('the cache handler (cache queue)', () => {
  test.each<[string, (id: string) => string, RegExp]>([
    ['command.type constructor', (id) => published(id, { type: 'constructor' }), /type/],
    ['command.type __proto__', (id) => published(id, { type: '__proto__' }), /type/],
    [
      `a body over ${MAX_BODY_BYTES} bytes`,
      (id) => published(id, { type: 'GROUP_CREATED', name: 'x'.repeat(MAX_BODY_BYTES) }),
      /larger than/,
    ],
    [
      'the same group twice in a user',
      (id) =>
        published(id, {
          type: 'USER_CREATED',
          name: 'A',
          email: scope.email('dup@x.io'),
          passwordHash:
            '$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
          groups: [groupRef(scope.name('G')), groupRef(scope.name('G'))],
        }),
      /group/,
    ],
    ['a body that is not JSON', () => 'not json at all', /JSON/i],
  ])(
    '%s is rejected with its reason; the other 9 are applied',
    async (_, poison, reason) => {
      const ids = await sendBatch(
        'cache',
        (i, id) => published(id, { type: 'GROUP_CREATED', name: scope.name(`Cache ${batches} ${i}`) }),
        poison,
      );
      const results = await outcomes(ids);
      expect(results.slice(0, 9).map((r) => r.status)).toEqual(Array(9).fill('APPLIED'));
      expect(results[9]).toMatchObject({ status: 'REJECTED' });
      expect(results[9]?.reasons?.join(' | ')).toMatch(reason);
      expect(await neighboursInTable('Cache')).toHaveLength(9);
    },
    patience(60_000),
  );

  testWhere(
    capabilities.invocationRecords,
    'the batches the cache handler was given are seen only by a test process that runs the handlers in-process',
    'the poison records shared a batch with good ones (the isolation was exercised)',
    async () => {
      const cacheBatches = invocations.filter((i) => i.functionName.endsWith('cacheHandler'));
      expect(cacheBatches.some((b) => b.messages.length > 1)).toBe(true);
    },
  );
});
