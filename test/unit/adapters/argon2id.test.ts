import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { makeArgon2idHasher } from '../../../src/adapters/argon2id';
import { decodeArgon2idPhc, OWASP_ARGON2ID, parseArgon2idParams } from '../../../src/domain/password';
import { UNSAFE_TEST_ONLY_ARGON2ID, unsafeTestHasher } from '../../support/unsafe-kdf';

const hasher = unsafeTestHasher();
const run = async <A>(te: () => Promise<E.Either<Error, A>>): Promise<A> => {
  const r = await te();
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

describe('Argon2id hasher', () => {
  test('hash then verify succeeds; a wrong password fails', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), async (pw, other) => {
        const phc = await run(hasher.hash(pw));
        expect(await run(hasher.verify(pw, phc))).toBe(true);
        if (other !== pw) expect(await run(hasher.verify(other, phc))).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  test('two hashes of one password differ (fresh salt)', async () => {
    const [a, b] = [await run(hasher.hash('same')), await run(hasher.hash('same'))];
    expect(a).not.toEqual(b);
  });

  test('output is a PHC string carrying its parameters', async () => {
    const phc = await run(hasher.hash('pw'));
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(E.map((d: { params: unknown }) => d.params)(decodeArgon2idPhc(phc))).toEqual(
      E.right(UNSAFE_TEST_ONLY_ARGON2ID),
    );
  });

  test('production parameters hash and verify', async () => {
    const prod = makeArgon2idHasher(OWASP_ARGON2ID);
    const phc = await run(prod.hash('pw'));
    expect(phc.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(await run(prod.verify('pw', phc))).toBe(true);
  });

  test('weak parameters are refused outside tests, from code or from configuration', () => {
    expect(() => makeArgon2idHasher(UNSAFE_TEST_ONLY_ARGON2ID)).toThrow(/OWASP floor/);
    expect(parseArgon2idParams('m=64,t=1,p=1')).toEqual(
      E.left(expect.stringMatching(/below the OWASP floor/)),
    );
    expect(parseArgon2idParams(undefined)).toEqual(E.right(OWASP_ARGON2ID));
    expect(parseArgon2idParams('m=12288,t=3,p=1')).toEqual(
      E.right({ memoryKiB: 12288, iterations: 3, parallelism: 1 }),
    );
    expect(parseArgon2idParams('fast')).toEqual(E.left(expect.stringMatching(/not of the form/)));
  });

  test('verify refuses a malformed hash', async () => {
    expect(await hasher.verify('pw', 'plain')()).toEqual(E.left(new Error('not an argon2id v19 PHC string')));
  });
});
