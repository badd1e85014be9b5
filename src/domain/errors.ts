/** Any thrown value as an Error, so a failure always has a message to log. */
export const toError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));
