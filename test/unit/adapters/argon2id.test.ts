import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { makeArgon2idHasher, selfTestArgon2id } from '../../../src/adapters/argon2id';
import { decodeArgon2idPhc, OWASP_ARGON2ID, parseArgon2idParams } from '../../../src/domain/password';
import { UNSAFE_TEST_ONLY_ARGON2ID, unsafeTestHasher } from '../../support/unsafe-kdf';

const hasher = unsafeTestHasher();

/**
 * Made once by the previous adapter (hash-wasm 4.13.0, WebAssembly) before it was replaced by the
 * native build: stored hashes of that era must keep verifying.
 */
const HASH_WASM_PASSWORD = 'Tr0ub4dor & ção ✓';
const HASH_WASM_PHC_OWASP =
  '$argon2id$v=19$m=19456,t=2,p=1$knjEjQOQWLKTDp2RGrnENw$yNdfOvm2EYlSqpln8A/XSmfB1wI6DrCOQiT9h0SFEQE';
const HASH_WASM_PHC_UNSAFE =
  '$argon2id$v=19$m=64,t=1,p=1$Dgw44yzi+hbA9KJis3vjCg$pTbJeihyLqMYX3GbjFInig66GkGjKgj89Pg+tYooBi4';
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

  test('hashes made by the earlier hash-wasm build still verify, and only with their password', async () => {
    const prod = makeArgon2idHasher(OWASP_ARGON2ID);
    for (const phc of [HASH_WASM_PHC_OWASP, HASH_WASM_PHC_UNSAFE]) {
      expect(await run(prod.verify(HASH_WASM_PASSWORD, phc))).toBe(true);
      expect(await run(prod.verify(HASH_WASM_PASSWORD.normalize('NFD'), phc))).toBe(false);
      expect(await run(prod.verify('Tr0ub4dor & cao ✓', phc))).toBe(false);
    }
  });

  test('a tampered salt or hash, or a truncated hash, does not verify', async () => {
    const flip = (phc: string, at: number) =>
      phc.slice(0, at) + (phc[at] === 'A' ? 'B' : 'A') + phc.slice(at + 1);
    const saltAt = HASH_WASM_PHC_UNSAFE.lastIndexOf('$') - 5;
    expect(await run(hasher.verify(HASH_WASM_PASSWORD, flip(HASH_WASM_PHC_UNSAFE, saltAt)))).toBe(false);
    expect(
      await run(
        hasher.verify(HASH_WASM_PASSWORD, flip(HASH_WASM_PHC_UNSAFE, HASH_WASM_PHC_UNSAFE.length - 3)),
      ),
    ).toBe(false);
    expect(await run(hasher.verify(HASH_WASM_PASSWORD, HASH_WASM_PHC_UNSAFE.slice(0, -20)))).toBe(false);
  });

  test('hashing runs off the event loop: the loop keeps turning while a production hash is computed', async () => {
    const prod = makeArgon2idHasher(OWASP_ARGON2ID);
    let turns = 0;
    let done = false;
    const spin = (): void => {
      if (done) return;
      turns += 1;
      setImmediate(spin);
    };
    setImmediate(spin);
    const phc = await run(prod.hash('pw'));
    done = true;
    expect(phc.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
    expect(turns).toBeGreaterThan(10);
  });

  test('verify refuses a malformed hash', async () => {
    expect(await hasher.verify('pw', 'plain')()).toEqual(E.left(new Error('not an argon2id v19 PHC string')));
  });
});

describe('the KDF self-test at cold start', () => {
  test('passes for the production parameters', () => {
    expect(() => selfTestArgon2id(OWASP_ARGON2ID)).not.toThrow();
  });
  test('a setting that cannot run here stops the function, naming it', () => {
    expect(() => selfTestArgon2id({ memoryKiB: 1, iterations: 1, parallelism: 1 })).toThrow(
      /^KDF self-test failed for m=1,t=1,p=1: /,
    );
  });
});
