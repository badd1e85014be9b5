import type { Argon2idParams } from '../../src/domain/password';
import { makeArgon2idHasher } from '../../src/adapters/argon2id';

/** Cheap Argon2id parameters for tests only; they live under test/ so src/ cannot import them. */
export const UNSAFE_TEST_ONLY_ARGON2ID: Argon2idParams = { memoryKiB: 64, iterations: 1, parallelism: 1 };

/** A hasher with the cheap test parameters. */
export const unsafeTestHasher = () =>
  makeArgon2idHasher(UNSAFE_TEST_ONLY_ARGON2ID, { unsafeAllowWeakParamsForTests: true });

/**
 * The cheap test hasher made as slow as a real one on a slow machine (each hash waits `delayMs`
 * first), so that work is still queued or several batches overlap while a test looks.
 */
export const slowTestHasher = (delayMs: number) => {
  const inner = unsafeTestHasher();
  return {
    ...inner,
    hash: (password: string) => async () => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return inner.hash(password)();
    },
  };
};
