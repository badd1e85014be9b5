import { sendMessage } from '../../src/adapters/sqs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startTestStack, stateOf, type TestStack } from '../support/e2e';

jest.setTimeout(240_000);

const WAIT = { timeout: 60_000 };
let t: TestStack;
let browser: { browser: Browser; close: () => Promise<void> };
let page: Page;
let url: string;
let appliedId = '';
const foreign: string[] = [];

beforeAll(async () => {
  t = await startTestStack({ logLevel: 'SILENT' });
  url = `${t.stack.httpUrl ?? ''}/`;
  browser = await launchChromium();
  page = await browser.browser.newPage({ viewport: { width: 1440, height: 900 } });
  // Offline: any request that is not to the dashboard fails the test.
  page.on('request', (r) => {
    if (!r.url().startsWith(t.stack.httpUrl ?? '-')) foreign.push(r.url());
  });
  await page.goto(url);
  await page.waitForSelector('#pipeline .stage', WAIT);
  expect(foreign).toEqual([]);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await t?.stack.stop();
});

const sendFromPage = async (json: string) => {
  await page.fill('#body', json);
  await page.click('#send');
  await page.waitForSelector('#follow-status', WAIT);
  return page.inputValue('#follow-id');
};

describe('the dashboard in Chromium against the embedded stack', () => {
  test('the page and its script weigh under 250 KB and load nothing from elsewhere', async () => {
    const sizes = await Promise.all(
      ['', 'dashboard.js'].map(async (p) => (await (await fetch(`${url}${p}`)).arrayBuffer()).byteLength),
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
    expect((await stateOf(t)).users).toEqual([]);
  });

  test('a command sent from the page is followed to APPLIED and its user appears', async () => {
    await page.selectOption('#file', 'events/01-group-created-engineering.json');
    await page.click('#load');
    await page.waitForFunction(`document.getElementById('body').value.includes('Engineering')`);
    await page.click('#send');
    await page.waitForFunction(
      `document.getElementById('follow-status')?.textContent === 'APPLIED'`,
      undefined,
      WAIT,
    );
    const id = await sendFromPage(
      '{"entityType":"USER","eventType":"USER_CREATED","eventData":{"name":"Eva","email":"eva@example.com","password":"eva-secret-1","groups":["Engineering"]}}',
    );
    expect(id).toMatch(/\S/);
    appliedId = id;
    await page.waitForFunction(
      `document.getElementById('follow-status')?.textContent === 'APPLIED'`,
      undefined,
      WAIT,
    );
    expect(await page.textContent('#follow-result')).toMatch(/sent at .*published.*applied at/s);
    await page.waitForSelector('#users tr:has-text("eva@example.com")', WAIT);
    expect(await page.textContent('#users')).toContain('Engineering');
    await page.fill('#user-search', 'nobody-matches');
    await page.waitForFunction(`document.querySelectorAll('#users tr').length === 0`, undefined, WAIT);
    await page.fill('#user-search', 'eva');
    await page.waitForSelector('#groups tr:has-text("Engineering")', WAIT);
    await page.click('#groups button');
    await page.waitForSelector('#members tr:has-text("eva@example.com")', WAIT);
  });

  test('the pipeline shows the queues and the commands of the last minute', async () => {
    await page.waitForFunction(
      `Number(document.querySelector('[data-rate="applied"] b')?.textContent ?? 0) >= 2`,
      undefined,
      WAIT,
    );
    expect(await page.locator('#pipeline [data-queue]').count()).toBe(4);
  });

  test('a rejection shows with its reason, newest first', async () => {
    await sendFromPage(
      '{"entityType":"USER","eventType":"USER_CREATED","eventData":{"name":"Dan","email":"dan@example.com","password":"dan-secret-1","groups":["Finance"]}}',
    );
    await page.waitForFunction(
      `document.getElementById('follow-status')?.textContent === 'REJECTED'`,
      undefined,
      WAIT,
    );
    expect(await page.textContent('#follow-result .reasons')).toMatch(/Finance/);
    await page.waitForSelector('#rejections tr:has-text("Finance")', WAIT);
    await page.waitForFunction(
      `Number(document.querySelector('[data-rate="rejected"] b')?.textContent ?? 0) >= 1`,
      undefined,
      WAIT,
    );
    expect(await page.textContent('#rejections tr:first-child')).toMatch(/USER_CREATED/);
  });

  test('a message in the input DLQ is listed without its data and redriven to the input queue', async () => {
    const body =
      '{"entityType":"USER","eventType":"USER_CREATED","eventData":{"name":"Rae","email":"rae@example.com","password":"rae-secret-1","groups":[]}}';
    await sendMessage(t.target.sqs, t.stack.queueUrls.inputDlq, body);
    await page.waitForSelector('#dlq-inputDlq tbody tr:has-text("USER_CREATED")', WAIT);
    const shown = await page.textContent('#dlqs');
    expect(shown).not.toContain('rae@example.com');
    expect(shown).not.toContain('rae-secret-1');
    await page.fill('#user-search', '');
    await page.click('#redrive-inputDlq');
    await page.waitForSelector('#dlq-inputDlq :text("moved 1 message(s) back")', WAIT);
    await page.waitForSelector('#users tr:has-text("rae@example.com")', WAIT);
    await page.waitForFunction(
      `document.querySelectorAll('#dlq-inputDlq tbody tr').length === 0`,
      undefined,
      WAIT,
    );
  });

  test('a command is followed by the id typed in, and nothing was fetched from anywhere else', async () => {
    expect(appliedId).not.toBe('');
    await page.fill('#follow-id', appliedId);
    await page.focus('#follow-id');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#follow-result :text("${appliedId}")`, WAIT);
    await page.waitForFunction(
      `document.getElementById('follow-status')?.textContent === 'APPLIED'`,
      undefined,
      WAIT,
    );
    expect(foreign).toEqual([]);
  });
});
