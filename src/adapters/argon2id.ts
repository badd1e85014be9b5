import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hashRaw, hashRawSync, type Algorithm, type Version } from '@node-rs/argon2';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';
import {
  decodeArgon2idPhc,
  encodeArgon2idPhc,
  meetsOwaspFloor,
  type Argon2idParams,
  type PasswordHasher,
} from '../domain/password';

const HASH_BYTES = 32;
const SALT_BYTES = 16;
/** The library's `Algorithm.Argon2id` and `Version.V0x13` (v=19): ambient const enums, so spelled out. */
const ARGON2ID = 2 as Algorithm;
const V19 = 1 as Version;

/** The binding's options for Argon2id v=19 at `params`, with this salt and output length. */
export const argon2idOptions = (p: Argon2idParams, salt: Uint8Array, outputLen = HASH_BYTES) => ({
  algorithm: ARGON2ID,
  version: V19,
  memoryCost: p.memoryKiB,
  timeCost: p.iterations,
  parallelism: p.parallelism,
  outputLen,
  salt,
});

/**
 * One Argon2id derivation in native code (`@node-rs/argon2`, Rust). The async `hashRaw` runs on the
 * libuv threadpool, so the event loop stays free and concurrent calls run in parallel, up to
 * `UV_THREADPOOL_SIZE` (4 by default) at a time. The password is given as UTF-8 bytes, as hash-wasm
 * encoded it, so hashes made by the earlier WebAssembly build still verify.
 */
const derive = (
  password: string,
  salt: Uint8Array,
  p: Argon2idParams,
  hashLength = HASH_BYTES,
): TE.TaskEither<Error, Uint8Array> =>
  TE.tryCatch(
    () => hashRaw(Buffer.from(password, 'utf8'), argon2idOptions(p, salt, hashLength)),
    (e) => (e instanceof Error ? e : new Error(String(e))),
  );

/**
 * Argon2id through `@node-rs/argon2` (native, off the event loop). Parameters below the OWASP floor
 * are refused unless the caller says, by name, that it is a test. Verify decodes the PHC string,
 * derives again with its salt and parameters, and compares with `crypto.timingSafeEqual`
 * (constant time).
 */
export const makeArgon2idHasher = (
  params: Argon2idParams,
  options: { readonly unsafeAllowWeakParamsForTests?: boolean } = {},
): PasswordHasher => {
  if (!meetsOwaspFloor(params) && options.unsafeAllowWeakParamsForTests !== true)
    throw new Error('Argon2id parameters below the OWASP floor are refused outside tests');
  return {
    hash: (password) => {
      const salt = randomBytes(SALT_BYTES);
      return pipe(
        derive(password, salt, params),
        TE.map((hash) => encodeArgon2idPhc(params, salt, hash)),
      );
    },
    verify: (password, phc) =>
      pipe(
        TE.fromEither(
          pipe(
            decodeArgon2idPhc(phc),
            E.mapLeft((m) => new Error(m)),
          ),
        ),
        TE.chain((decoded) =>
          pipe(
            derive(password, decoded.salt, decoded.params, Math.max(decoded.hash.length, 4)),
            TE.map((hash) => hash.length === decoded.hash.length && timingSafeEqual(hash, decoded.hash)),
          ),
        ),
      ),
  };
};

/**
 * The cold-start self-test: derives one hash with `params`, twice, synchronously (about 30 ms at
 * the production setting). Throws, naming the parameters, when the derivation fails in this
 * environment or is not deterministic, so a bad setting stops the function before it takes a
 * message instead of failing every password command at hash time.
 */
export const selfTestArgon2id = (params: Argon2idParams): void => {
  const options = argon2idOptions(params, Buffer.alloc(SALT_BYTES, 0x5a));
  const label = `m=${params.memoryKiB},t=${params.iterations},p=${params.parallelism}`;
  try {
    const first = hashRawSync('kdf self-test', options);
    const second = hashRawSync('kdf self-test', options);
    if (first.length !== HASH_BYTES || !timingSafeEqual(first, second))
      throw new Error('two derivations of the same input differ');
  } catch (error) {
    throw new Error(
      `KDF self-test failed for ${label}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
};
