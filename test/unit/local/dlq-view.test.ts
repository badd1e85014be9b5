import fc from 'fast-check';
import { ENTITY_TYPES, EVENT_TYPES } from '../../../src/domain/commands';
import { EVENT_SCHEMA } from '../../../src/domain/events';
import { dlqEntry, dlqRow, type DlqName } from '../../../src/local/dlq-view';

const MESSAGE_ID = '0b6c3f4e-4a57-4a43-9d2b-8f0e4c1d2a3b';
const COMMAND_ID = '7d1e2f3a-1b2c-4d5e-8f90-a1b2c3d4e5f6';
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA';
const attributes = { ApproximateReceiveCount: '3', SentTimestamp: '1764500000000' };
const message = (body: string) => ({ MessageId: MESSAGE_ID, Body: body, Attributes: attributes });
/** Everything a DLQ listing would print for this message: the entry and its table row. */
const printed = (queue: DlqName, body: string): string => {
  const entry = dlqEntry(queue, message(body));
  return `${JSON.stringify(entry)}\n${dlqRow(entry).join(' ')}`;
};

const command = (eventData: unknown, extra: Record<string, unknown> = {}) => ({
  entityType: 'USER',
  eventType: 'USER_CREATED',
  eventData,
  ...extra,
});
const secretData = { name: 'Secret Name', email: 'secret@example.com', password: 'SECRET-PASSWORD' };

