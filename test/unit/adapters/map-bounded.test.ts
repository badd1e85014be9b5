import { mapBounded } from '../../../src/adapters/map-bounded';

test('mapBounded keeps at most `limit` calls in flight and returns results in input order', async () => {
  let inFlight = 0;
  let most = 0;
  const items = Array.from({ length: 200 }, (_, i) => i);
  const out = await mapBounded(items, 7, async (n) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    await new Promise<void>((resolve) => setImmediate(resolve));
    inFlight -= 1;
    return n * 2;
  });
  expect(out).toEqual(items.map((n) => n * 2));
  expect(most).toBe(7);
});

test('mapBounded over nothing calls nothing', async () => {
  expect(await mapBounded([], 4, async () => 1)).toEqual([]);
});
