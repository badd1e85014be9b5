/**
 * `npm run screenshots`: boots the embedded stack, sends events/ (each waited for), parks one
 * message in the input DLQ, opens the dashboard in Debian's Chromium and writes PNGs to docs/img/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sendMessage } from '../src/adapters/sqs';
import { connect, expandEventFiles, sendFiles } from '../src/local/client';
import { startEmbeddedStack } from '../src/local/stack';
import { launchChromium } from '../test/support/browser';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const ROOT = join(__dirname, '..');
const OUT = join(ROOT, 'docs/img');
const WAIT = { timeout: 60_000 };

const main = async (): Promise<void> => {
  mkdirSync(OUT, { recursive: true });
  const stack = await startEmbeddedStack({ logLevel: 'SILENT', waitSeconds: 1, retryAfterSeconds: 0 });
  const chromium = await launchChromium();
  try {
    const target = connect(stack.config, stack.names.stage);
    await sendFiles(target, expandEventFiles([join(ROOT, 'events')]), { wait: true, log: () => undefined });
    await sendMessage(
      target.sqs,
      stack.queueUrls.inputDlq,
      '{"entityType":"USER","eventType":"USER_CREATED","eventData":{"name":"Rae","email":"rae@example.com","password":"rae-secret-1","groups":[]}}',
    );
    const page = await chromium.browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(`${stack.httpUrl ?? ''}/`);
    await page.waitForSelector('#users tr', WAIT);
    await page.waitForSelector('#dlq-inputDlq tbody tr', WAIT);
    await page.selectOption('#file', 'events/12-rejected-bad-email.json');
    await page.click('#load');
    await page.waitForFunction(`document.getElementById('body').value.includes('dan-at')`);
    await page.click('#validate');
    await page.waitForSelector('#send-result .reasons li', WAIT);
    await page.screenshot({ path: join(OUT, 'dashboard.png') });
    await page.fill(
      '#body',
      '{"entityType":"USER","eventType":"USER_CREATED","eventData":{"name":"Eva","email":"eva@example.com","password":"eva-secret-1","groups":[]}}',
    );
    await page.click('#send');
    await page.waitForFunction(
      `['APPLIED', 'REJECTED'].includes(document.getElementById('follow-status')?.textContent)`,
      undefined,
      WAIT,
    );
    await page.waitForSelector('#users tr:has-text("eva@example.com")', WAIT);
    await page.click('#groups button');
    await page.waitForSelector('#members tr', WAIT);
    await page.locator('main').screenshot({ path: join(OUT, 'dashboard-full.png') });
    process.stdout.write(`wrote ${join(OUT, 'dashboard.png')} and ${join(OUT, 'dashboard-full.png')}\n`);
  } finally {
    await chromium.close();
    await stack.stop();
  }
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
