/**
 * `Promise.all(items.map(f))` with at most `limit` calls of `f` in flight: a read over thousands of
 * items stays within the SDK client's socket pool (50) instead of queueing past it.
 */
export const mapBounded = async <T, R>(
  items: readonly T[],
  limit: number,
  f: (item: T, index: number) => Promise<R>,
): Promise<R[]> => {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
};
