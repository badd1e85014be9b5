import type { Server } from 'node:http';
import { groupIdOf } from '../../src/domain/ids';
import { expandEventFiles, readBody, waitForOutcome } from '../../src/local/client';
import { startDashboardServer } from '../../src/local/dashboard/server';
import { freePort } from '../../src/local/ports';
import {
  EVENTS,
  openTestStack,
  patience,
  rejectionsOf,
  sendAndWait,
  stateOf,
  type StackUnderTest,
  type TestStack,
} from '../support/e2e';
import { eventsScope } from '../support/scope';

// Target-agnostic: runs on a private embedded stack, or on the stack E2E_ENDPOINT names (the read API
// at E2E_HTTP_URL). events/ is sent in a namespace of this run; the paged lists are followed to their
// end and compared, for this namespace only, with `state --json`, so other runs' data changes nothing.
const scope = eventsScope();

jest.setTimeout(patience(180_000));

let t: TestStack<StackUnderTest>;
let base: string;
/** The message ids (= command ids) of this run's files of events/ that were rejected. */
const rejected: string[] = [];

const getAt = async (url: string) => {
  const res = await fetch(url);
  const text = await res.text();
  expect(text).not.toContain('passwordHash');
  expect(text).not.toContain('$argon2');
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
};
const get = (path: string) => getAt(`${base}${path}`);

/**
 * Follows `next` from the first page of a list (at `root`, default the read API) to its end, or
 * until `done` holds for the items read so far.
 */
