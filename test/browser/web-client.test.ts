import { dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from '#test/support/axe.ts';
import { type Browser, chromiumAvailable, launchChromium, onlyReach } from '#test/support/browser.ts';
import { freePort, ServiceProcess } from '#test/support/server-process.ts';

/** The offline model echoes the prompt, one word per OFFLINE_MODEL_WORD_MS: 100 one-letter words take ~3 s. */
const WORD_MS = 30;
const longPrompt = (letter: string) => Array.from({ length: 100 }, () => letter).join(' ');
const echo = (prompt: string) => `(offline model) You said: ${prompt}`;
/** Waits for what the page shows: generous, for a loaded 2-core machine. */
const eventually = <T>(actual: () => T | Promise<T>) =>
  expect.poll(actual, { timeout: 15_000, interval: 50 });

describe.skipIf(!chromiumAvailable())('the web client at /app in a browser', () => {
  let service: ServiceProcess;
  let browser: Browser;
  /** localhost, as APP_BASE_URL defaults to: the offline checkout sends the browser back to the same origin. */
  let base: string;
  let refused: string[];
  const problems: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    service = new ServiceProcess(
      { DATABASE_URL: 'memory', REDIS_URL: '', LOG_LEVEL: 'warn', OFFLINE_MODEL_WORD_MS: String(WORD_MS) },
      port,
    );
    await service.started(true);
    browser = await launchChromium();
    refused = await onlyReach(browser.context, base);
  });

  afterAll(async () => {
    await browser?.close();
    await service?.stop('SIGTERM');
  });

  /** A page whose script errors go to `problems`, and whose failed API calls to `failures` ("429 POST /path"). */
  async function newPage(failures: string[] = []): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Chromium logs each 4xx answer as a failed resource; those are asserted through `failures`.
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
        problems.push(`console: ${message.text()}`);
    });
    page.on('response', (response) => {
      if (response.status() >= 400)
        failures.push(
          `${response.status()} ${response.request().method()} ${new URL(response.url()).pathname}`,
        );
    });
    await page.goto(`${base}/app`);
    await page.evaluate(() => globalThis.localStorage.clear());
    return page;
  }

  async function screenshot(page: Page, name: string): Promise<void> {
    const path = await browser.screenshotPath(name);
    await page.screenshot({ path });
    if (name === 'sign-in') console.log(`screenshots of /app: ${dirname(path)}`);
  }

  async function expectAccessible(page: Page): Promise<void> {
    expect(await seriousViolations(page)).toEqual([]);
  }

  const usage = (page: Page) => page.getByRole('status', { name: 'Usage' });
  const replies = (page: Page) => page.locator('#message-list li[data-role="model"]');
  const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });
  const messageBox = (page: Page) => page.getByRole('textbox', { name: 'Message', exact: true });

  async function signUp(page: Page, mobile: string): Promise<void> {
    await page.goto(`${base}/`);
    await page.getByRole('textbox', { name: 'Mobile number', exact: true }).fill(mobile);
    await button(page, 'Send code').click();
    await eventually(() => page.getByRole('textbox', { name: 'Code', exact: true }).inputValue()).toMatch(
      /^\d{6}$/,
    );
  }

  it('signs up, streams replies, stops one, resumes one after a reload, hits the quota and upgrades to Pro', async () => {
    const failures: string[] = [];
    const page = await newPage(failures);
    const resumedWith: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/stream')) resumedWith.push(request.headers()['last-event-id'] ?? '');
    });

    // Sign up: the number is unknown, so the client signs it up and asks for a code, which offline mode returns.
    await signUp(page, '+91 98765 43210');
    expect(page.url()).toBe(`${base}/app`);
    await eventually(() => page.locator('#auth-notice').textContent()).toMatch(/created one.*filled in/);
    await screenshot(page, 'sign-in');
    await expectAccessible(page);
    await button(page, 'Verify').click();
    await eventually(() => usage(page).textContent()).toMatch(/^5 of 5 prompts left today, resets in \d/);

    // A first reply, read as it streams in.
    await button(page, 'New chat').click();
    await messageBox(page).fill('Hello there');
    await messageBox(page).press('Enter');
    const first = replies(page).first();
    await first.waitFor();
    await eventually(() => first.getAttribute('class')).toContain('completed');
    expect(await first.locator('.text').textContent()).toBe(echo('Hello there'));
    await eventually(() => usage(page).textContent()).toMatch(/^4 of 5 prompts left/);
    expect(await page.locator('#room-list li').count()).toBe(1);

    // A long reply, stopped while it streams: the partial text stays, marked stopped.
    await messageBox(page).fill(longPrompt('w'));
    await button(page, 'Send').click();
    const stopped = replies(page).nth(1);
    await eventually(() => stopped.locator('.text').textContent()).toContain('You said: w w');
    await screenshot(page, 'streaming');
    await button(page, 'Stop').click();
    await eventually(() => stopped.getAttribute('class')).toContain('stopped');
    expect(await stopped.locator('.state').textContent()).toBe('Stopped');
    const partial = (await stopped.locator('.text').textContent()) ?? '';
    expect(echo(longPrompt('w')).startsWith(partial)).toBe(true);
    expect(partial.length).toBeLessThan(echo(longPrompt('w')).length);
    expect(await button(page, 'Stop').isHidden()).toBe(true);

    // A reload while a reply streams resumes it after the last event read, ending with the whole text once.
    await messageBox(page).fill(longPrompt('x'));
    await messageBox(page).press('Enter');
    const resumed = replies(page).nth(2);
    await eventually(() => resumed.locator('.text').textContent()).toContain('You said: x x');
    await page.reload();
    await eventually(() => replies(page).nth(2).getAttribute('class')).toContain('completed');
    expect(await replies(page).nth(2).locator('.text').textContent()).toBe(echo(longPrompt('x')));
    expect(resumedWith.filter((id) => id !== '')).toHaveLength(1);
    await eventually(() => usage(page).textContent()).toMatch(/^2 of 5 prompts left/);
    await screenshot(page, 'chat');
    await expectAccessible(page);

    // The quota: two more prompts, then the sixth is refused with the reset time and the way to Pro.
    for (const prompt of ['Four', 'Five']) {
      await messageBox(page).fill(prompt);
      await messageBox(page).press('Enter');
      await eventually(() => page.locator('#message-list li.model.completed').last().textContent()).toBe(
        echo(prompt),
      );
    }
    await messageBox(page).fill('Six');
    await messageBox(page).press('Enter');
    const alert = page.getByRole('alert').filter({ hasText: 'prompts' });
    await eventually(() => alert.textContent()).toMatch(
      /^You have used all 5 prompts for today. More at .* \(in \d.*\)\. Upgrade to Pro/,
    );
    await eventually(() => usage(page).textContent()).toMatch(/^0 of 5 prompts left today/);
    expect(await messageBox(page).inputValue()).toBe('Six');
    await screenshot(page, 'quota');
    await expectAccessible(page);

    // Upgrade through the offline checkout, come back, and send again as Pro.
    await button(page, 'Upgrade to Pro').click();
    await page.waitForURL(/\/checkout\/local\/cs_local_/);
    await button(page, 'Complete test payment').click();
    await page.getByRole('link', { name: 'Back to the chat' }).click();
    await page.waitForURL(/\/app\?checkout=success/);
    await eventually(() => page.locator('#app-notice').textContent()).toMatch(/on Pro now/);
    await eventually(() => usage(page).textContent()).toMatch(/^Pro: 495 of 500 prompts left today/);
    expect(await button(page, 'Manage billing').isVisible()).toBe(true);
    expect(await button(page, 'Upgrade to Pro').isHidden()).toBe(true);
    await messageBox(page).fill('Six, as Pro');
    await messageBox(page).press('Enter');
    await eventually(() => page.locator('#message-list li.model.completed').last().textContent()).toBe(
      echo('Six, as Pro'),
    );
    await eventually(() => usage(page).textContent()).toMatch(/^Pro: 494 of 500/);
    await screenshot(page, 'pro');

    expect(failures).toEqual([
      '404 POST /auth/send-otp',
      expect.stringMatching(/^429 POST \/chatroom\/[0-9a-f-]{36}\/message$/),
    ]);
    expect(refused).toEqual([]);
    expect(problems).toEqual([]);
  });
});
