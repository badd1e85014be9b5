/** How long and how often `pollUntil` tries. */
export interface PollOptions {
  /** Give up after this many milliseconds (the probe is always tried at least once). */
  readonly timeoutMs: number;
  /** What is awaited, for the timeout error. */
  readonly what: string;
  /** First pause between tries; it doubles after each try up to `maxDelayMs`. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Give up after this many tries as well (a bounded retry rather than a wait). */
  readonly maxAttempts?: number;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `probe` until it returns a value other than undefined, pausing with exponential backoff
 * between tries; throws `timed out after N ms waiting for <what>` once the time or the tries run out.
 * The one bounded waiting loop of the project: no caller sleeps a fixed time.
 */
export const pollUntil = async <T>(probe: () => Promise<T | undefined>, options: PollOptions): Promise<T> => {
  const deadline = Date.now() + options.timeoutMs;
  let delay = options.initialDelayMs ?? 20;
  for (let attempt = 1; ; attempt += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    const outOfTries = options.maxAttempts !== undefined && attempt >= options.maxAttempts;
    if (outOfTries || Date.now() >= deadline)
      throw new Error(
        outOfTries
          ? `gave up after ${attempt} attempts waiting for ${options.what}`
          : `timed out after ${options.timeoutMs} ms waiting for ${options.what}`,
      );
    await pause(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 2, options.maxDelayMs ?? 250);
  }
};
