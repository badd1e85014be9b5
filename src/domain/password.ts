import * as E from 'fp-ts/Either';
import type { TaskEither } from 'fp-ts/TaskEither';

/** The port through which the pipeline hashes passwords; the KDF itself is an adapter. */
export interface PasswordHasher {
  /** Hashes a password with a fresh random salt into a PHC string. */
  readonly hash: (password: string) => TaskEither<Error, string>;
  /** Checks a password against a PHC string in constant time. */
  readonly verify: (password: string, phc: string) => TaskEither<Error, boolean>;
}

/** Argon2id cost parameters. */
export interface Argon2idParams {
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** OWASP's first recommended Argon2id configuration: m=19 MiB, t=2, p=1. The production default. */
export const OWASP_ARGON2ID: Argon2idParams = { memoryKiB: 19456, iterations: 2, parallelism: 1 };

/**
 * The floor below which a configuration is refused. OWASP's equivalent set runs from m=46 MiB t=1
 * to m=7 MiB t=5; its cheapest member (m=7168 KiB, t=5) gives the floor: at least 7 MiB and at
 * least 35840 KiB·passes of work.
 */
export const meetsOwaspFloor = (p: Argon2idParams): boolean =>
  p.memoryKiB >= 7168 && p.memoryKiB * p.iterations >= 7168 * 5 && p.parallelism >= 1;

/**
 * The ceiling above which a configuration is refused: what one hash may cost in a 1 GB function
 * with a batch of ten hashed at once (256 MiB, 16 passes, 8 lanes).
 */
export const ARGON2ID_CEILING: Argon2idParams = { memoryKiB: 262144, iterations: 16, parallelism: 8 };

const aboveCeiling = (p: Argon2idParams): boolean =>
  p.memoryKiB > ARGON2ID_CEILING.memoryKiB ||
  p.iterations > ARGON2ID_CEILING.iterations ||
  p.parallelism > ARGON2ID_CEILING.parallelism;

/**
 * Reads `m=<KiB>,t=<passes>,p=<lanes>` (the PHC parameter form) from configuration, or the OWASP
 * default when absent. A set below the OWASP floor is refused (cheap test parameters cannot come
 * from configuration), and so is one above the ceiling (it would fail or time out at hash time).
 */
export const parseArgon2idParams = (text: string | undefined): E.Either<string, Argon2idParams> => {
  if (text === undefined || text.trim() === '') return E.right(OWASP_ARGON2ID);
  const match = /^\s*m=(\d+),t=(\d+),p=(\d+)\s*$/.exec(text);
  if (match === null)
    return E.left(`KDF parameters ${JSON.stringify(text)} are not of the form m=19456,t=2,p=1`);
  const params = { memoryKiB: Number(match[1]), iterations: Number(match[2]), parallelism: Number(match[3]) };
  if (!meetsOwaspFloor(params))
    return E.left(`KDF parameters ${text.trim()} are below the OWASP floor (m>=7168 KiB and m*t>=35840)`);
  if (aboveCeiling(params))
    return E.left(
      `KDF parameters ${text.trim()} are above the ceiling (m<=${ARGON2ID_CEILING.memoryKiB} KiB, t<=${ARGON2ID_CEILING.iterations}, p<=${ARGON2ID_CEILING.parallelism})`,
    );
  return E.right(params);
};

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

/** Encodes an Argon2id result as a PHC string: `$argon2id$v=19$m=..,t=..,p=..$salt$hash`. */
export const encodeArgon2idPhc = (p: Argon2idParams, salt: Uint8Array, hash: Uint8Array): string =>
  `$argon2id$v=19$m=${p.memoryKiB},t=${p.iterations},p=${p.parallelism}$${b64(salt)}$${b64(hash)}`;

/** A decoded Argon2id PHC string. */
export interface Argon2idPhc {
  readonly params: Argon2idParams;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** An Argon2id v19 PHC string: parameters, salt and hash captured. */
export const ARGON2ID_PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Decodes an Argon2id PHC string. */
export const decodeArgon2idPhc = (phc: string): E.Either<string, Argon2idPhc> => {
  const m = ARGON2ID_PHC.exec(phc);
  if (m === null) return E.left('not an argon2id v19 PHC string');
  return E.right({
    params: { memoryKiB: Number(m[1]), iterations: Number(m[2]), parallelism: Number(m[3]) },
    salt: Buffer.from(m[4] ?? '', 'base64'),
    hash: Buffer.from(m[5] ?? '', 'base64'),
  });
};
