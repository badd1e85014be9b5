import { decodeCursor, encodeCursor, BadCursorError } from '../../../src/adapters/dynamodb/cursor';
import { makeReadApi, type ReadModel } from '../../../src/handlers/read-routes';

const ID = 'a'.repeat(64);
const calls: unknown[][] = [];
const model: ReadModel = {
  users: async (limit, cursor) => {
    calls.push(['users', limit, cursor]);
    return { items: [{ id: ID, email: 'a@x.io', name: 'A', groups: [] }], next: 'c2' };
  },
  user: async (id) => (id === ID ? { id, email: 'a@x.io', name: 'A', groups: ['G'] } : undefined),
  groups: async () => ({ items: [] }),
  group: async () => undefined,
  members: async (id, limit) => (id === ID ? { items: [], ...(limit > 1 ? {} : { next: 'm' }) } : undefined),
  rejections: async (_limit, cursor) => {
    if (cursor === 'bad') throw new BadCursorError('cursor is not one this API returned');
    return { items: [] };
  },
};
const api = makeReadApi(model);
const get = async (path: string, query: Record<string, string> = {}) => {
  const r = await api({ httpMethod: 'GET', path, queryStringParameters: query });
  return { status: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> };
};

describe('read routes', () => {
  test('lists carry next while more remain, with the limit and cursor passed through', async () => {
    expect(await get('/users', { limit: '7', cursor: 'c1' })).toEqual({
      status: 200,
      body: { users: [{ id: ID, email: 'a@x.io', name: 'A', groups: [] }], next: 'c2' },
    });
    expect(calls).toContainEqual(['users', 7, 'c1']);
    expect((await get('/groups')).body).toEqual({ groups: [] });
    expect((await get(`/groups/${ID}/members`, { limit: '1' })).body).toEqual({ members: [], next: 'm' });
  });

  test('ids with or without their prefix; unknown ids and routes are 404 with a reason', async () => {
    expect((await get(`/users/USER|${ID}`)).status).toBe(200);
    expect((await get(`/users/${ID.toUpperCase()}`)).status).toBe(200);
    for (const path of [
      `/users/${'b'.repeat(64)}`,
      '/users/x',
      `/groups/${ID}`,
      `/groups/${'b'.repeat(64)}/members`,
      '/users/a/b',
    ]) {
      const r = await get(path);
      expect(r.status).toBe(404);
      expect(typeof r.body['reason']).toBe('string');
    }
  });

  test('bad limits and cursors are 400; only GET', async () => {
    for (const limit of ['0', '101', '1.5', 'x']) expect((await get('/users', { limit })).status).toBe(400);
    expect((await get('/rejections', { cursor: 'bad' })).status).toBe(400);
    expect((await api({ httpMethod: 'POST', path: '/users' })).statusCode).toBe(405);
  });
});

describe('cursors', () => {
  const key = { pk: 'USER#k', sk: 'USER', gsi1pk: 'USERS', gsi1sk: 'a@x.io' };
  test('round-trip for their own list only', () => {
    expect(decodeCursor(encodeCursor(key), 'USERS')).toEqual(key);
    expect(() => decodeCursor(encodeCursor(key), 'GROUPS')).toThrow(BadCursorError);
    expect(encodeCursor(undefined)).toBeUndefined();
    expect(decodeCursor(undefined, 'USERS')).toBeUndefined();
  });
  test('anything else is refused', () => {
    for (const bad of [
      '%%%',
      Buffer.from('[1]').toString('base64url'),
      encodeCursor({ ...key, x: 'y' }) ?? '',
      encodeCursor({ ...key, sk: 1 }) ?? '',
    ])
      expect(() => decodeCursor(bad, 'USERS')).toThrow(BadCursorError);
  });
});
