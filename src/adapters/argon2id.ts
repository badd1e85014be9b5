import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as TE from 'fp-ts/TaskEither';
import { argon2id } from 'hash-wasm';
import {
  decodeArgon2idPhc,
  encodeArgon2idPhc,
  meetsOwaspFloor,
  type Argon2idParams,
  type PasswordHasher,
} from '../domain/password';

const HASH_BYTES = 32;
const SALT_BYTES = 16;

const derive = (
  password: string,
  salt: Uint8Array,
  p: Argon2idParams,
  hashLength = HASH_BYTES,
): TE.TaskEither<Error, Uint8Array> =>
  TE.tryCatch(
    () =>
      argon2id({
        password,
        salt,
        iterations: p.iterations,
        parallelism: p.parallelism,
        memorySize: p.memoryKiB,
        hashLength,
        outputType: 'binary',
      }),
    (e) => (e instanceof Error ? e : new Error(String(e))),
  );

/**
 * Argon2id through hash-wasm (WebAssembly: no native binary, bundles into a 32 KB Lambda zip).
 * Parameters below the OWASP floor are refused unless the caller says, by name, that it is a test.
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
