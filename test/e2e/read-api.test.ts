import type { Server } from 'node:http';
import { expandEventFiles, readBody } from '../../src/local/client';
import { startDashboardServer } from '../../src/local/dashboard/server';
import { freePort } from '../../src/local/ports';
import { EVENTS, sendAndWait, startTestStack, stateOf, type TestStack } from '../support/e2e';

jest.setTimeout(180_000);

let t: TestStack;
let base: string;
const get = async (path: string) => {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  expect(text).not.toContain('passwordHash');
  expect(text).not.toContain('$argon2');
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
};
/** Follows `next` to the end of a paged list. */
const all = async (path: string, key: string, limit: number) => {
  const items: unknown[] = [];
  let pages = 0;
  for (let cursor: string | undefined; ;) {
    const q = `limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const { status, body } = await get(`${path}?${q}`);
    expect(status).toBe(200);
    const page = body[key] as unknown[];
    expect(page.length).toBeLessThanOrEqual(limit);
    items.push(...page);
    pages += 1;
    cursor = body['next'] as string | undefined;
    if (cursor === undefined) return { items, pages };
  }
};

beforeAll(async () => {
  t = await startTestStack({ logLevel: 'SILENT' });
  base = t.stack.httpUrl ?? '';
  for (const file of expandEventFiles([EVENTS])) await sendAndWait(t, readBody(file));
});
afterAll(() => t?.stack.stop());

describe('the read API on the embedded stack, after events/', () => {
  test('GET /users lists the users that state --json lists, page by page', async () => {
    const state = await stateOf(t);
    const { items, pages } = await all('/users', 'users', 1);
    expect(pages).toBeGreaterThan(1);
    expect(items).toEqual(
      state.users.map((u) => ({ id: u.id, email: u.email, name: u.name, groups: u.groups })),
    );
  });

  test('GET /groups gives id, name and memberCount sorted by name; members page', async () => {
    const state = await stateOf(t);
    const { items } = await all('/groups', 'groups', 1);
    expect(items).toEqual(
      state.groups.map((g) => ({ id: g.id, name: g.name, memberCount: g.members.length })),
    );
    const withMembers = state.groups.find((g) => g.members.length > 0);
    expect(withMembers).toBeDefined();
    const members = await all(`/groups/${withMembers?.id}/members`, 'members', 1);
    expect(members.pages).toBeGreaterThanOrEqual(withMembers?.members.length ?? 0);
    expect((members.items as { email: string }[]).map((m) => m.email).sort()).toEqual(withMembers?.members);
    expect((await get(`/groups/GROUP|${withMembers?.id}`)).body).toMatchObject({ name: withMembers?.name });
  });

  test('GET /users/{id} with or without USER|; unknown ids and bad cursors give reasons', async () => {
    const [user] = (await stateOf(t)).users;
    expect((await get(`/users/${user?.id}`)).body).toEqual({
      id: user?.id,
      email: user?.email,
      name: user?.name,
      groups: user?.groups,
    });
    expect((await get(`/users/USER|${user?.id}`)).status).toBe(200);
    const missing = await get(`/users/${'0'.repeat(64)}`);
    expect(missing.status).toBe(404);
    expect(missing.body['reason']).toContain('no user');
    expect((await get('/users/not-an-id')).status).toBe(404);
    expect((await get(`/groups/${'0'.repeat(64)}/members`)).status).toBe(404);
    expect((await get('/users?cursor=bm9wZQ')).status).toBe(400);
    const groupsCursor = (await get('/groups?limit=1')).body['next'] as string;
    expect((await get(`/users?cursor=${groupsCursor}`)).status).toBe(400);
    expect((await get('/users?limit=0')).status).toBe(400);
  });

  test('GET /rejections is newest first, with the fields of rejections --json', async () => {
    const { items } = await all('/rejections', 'rejections', 2);
    expect(items.length).toBeGreaterThan(0);
    const times = (items as { at: string }[]).map((r) => r.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(Object.keys(items[0] as object).sort()).toEqual(
      ['at', 'commandId', 'entityType', 'eventType', 'reasons', 'stage'].sort(),
    );
  });
});

describe('npm run dashboard (the dashboard server of a target)', () => {
  test('serves the page and the same read API through its own credentials', async () => {
    const port = await freePort();
    const server: Server = await startDashboardServer(t.target, port);
    try {
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(await page.text()).toContain('<script src="/dashboard.js">');
      const viaDashboard = await (await fetch(`http://127.0.0.1:${port}/api/users?limit=100`)).json();
      expect(viaDashboard).toEqual((await get('/users?limit=100')).body);
      const pipeline = (await (await fetch(`http://127.0.0.1:${port}/api/pipeline`)).json()) as {
        queues: Record<string, { name: string }>;
      };
      expect(Object.keys(pipeline.queues).sort()).toEqual(['cache', 'cacheDlq', 'input', 'inputDlq']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('refuses what a page of another origin could send it (it acts with the caller credentials)', async () => {
    const port = await freePort();
    const server: Server = await startDashboardServer(t.target, port);
    const url = `http://127.0.0.1:${port}/api/commands`;
    const body = JSON.stringify({
      entityType: 'GROUP',
      eventType: 'GROUP_CREATED',
      eventData: { name: 'CSRF' },
    });
    try {
      const refused = await Promise.all([
        fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' } }),
        fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
        }),
        fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
        }),
      ]);
      expect(refused.map((r) => r.status)).toEqual([415, 403, 403]);
      expect(JSON.stringify((await get('/groups?limit=100')).body)).not.toContain('CSRF');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
