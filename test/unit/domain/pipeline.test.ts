import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { processMessage } from '../../../src/domain/pipeline';
import { decodeCommandEvent } from '../../../src/domain/events';
import { unsafeTestHasher } from '../../support/unsafe-kdf';

const hasher = unsafeTestHasher();
const meta = { commandId: 'c-1', sentAt: '2026-11-30T00:00:00.000Z' };
const userCreated = (password: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    entityType: 'USER',
    eventType: 'USER_CREATED',
    eventData: { name: 'Ana', email: 'ana@example.com', password, groups: ['Dev'], ...extra },
  });

// Passwords long enough that an accidental match elsewhere in the JSON is impossible.
const password = fc.string({ minLength: 12, maxLength: 60 }).filter((s) => /[A-Za-z0-9]{12}/.test(s));

describe('message pipeline', () => {
  test('a valid command becomes an event with the password hashed, which the cache codec accepts', async () => {
    const result = await processMessage(hasher)(userCreated('correct horse'), meta)();
    if (E.isLeft(result)) throw new Error(JSON.stringify(result.left));
    expect(result.right).toMatchObject({
      schema: 'user-directory.command.v1',
      commandId: 'c-1',
      sentAt: meta.sentAt,
    });
    expect(result.right.command).toMatchObject({
      type: 'USER_CREATED',
      passwordHash: expect.stringMatching(/^\$argon2id\$/),
    });
    expect(result.right.command).not.toHaveProperty('password');
    expect(E.isRight(decodeCommandEvent(JSON.stringify(result.right)))).toBe(true);
  });

  test('an invalid command is rejected with its kinds and reasons', async () => {
    const result = await processMessage(hasher)(userCreated('x', { email: 'nope' }), meta)();
    expect(result).toEqual(
      E.left({
        kind: 'rejected',
        eventType: 'USER_CREATED',
        entityType: 'USER',
        reasons: [{ path: 'eventData.email', message: 'is not an email address (expected local@domain)' }],
      }),
    );
  });

  test('the plaintext password never appears in the outbound event', async () => {
    await fc.assert(
      fc.asyncProperty(password, async (pw) => {
        const result = await processMessage(hasher)(userCreated(pw), meta)();
        expect(E.isRight(result)).toBe(true);
        expect(JSON.stringify(result)).not.toContain(JSON.stringify(pw).slice(1, -1));
      }),
      { numRuns: 40 },
    );
  });

  test('the plaintext password never appears in a rejection', async () => {
    await fc.assert(
      fc.asyncProperty(
        password,
        fc.constantFrom({ email: 'bad' }, { 'E-mail': 'x' }, { groups: [1] }),
        async (pw, bad) => {
          const result = await processMessage(hasher)(userCreated(pw, bad), meta)();
          expect(E.isLeft(result)).toBe(true);
          expect(JSON.stringify(result)).not.toContain(JSON.stringify(pw).slice(1, -1));
        },
      ),
      { numRuns: 40 },
    );
  });

  test('a KDF failure is transient, not a rejection', async () => {
    const failing = { ...hasher, hash: () => () => Promise.resolve(E.left(new Error('kdf down'))) };
    const result = await processMessage(failing)(userCreated('pw'), meta)();
    expect(result).toEqual(E.left({ kind: 'transient', error: new Error('kdf down') }));
  });
});