const all = async (
  path: string,
  key: string,
  limit: number,
  options: { root?: string; done?: (items: unknown[]) => boolean } = {},
) => {
  const items: unknown[] = [];
  let pages = 0;
  for (let cursor: string | undefined; ;) {
    const q = `limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const { status, body } = await getAt(`${options.root ?? base}${path}?${q}`);
    expect(status).toBe(200);
    const page = body[key] as unknown[];
    expect(page.length).toBeLessThanOrEqual(limit);
    items.push(...page);
    pages += 1;
    cursor = body['next'] as string | undefined;
    if (cursor === undefined || options.done?.(items) === true) return { items, pages };
  }
};

/**
 * A page size that makes a list of `total` items take about three pages (at least two when it has
 * two items or more), whatever else a shared table holds: paging is exercised, and the request
 * count stays small.
 */
const limitFor = (total: number) => Math.min(100, Math.max(1, Math.ceil(total / 3)));

type Listed = { email?: string; name?: string };
const ours = (items: unknown[]) => (items as Listed[]).filter((i) => scope.owns(i.email ?? i.name ?? ''));

beforeAll(async () => {
  t = await openTestStack({ logLevel: 'SILENT' });
  if (t.stack.httpUrl === undefined)
    throw new Error(
      'E2E_HTTP_URL is not set: the read API base URL (npm run stack serves it on its HTTP port)',
    );
  base = t.stack.httpUrl;
  for (const file of expandEventFiles([EVENTS])) {
    const { messageId, outcome } = await sendAndWait(t, scope.text(readBody(file)));
    if (outcome.status === 'REJECTED') rejected.push(messageId);
  }
}, patience(180_000));
afterAll(() => t?.stack.stop());

describe('the read API after events/ (this run namespace)', () => {
  test('GET /users lists the users that state --json lists, page by page', async () => {
    const state = await stateOf(t, scope);
    expect(state.users.length).toBeGreaterThan(1);
    const limit = limitFor((await stateOf(t)).users.length);
    const { items, pages } = await all('/users', 'users', limit);
    expect(pages).toBeGreaterThan(1);
    expect(ours(items)).toEqual(
      state.users.map((u) => ({ id: u.id, email: u.email, name: u.name, groups: u.groups })),
    );
  });

  test('GET /groups gives id, name and memberCount sorted by name; members page', async () => {
    const state = await stateOf(t, scope);
    expect(state.groups.length).toBeGreaterThan(1);
    const { items, pages } = await all('/groups', 'groups', limitFor((await stateOf(t)).groups.length));
    expect(pages).toBeGreaterThan(1);
    expect(ours(items)).toEqual(
      state.groups.map((g) => ({ id: g.id, name: g.name, memberCount: g.members.length })),
    );
    const withMembers = state.groups.find((g) => g.members.length > 1);
    expect(withMembers).toBeDefined();
    const members = await all(`/groups/${withMembers?.id}/members`, 'members', 1);
    expect(members.pages).toBeGreaterThanOrEqual(withMembers?.members.length ?? 0);
    expect((members.items as { email: string }[]).map((m) => m.email).sort()).toEqual(withMembers?.members);
    expect((await get(`/groups/GROUP|${withMembers?.id}`)).body).toMatchObject({ name: withMembers?.name });
  });

  test('GET /users/{id} with or without USER|; unknown ids and bad cursors give reasons', async () => {
    const [user] = (await stateOf(t, scope)).users;
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
    expect(groupsCursor).toEqual(expect.any(String));
    expect((await get(`/users?cursor=${groupsCursor}`)).status).toBe(400);
    expect((await get('/users?limit=0')).status).toBe(400);
  });

  test('GET /rejections is newest first, with the fields of rejections --json', async () => {
    expect(rejected.length).toBeGreaterThan(2);
    type Rejection = { commandId: string; at: string; eventType: string | null; reasons: string[] };
    const mine = (items: unknown[]) => (items as Rejection[]).filter((r) => rejected.includes(r.commandId));
    // newest first: this run's rejections are at the front, unless other runs reject at the same time
    const { items, pages } = await all('/rejections', 'rejections', 2, {
      done: (read) => mine(read).length === rejected.length,
    });
    expect(pages).toBeGreaterThan(1);
    const times = (items as Rejection[]).map((r) => r.at);
    expect([...times].sort().reverse()).toEqual(times);
    const own = mine(items);
    expect(own.map((r) => r.commandId).sort()).toEqual([...rejected].sort());
    own.forEach((r) =>
      expect(Object.keys(r).sort()).toEqual(
        ['at', 'commandId', 'entityType', 'eventType', 'reasons', 'stage'].sort(),
      ),
    );
    const cli = await rejectionsOf(t, rejected);
    expect([...own].reverse().map((r) => ({ eventType: r.eventType, reasons: r.reasons }))).toEqual(cli);
  });
});

describe('npm run dashboard (the dashboard server of a target)', () => {
  const withDashboard = async (fn: (root: string) => Promise<void>) => {
    const port = await freePort();
    const server: Server = await startDashboardServer(t.target, port);
    try {
      await fn(`http://127.0.0.1:${port}`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  };

  test('serves the page and the same read API through its own credentials', () =>
    withDashboard(async (root) => {
      const page = await fetch(`${root}/`);
      expect(await page.text()).toContain('<script src="/dashboard.js">');
      const limit = limitFor((await stateOf(t)).users.length);
      const viaDashboard = await all('/api/users', 'users', limit, { root });
      expect(viaDashboard.pages).toBeGreaterThan(1);
      const direct = await all('/users', 'users', limit);
      expect(ours(viaDashboard.items)).toEqual(ours(direct.items));
      expect(ours(viaDashboard.items).length).toBeGreaterThan(1);
      const [user] = (await stateOf(t, scope)).users;
      expect((await getAt(`${root}/api/users/${user?.id}`)).body).toEqual(
        (await get(`/users/${user?.id}`)).body,
      );
      const pipeline = (await (await fetch(`${root}/api/pipeline`)).json()) as {
        queues: Record<string, { name: string }>;
      };
      expect(Object.keys(pipeline.queues).sort()).toEqual(['cache', 'cacheDlq', 'input', 'inputDlq']);
      expect(pipeline.queues['input']?.name).toBe(t.target.names.queues.input);
    }));

  test('refuses what a page of another origin could send it (it acts with the caller credentials)', () =>
    withDashboard(async (root) => {
      const url = `${root}/api/commands`;
      const command = (name: string) =>
        JSON.stringify({ entityType: 'GROUP', eventType: 'GROUP_CREATED', eventData: { name } });
      const body = command(scope.name('CSRF'));
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
      // the same request from its own origin is sent: once it is applied, the refused ones are not there
      const accepted = await fetch(url, {
        method: 'POST',
        body: command(scope.name('CSRF control')),
        headers: { 'content-type': 'application/json', origin: root },
      });
      expect(accepted.status).toBe(202);
      const { commandId } = (await accepted.json()) as { commandId: string };
      const outcome = await waitForOutcome(t.target.doc, t.stack.names.table, commandId, patience(20_000));
      expect(outcome.status).toBe('APPLIED');
      const names = (await stateOf(t, scope)).groups.map((g) => g.name);
      expect(names).toContain(scope.name('CSRF control'));
      expect(names).not.toContain(scope.name('CSRF'));
      expect((await get(`/groups/${groupIdOf(scope.name('CSRF'))}`)).status).toBe(404);
    }));
});
