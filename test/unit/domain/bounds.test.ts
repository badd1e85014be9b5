import * as E from 'fp-ts/Either';
import { decodeCommandEvent } from '../../../src/domain/events';
import { MAX_GROUPS_PER_USER } from '../../../src/domain/fields';
import { MAX_BODY_BYTES, MAX_REASONS, validateBody } from '../../../src/domain/pipeline';
import { formatReason } from '../../../src/domain/reasons';

const reasonsOf = (body: string): string[] => {
  const result = validateBody(body);
  if (E.isRight(result)) throw new Error('expected a rejection');
  return result.left.reasons.map(formatReason);
};
const userCreated = (eventData: Record<string, unknown>) =>
  JSON.stringify({ entityType: 'USER', eventType: 'USER_CREATED', eventData });

describe('work per message is bounded before any per-element work', () => {
  test(`a body over ${MAX_BODY_BYTES} bytes is refused by its size alone, naming it, without being parsed`, () => {
    const body = userCreated({ name: 'A', email: 'a@x.io', password: 'p'.repeat(300_000) });
    expect(reasonsOf(body)).toEqual([`body: is larger than ${MAX_BODY_BYTES} bytes (got ${body.length})`]);
    expect(validateBody(body)).toMatchObject({ left: { eventType: null, entityType: null } });
  });

  test('the published-event decoder refuses an oversized body the same way', () => {
    const body = JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) });
    expect(
      E.mapLeft((rs: readonly { message: string }[]) => rs.map((r) => r.message))(decodeCommandEvent(body)),
    ).toEqual(E.left([`is larger than ${MAX_BODY_BYTES} bytes (got ${body.length})`]));
  });

  test(`a groups list longer than ${MAX_GROUPS_PER_USER} is refused by its length, not element by element`, () => {
    const groups = Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0 ? ` ` : `${i}`));
    expect(reasonsOf(userCreated({ name: 'A', email: 'a@x.io', password: 'pw', groups }))).toEqual([
      `eventData.groups: a user may belong to at most ${MAX_GROUPS_PER_USER} groups (got 10000)`,
    ]);
  });

  test(`at most ${MAX_REASONS} reasons are kept, then one that counts the rest`, () => {
    const fields = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`extra${i}`, i]));
    const reasons = reasonsOf(userCreated({ name: 'A', email: 'a@x.io', password: 'pw', ...fields }));
    expect(reasons).toHaveLength(MAX_REASONS + 1);
    expect(reasons[MAX_REASONS]).toBe(`and ${500 - MAX_REASONS} more reasons`);
  });

  test('a reason never carries more than 200 characters of a hostile field name', () => {
    const key = 'k'.repeat(10_000);
    const [first] = reasonsOf(userCreated({ name: 'A', email: 'a@x.io', password: 'pw', [key]: 1 }));
    expect(first?.length).toBeLessThan(600);
    expect(first).toContain('…');
  });
});

describe('a published event naming an inherited property as its type', () => {
  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'command.type %s is refused with a reason, never thrown',
    (type) => {
      const body = JSON.stringify({
        schema: 'user-directory.command.v1',
        commandId: 'c',
        sentAt: 't',
        command: { type },
      });
      expect(decodeCommandEvent(body)).toEqual(
        E.left([{ path: 'command.type', message: 'is not one of the six command types' }]),
      );
    },
  );
});

describe('a published event naming one group twice', () => {
  test('is refused by the cache-side decoder (two writes on one item would be refused by DynamoDB forever)', () => {
    const dev = { id: 'a'.repeat(64), label: 'Dev' };
    const body = JSON.stringify({
      schema: 'user-directory.command.v1',
      commandId: 'c',
      sentAt: 't',
      command: {
        type: 'USER_CREATED',
        name: 'A',
        email: 'a@x.io',
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
        groups: [dev, dev],
      },
    });
    expect(decodeCommandEvent(body)).toEqual(
      E.left([{ path: 'command.groups', message: 'must not name a group twice' }]),
    );
  });
});
