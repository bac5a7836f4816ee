import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, chromiumAvailable, launchChromium, onlyReach } from '#test/support/browser.ts';
import { freePort, ServiceProcess } from '#test/support/server-process.ts';

describe.skipIf(!chromiumAvailable())('the /docs page in a browser', () => {
  let service: ServiceProcess;
  let browser: Browser;

  beforeAll(async () => {
    service = new ServiceProcess(
      { DATABASE_URL: 'memory', REDIS_URL: '', LOG_LEVEL: 'warn' },
      await freePort(),
    );
    await service.started(true);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop('SIGTERM');
  });

  it('lists the operations with nothing but the service reachable', async () => {
    const refused = await onlyReach(browser.context, service.baseUrl);
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });

    await page.goto(`${service.baseUrl}/docs`);
    const send = page.locator('.opblock-post', { has: page.locator('[data-path="/chatroom/{id}/message"]') });
    await send.waitFor({ state: 'visible', timeout: 30_000 });

    const method = send.locator('.opblock-summary-method');
    const path = send.locator('.opblock-summary-path');
    expect([await method.isVisible(), await path.isVisible()]).toEqual([true, true]);
    expect([await method.textContent(), await path.textContent()]).toEqual([
      'POST',
      '/chatroom/{id}/message',
    ]);
    expect(await page.locator('.opblock').count()).toBeGreaterThan(20);
    const screenshot = await browser.screenshotPath('docs-page');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`screenshot of /docs: ${screenshot}`);
    expect(refused).toEqual([]);
    expect(problems).toEqual([]);
  });
});
