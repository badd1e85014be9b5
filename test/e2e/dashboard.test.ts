import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { getCommandRecord, listRejections } from '../../src/adapters/dynamodb';
import { pollUntil } from '../../src/adapters/poll-until';
import { sendMessage } from '../../src/adapters/sqs';
import { groupIdOf, userIdOf } from '../../src/domain/ids';
import { startDashboardServer } from '../../src/local/dashboard/server';
import { freePort } from '../../src/local/ports';
import { launchChromium } from '../support/browser';
import {
  openTestStack,
  parkedIn,
  patience,
  stateOf,
  type StackUnderTest,
  type TestStack,
} from '../support/e2e';
import { makeScope } from '../support/scope';

// Target-agnostic: Chromium drives a dashboard server pointed at the target (a private embedded
// stack, or the stack E2E_ENDPOINT names), as `npm run dashboard` does. Names and emails live in a
// namespace of this run; the lists, rejections and DLQs may hold other runs' entries, so each check
// looks for this run's own rows.
const scope = makeScope(['Engineering', 'Finance'], []);
const EVA = scope.email('eva@example.com');
const RAE = scope.email('rae@example.com');
const ENGINEERING = scope.name('Engineering');

jest.setTimeout(patience(240_000));

const WAIT = { timeout: patience(60_000) };
let t: TestStack<StackUnderTest>;
let server: Server;
let browser: { browser: Browser; close: () => Promise<void> };
let page: Page;
let origin: string;
/** This run's commands the page followed to APPLIED. */
const applied: string[] = [];
const foreign: string[] = [];

beforeAll(async () => {
  t = await openTestStack({ logLevel: 'SILENT' });
  const port = await freePort();
  server = await startDashboardServer(t.target, port);
  origin = `http://127.0.0.1:${port}`;
  browser = await launchChromium();
  page = await browser.browser.newPage({ viewport: { width: 1440, height: 900 } });
  // Offline: any request that is not to the dashboard server fails the test.
  page.on('request', (r) => {
    if (!r.url().startsWith(`${origin}/`)) foreign.push(r.url());
  });
  await page.goto(`${origin}/`);
  await page.waitForSelector('#pipeline .stage', WAIT);
  expect(foreign).toEqual([]);
}, patience(240_000));
afterAll(async () => {
  await browser?.close();
  if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  await t?.stack.stop();
});

/** Clicks Send with the text area as it is; resolves the id of the command the page then follows. */
const sendShown = async () => {
  const before = await page.inputValue('#follow-id');
  await page.click('#send');
  await page.waitForFunction(
    `(v => v !== '' && v !== ${JSON.stringify(before)})(document.getElementById('follow-id').value)`,
    undefined,
    WAIT,
  );
  return page.inputValue('#follow-id');
};
const sendFromPage = async (json: string) => {
  await page.fill('#body', json);
  return sendShown();
};
/** Waits until the follow box shows this command with this status. */
const followedTo = (id: string, status: string) =>
  page.waitForFunction(
    `document.getElementById('follow-result')?.textContent.includes(${JSON.stringify(id)}) &&
      document.getElementById('follow-status')?.textContent === '${status}'`,
    undefined,
    WAIT,
  );
/**
 * Waits for a row of a list the page shows page by page (50 users or groups, 20 rejections),
 * clicking its "Load more" button while the row is not there: a shared table lists other runs' rows too.
 */
const reveal = (row: string, more: 'users-more' | 'groups-more' | 'rejections-more') =>
  pollUntil(
    async () => {
      if ((await page.locator(row).count()) > 0) return true;
      // in the page, in one step: a refresh may hide the button between a look and a click
      await page.evaluate(`(b => b !== null && !b.hidden && b.click())(document.getElementById('${more}'))`);
      return undefined;
    },
    { timeoutMs: WAIT.timeout, what: `${row} on the page`, initialDelayMs: 250, maxDelayMs: 1000 },
  );
const userRow = (email: string) => `#users tr[data-user="${userIdOf(email)}"]`;