describe('dlqEntry: only allowlisted fields of a dead-lettered message', () => {
  test('a valid input command: ids, types, receive count, sent time and a reason; no eventData value', () => {
    const entry = dlqEntry('inputDlq', message(JSON.stringify(command(secretData))));
    expect(entry).toEqual({
      messageId: MESSAGE_ID,
      commandId: MESSAGE_ID,
      entityType: 'USER',
      eventType: 'USER_CREATED',
      receiveCount: 3,
      sentAt: '2025-11-30T10:53:20.000Z',
      reasons: ['a valid command: processing failed until it was dead-lettered (see the logs by commandId)'],
    });
  });

  test.each([
    [
      'a misspelled password key',
      JSON.stringify(command({ ...secretData, password: undefined, Password: 'SECRET-PASSWORD' })),
    ],
    ['a body that is a JSON string', JSON.stringify(JSON.stringify(command(secretData)))],
    ['a body that is an array', JSON.stringify([command(secretData), 'SECRET-PASSWORD'])],
    ['a nested secret', JSON.stringify(command({ profile: { deeper: [{ pwd: 'SECRET-PASSWORD' }] } }))],
    [
      'hostile types',
      JSON.stringify(command(secretData, { entityType: 'SECRET-ENTITY', eventType: 'SECRET-EVENT' })),
    ],
    ['a secret as a top-level key', JSON.stringify(command(secretData, { 'SECRET-KEY': 'SECRET-VALUE' }))],
    ['a secret in eventData keys', JSON.stringify(command({ 'SECRET-KEY': 1, email: 'secret@x.org' }))],
    ['broken JSON', `{"eventData": {"password": "SECRET-PASSWORD"`],
    ['a body over 64 KiB', JSON.stringify(command({ ...secretData, pad: 'SECRET'.repeat(12_000) }))],
    ['an empty body', ''],
  ])('input DLQ, %s: nothing of the body but allowlisted shapes', (_, body) => {
    const text = printed('inputDlq', body);
    expect(text).not.toMatch(/secret/i);
    expect(text).toContain(MESSAGE_ID);
  });

  test('reasons describe the shape with counts, never names or values', () => {
    expect(
      dlqEntry('inputDlq', message(JSON.stringify(JSON.stringify(command(secretData))))).reasons,
    ).toEqual(['body is a string in JSON, not an object']);
    expect(dlqEntry('inputDlq', message('{"a":')).reasons).toEqual(['body is not JSON']);
    const hostile = dlqEntry(
      'inputDlq',
      message(JSON.stringify(command('SECRET', { entityType: 'X', 'SECRET-KEY': 1, other: 2 }))),
    );
    expect(hostile).toMatchObject({ entityType: null, eventType: 'USER_CREATED' });
    expect(hostile.reasons.slice(0, 3)).toEqual([
      'entityType is missing or unknown',
      'eventData is a string, not an object',
      '2 unexpected top-level fields (not shown)',
    ]);
    expect(hostile.reasons[3]).toMatch(/^an invalid command \(\d+ reasons?; npm run validate/);
  });

  test('a cache DLQ event: its commandId and type, never its hash, email or name', () => {
    const event = {
      schema: EVENT_SCHEMA,
      commandId: COMMAND_ID,
      sentAt: '2025-11-30T10:53:20.000Z',
      command: {
        type: 'USER_CREATED',
        name: 'Secret Name',
        email: 'secret@example.com',
        passwordHash: HASH,
        groups: [],
      },
    };
    const text = printed('cacheDlq', JSON.stringify(event));
    expect(text).not.toMatch(/secret|argon2|\$/i);
    expect(dlqEntry('cacheDlq', message(JSON.stringify(event)))).toMatchObject({
      messageId: MESSAGE_ID,
      commandId: COMMAND_ID,
      entityType: 'USER',
      eventType: 'USER_CREATED',
      reasons: [],
    });
  });

  test('a cache DLQ body with a hostile commandId, schema or command shows none of them', () => {
    const body = JSON.stringify({ schema: 'SECRET', commandId: 'SECRET-ID', command: ['SECRET', HASH] });
    const text = printed('cacheDlq', body);
    expect(text).not.toMatch(/secret|argon2/i);
    expect(dlqEntry('cacheDlq', message(body))).toMatchObject({ commandId: null, eventType: null });
  });

  test('hostile attributes and message ids are not shown either', () => {
    const entry = dlqEntry('inputDlq', {
      MessageId: 'SECRET-ID',
      Body: '{}',
      Attributes: { ApproximateReceiveCount: 'SECRET', SentTimestamp: 'SECRET' },
    });
    expect(entry).toMatchObject({ messageId: null, commandId: null, receiveCount: null, sentAt: null });
    expect(dlqRow(entry).join(' ')).not.toMatch(/secret/i);
  });

  test('property: whatever JSON the body holds, nothing tagged SECRET is ever printed', () => {
    const secretText = fc.string({ maxLength: 8 }).map((s) => `SECRET${s}`);
    const secretJson = fc
      .jsonValue({ maxDepth: 3 })
      .map((v) =>
        JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'string' ? `SECRET${x}` : x))),
      );
    const hostileKeys = fc.dictionary(secretText, secretJson, { maxKeys: 3 });
    const maybe = <T>(known: readonly T[]) => fc.oneof(fc.constantFrom(...known), secretText, secretJson);
    const inputLike = fc
      .record(
        {
          entityType: maybe(ENTITY_TYPES),
          eventType: maybe(EVENT_TYPES),
          eventData: fc.oneof(secretJson, hostileKeys),
          schema: maybe([EVENT_SCHEMA]),
          commandId: maybe([COMMAND_ID]),
          command: fc.oneof(secretJson, fc.record({ type: maybe(EVENT_TYPES), passwordHash: secretText })),
        },
        { requiredKeys: [] },
      )
      .chain((o) => hostileKeys.map((extra) => ({ ...extra, ...o })));
    const body = fc.oneof(
      inputLike.map((o) => JSON.stringify(o)),
      secretJson.map((v) => JSON.stringify(v)),
      inputLike.map((o) => JSON.stringify(JSON.stringify(o))),
      secretText,
    );
    fc.assert(
      fc.property(body, fc.constantFrom<DlqName>('inputDlq', 'cacheDlq'), (b, queue) => {
        expect(printed(queue, b)).not.toContain('SECRET');
      }),
      { numRuns: 300 },
    );
  });
});
