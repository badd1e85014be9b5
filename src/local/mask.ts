/** How a password is shown wherever the CLI prints a command or a message body. */
export const MASKED = '***';

/** A copy of a JSON-like value in which every field named `password`, at any depth, reads `***`. */
export const maskPasswords = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(maskPasswords);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, key === 'password' ? MASKED : maskPasswords(inner)]),
  );
};

/** A raw message body made fit to print: its JSON with passwords masked, or nothing of it when it is not JSON. */
export const maskBody = (body: string): string => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return '(not JSON; not shown)';
  }
  return JSON.stringify(maskPasswords(parsed));
};