describe('the dashboard in Chromium, pointed at the target', () => {
  test('the page and its script weigh under 250 KB and load nothing from elsewhere', async () => {
    const sizes = await Promise.all(
      ['', 'dashboard.js'].map(async (p) => (await (await fetch(`${origin}/${p}`)).arrayBuffer()).byteLength),
    );
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(250 * 1024);
    await expect(page.title()).resolves.toBe('User directory pipeline');
  });

  test('validation refuses a bad command inline and sends nothing', async () => {
    await page.fill(
      '#body',
      '{"entityType":"USER","eventType":"USER_CREATED","eventData":{"name":"D","email":"nope","password":"dan-secret-1","groups":[]}}',
    );
    // Keyboard: the Validate button is reachable with Tab from the text area and runs on Enter.
    await page.focus('#body');
    await page.keyboard.press('Tab');
    await expect(page.evaluate('document.activeElement?.id')).resolves.toBe('validate');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#send-result .reasons li', WAIT);
    expect(await page.textContent('#send-result')).toMatch(/nothing was sent/);
    expect(await page.textContent('#send-result .reasons')).toMatch(/email/i);
    expect(await stateOf(t, scope)).toEqual({ users: [], groups: [] });
  });

  test('a command sent from the page is followed to APPLIED and its user appears', async () => {
    await page.selectOption('#file', 'events/01-group-created-engineering.json');
    await page.click('#load');
    await page.waitForFunction(`document.getElementById('body').value.includes('Engineering')`);
    // the file as the page loaded it, moved into this run's namespace before it is sent
    await page.fill('#body', scope.text(await page.inputValue('#body')));
    expect(await page.inputValue('#body')).toContain(ENGINEERING);
    const groupId = await sendShown();
    await followedTo(groupId, 'APPLIED');
    applied.push(groupId);
    const id = await sendFromPage(
      scope.text(
        '{"entityType":"USER","eventType":"USER_CREATED","eventData":{"name":"Eva","email":"eva@example.com","password":"eva-secret-1","groups":["Engineering"]}}',
      ),
    );
    expect(id).toMatch(/\S/);
    expect(applied).not.toContain(id);
    await followedTo(id, 'APPLIED');
    applied.push(id);
    expect(await page.textContent('#follow-result')).toMatch(/sent at .*published.*applied at/s);
    await reveal(userRow(EVA), 'users-more');
    expect(await page.textContent(userRow(EVA))).toContain(EVA);
    expect(await page.textContent(userRow(EVA))).toContain(ENGINEERING);
    await page.fill('#user-search', 'nobody-matches');
    await page.waitForFunction(`document.querySelectorAll('#users tr').length === 0`, undefined, WAIT);
    await page.fill('#user-search', 'eva');
    await reveal(userRow(EVA), 'users-more');
    const groupRow = `#groups tr[data-group="${groupIdOf(ENGINEERING)}"]`;
    await reveal(groupRow, 'groups-more');
    await page.click(`${groupRow} button`);
    await page.waitForSelector(`#members-title:has-text("${ENGINEERING}")`, WAIT);
    await page.waitForSelector(`#members tr:has-text("${EVA}")`, WAIT);
  });

  test('the pipeline shows the queues and the commands of the last minute', async () => {
    // the figures count every command of the stack: at least this run's that were applied in the last minute
    const recent = await Promise.all(
      applied.map((id) => getCommandRecord(t.target.doc, t.stack.names.table, id)),
    );
    const since = new Date(Date.now() - 50_000).toISOString();
    const ownLastMinute = recent.filter((r) => r?.status === 'APPLIED' && r.at >= since).length;
    expect(ownLastMinute).toBeGreaterThan(0);
    await page.waitForFunction(
      `Number(document.querySelector('[data-rate="applied"] b')?.textContent ?? 0) >= ${ownLastMinute}`,
      undefined,
      WAIT,
    );
    const queues = await page.$$eval('#pipeline [data-queue]', (boxes) =>
      boxes.map((b) => b.getAttribute('data-queue')),
    );
    const names = t.target.names.queues;
    expect(queues.sort()).toEqual([names.input, names.inputDlq, names.cache, names.cacheDlq].sort());
  });

  test('a rejection shows with its reason, newest first', async () => {
    const id = await sendFromPage(
      scope.text(
        '{"entityType":"USER","eventType":"USER_CREATED","eventData":{"name":"Dan","email":"dan@example.com","password":"dan-secret-1","groups":["Finance"]}}',
      ),
    );
    await followedTo(id, 'REJECTED');
    expect(await page.textContent('#follow-result .reasons')).toContain(scope.name('Finance'));
    const row = `#rejections tr:has-text("${id}")`;
    await reveal(row, 'rejections-more');
    expect(await page.textContent(row)).toMatch(/USER_CREATED/);
    expect(await page.textContent(row)).toContain(scope.name('Finance'));
    await page.waitForFunction(
      `Number(document.querySelector('[data-rate="rejected"] b')?.textContent ?? 0) >= 1`,
      undefined,
      WAIT,
    );
    // newest first: the rows' rejections, as stored, in order of their times (latest on top)
    const shown = await page.$$eval('#rejections tr', (rows) =>
      rows.map((r) => r.lastElementChild?.textContent ?? ''),
    );
    const at = new Map(
      (await listRejections(t.target.doc, t.stack.names.table)).map((r) => [r.commandId, r.at]),
    );
    const times = shown.map((commandId) => at.get(commandId) ?? '');
    expect(times).not.toContain('');
    expect([...times].sort().reverse()).toEqual(times);
    expect(shown).toContain(id);
  });

  test('a message in the input DLQ is listed without its data; its own Redrive moves it, and only it, back', async () => {
    const body = scope.text(
      '{"entityType":"USER","eventType":"USER_CREATED","eventData":{"name":"Rae","email":"rae@example.com","password":"rae-secret-1","groups":[]}}',
    );
    // a neighbour in the same DLQ, which the row's redrive must leave where it is
    const stays = scope.text(
      '{"entityType":"GROUP","eventType":"GROUP_CREATED","eventData":{"name":"Stays Parked"}}',
    );
    const neighbourId = await sendMessage(t.target.sqs, t.stack.queueUrls.inputDlq, stays);
    // the DLQ of a shared stack may hold other messages: this one is found by its message id
    const messageId = await sendMessage(t.target.sqs, t.stack.queueUrls.inputDlq, body);
    const listed = `#dlq-inputDlq tbody tr[data-message="${messageId}"]`;
    await page.waitForSelector(listed, WAIT);
    await page.waitForSelector(`#dlq-inputDlq tbody tr[data-message="${neighbourId}"]`, WAIT);
    expect(await page.textContent(listed)).toContain('USER_CREATED');
    const shown = await page.textContent('#dlqs');
    expect(shown).not.toContain(RAE);
    expect(shown).not.toContain('rae-secret-1');
    await page.fill('#user-search', '');
    await page.click(`${listed} button`);
    await page.waitForSelector(`#dlq-inputDlq :text("moved 1 message(s) back (${messageId})")`, WAIT);
    await reveal(userRow(RAE), 'users-more');
    expect((await stateOf(t, scope)).users.map((u) => u.email)).toContain(RAE);
    await page.waitForSelector(listed, { ...WAIT, state: 'detached' });
    // the neighbour is still listed, and still in the DLQ: taken back by this test, not applied
    await page.waitForSelector(`#dlq-inputDlq tbody tr[data-message="${neighbourId}"]`, WAIT);
    expect((await stateOf(t, scope)).groups.map((g) => g.name)).not.toContain(scope.name('Stays Parked'));
    expect(await parkedIn(t, t.stack.queueUrls.inputDlq, [neighbourId], { remove: true })).toEqual([
      neighbourId,
    ]);
  });

  test('a command is followed by the id typed in, and nothing was fetched from anywhere else', async () => {
    const [appliedId] = applied;
    expect(appliedId).toBeDefined();
    await page.fill('#follow-id', appliedId ?? '');
    await page.focus('#follow-id');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await followedTo(appliedId ?? '', 'APPLIED');
    expect(foreign).toEqual([]);
  });
});
