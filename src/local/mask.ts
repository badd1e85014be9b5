/** How a password is shown where the CLI prints a decoded command (`validate`). */
export const MASKED = '***';

/** A copy of a JSON-like value in which every field named `password`, at any depth, reads `***`. */
export const maskPasswords = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(maskPasswords);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, key === 'password' ? MASKED : maskPasswords(inner)]),
  );
};
