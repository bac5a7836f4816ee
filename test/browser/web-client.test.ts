import { dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DONE_FRAME,
  UI_MESSAGE_STREAM_HEADERS,
  UiMessageStreamWriter,
} from '#adapters/http/ui-message-stream.ts';
import { seriousViolations } from '#test/support/axe.ts';
import { type Browser, chromiumAvailable, launchChromium, onlyReach } from '#test/support/browser.ts';
import { call, freePort, ServiceProcess } from '#test/support/server-process.ts';

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
    await button(page, 'Manage billing').click();
    await page.waitForURL(/\/checkout\/local\/portal\/cus_local_/);
    expect(await button(page, 'Cancel subscription').isVisible()).toBe(true);

    expect(failures).toEqual([
      '404 POST /auth/send-otp',
      expect.stringMatching(/^429 POST \/chatroom\/[0-9a-f-]{36}\/message$/),
    ]);
    expect(refused).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('sets, uses, changes and recovers a password, and explains a revoked or expired session', async () => {
    const failures: string[] = [];
    const page = await newPage(failures);
    await page.goto(`${base}/app`);
    const mobile = page.getByRole('textbox', { name: 'Mobile number', exact: true });
    const password = page.getByRole('textbox', { name: 'Password', exact: true });
    const notice = page.locator('#auth-notice');
    const signedIn = () => eventually(() => usage(page).textContent()).toMatch(/prompts left today/);
    async function savePassword(newPassword: string, current?: string): Promise<void> {
      const dialog = page.getByRole('dialog');
      if (current !== undefined) await dialog.getByLabel('Current password').fill(current);
      await dialog.getByLabel('New password').fill(newPassword);
      await dialog.getByRole('button', { name: 'Save password' }).click();
      await eventually(() => page.locator('#app-notice').textContent()).toBe('Your password is saved.');
      expect(await dialog.isHidden()).toBe(true);
    }
    const session = () => page.evaluate(() => globalThis.localStorage.getItem('chat.session')!);

    await mobile.fill('+44 7700 900123');
    await button(page, 'Create an account').click();
    await eventually(() => notice.textContent()).toMatch(/^Your account is created\. Offline mode/);
    await button(page, 'Verify').click();
    await signedIn();

    await button(page, 'Set password').click();
    expect(await page.getByRole('dialog').getByLabel('Current password').isHidden()).toBe(true);
    await expectAccessible(page);
    await savePassword('first password');
    await button(page, 'Sign out').click();
    await eventually(() => notice.textContent()).toBe('You are signed out.');

    await mobile.fill('+447700900123');
    await button(page, 'Use a password').click();
    await password.fill('first password');
    await button(page, 'Sign in').click();
    await signedIn();
    const before = await session();
    await button(page, 'Change password').click();
    await savePassword('second password', 'first password');

    // The change revoked every token issued before it: one left in the browser sends the user back to sign in.
    await page.evaluate((old) => globalThis.localStorage.setItem('chat.session', old), before);
    await page.reload();
    await eventually(() => notice.textContent()).toMatch(/no longer valid/);
    await screenshot(page, 'session-revoked');

    await mobile.fill('+447700900123');
    await button(page, 'Use a password').click();
    await button(page, 'Forgot password?').click();
    await eventually(() => page.getByRole('textbox', { name: 'Code', exact: true }).inputValue()).toMatch(
      /^\d{6}$/,
    );
    await button(page, 'Verify').click();
    await eventually(() => page.getByRole('dialog').getByRole('heading').textContent()).toBe(
      'Choose a new password',
    );
    expect(await page.getByRole('dialog').getByLabel('Current password').isHidden()).toBe(true);
    await savePassword('third password');

    await page.evaluate(() => {
      const stored = JSON.parse(globalThis.localStorage.getItem('chat.session')!);
      globalThis.localStorage.setItem(
        'chat.session',
        JSON.stringify({ ...stored, token: 'x', expiresAt: 0 }),
      );
    });
    await page.reload();
    await eventually(() => notice.textContent()).toMatch(/session has expired/);
    await mobile.fill('+447700900123');
    await button(page, 'Use a password').click();
    await password.fill('third password');
    await page.keyboard.press('Enter');
    await signedIn();

    // The page asks for the account and the chat list together: their 401s may arrive in either order.
    expect([...failures].sort()).toEqual([
      '401 GET /chatroom',
      '401 GET /chatroom',
      '401 GET /user/me',
      '401 GET /user/me',
    ]);
    expect(problems).toEqual([]);
  });

  it('lists chats newest first, pages back through a long history, renames and deletes, and shows a failed reply', async () => {
    const page = await newPage();
    await signUp(page, '+1 415 555 0100');
    await button(page, 'Verify').click();
    await eventually(() => usage(page).textContent()).toMatch(/prompts left today/);
    // Through the API, as Pro: a chat of 60 messages, then a newer, empty one.
    const { token } = JSON.parse(await page.evaluate(() => globalThis.localStorage.getItem('chat.session')!));
    const { sessionId } = (await call(base, 'POST', '/subscribe/pro', { token })).body;
    await fetch(`${base}/checkout/local/${sessionId}/complete`, { method: 'POST' });
    const long = (await call(base, 'POST', '/chatroom', { token, body: { title: 'Long history' } })).body;
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(base, 'POST', `/chatroom/${long.id}/message`, { token, body: { content: `Prompt ${i}` } }),
      ),
    );
    await call(base, 'POST', '/chatroom', { token, body: { title: 'Newest' } });
    await page.reload();
    await eventually(() => page.locator('#room-list li').allTextContents()).toEqual([
      'Newest',
      'Long history',
    ]);

    await page.getByRole('button', { name: 'Long history' }).click();
    const items = page.locator('#message-list li');
    await eventually(() => items.count()).toBe(50);
    expect(await button(page, 'Load older messages').isVisible()).toBe(true);
    await page.locator('#messages').evaluate((box) => {
      box.scrollTop = 0;
    });
    await eventually(() => items.count()).toBe(60);
    expect(await button(page, 'Load older messages').isHidden()).toBe(true);

    await button(page, 'Rename').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Title' }).fill('Renamed');
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await eventually(() => page.locator('#room-list li').allTextContents()).toEqual(['Newest', 'Renamed']);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Renamed');

    await button(page, 'Delete').click();
    expect(await dialog.getByRole('heading').textContent()).toBe('Delete this chat?');
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('#room-list li').count()).toBe(2);
    await button(page, 'Delete').click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await eventually(() => page.locator('#room-list li').allTextContents()).toEqual(['Newest']);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('New chat');

    // A reply that fails for good (the offline model never fails: the answer is the server's own writer's).
    await page.route('**/chatroom/*/message', (route) => route.fulfill(failedReplyStream()), { times: 1 });
    await page.getByRole('button', { name: 'Newest' }).click();
    await messageBox(page).fill('Will fail');
    await messageBox(page).press('Enter');
    const failed = page.locator('#message-list li.model.failed');
    await eventually(() => failed.locator('.state').textContent()).toBe(
      'Failed: The model is unavailable. This prompt was given back to your daily quota.',
    );
    expect(problems).toEqual([]);
  });

  it('works on a phone-sized screen with the keyboard alone', async () => {
    const page = await newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.keyboard.type('+61 412 345 678');
    await page.keyboard.press('Enter');
    await eventually(() => page.getByRole('textbox', { name: 'Code', exact: true }).inputValue()).toMatch(
      /^\d{6}$/,
    );
    await page.keyboard.press('Enter');
    await eventually(() => usage(page).textContent()).toMatch(/^5 of 5 prompts left/);
    await eventually(() => page.evaluate(() => (globalThis as any).document.activeElement.id)).toBe(
      'message',
    );
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    await page.keyboard.press('Enter');
    await eventually(() => replies(page).first().getAttribute('class')).toContain('completed');
    expect(await page.locator('#message-list li.user .text').textContent()).toBe('line one\nline two');
    expect(await page.locator('#rooms').isHidden()).toBe(true);
    await screenshot(page, 'phone-chat');
    await expectAccessible(page);

    await button(page, 'Chats').focus();
    await page.keyboard.press('Enter');
    expect(await page.getByRole('button', { name: 'line one' }).isVisible()).toBe(true);
    expect(await button(page, 'Chats').getAttribute('aria-expanded')).toBe('true');
    await screenshot(page, 'phone-chats');
    await expectAccessible(page);
    expect(problems).toEqual([]);
  });
});

/** A streamed answer whose reply failed for good, written by the service's own UI message stream writer. */
function failedReplyStream() {
  const writer = new UiMessageStreamWriter({ replyId: 'r', usage: null });
  const body =
    writer.open('r') +
    writer.write({ id: '1-0', event: { type: 'attempt' } }) +
    writer.write({ id: '1-1', event: { type: 'error', error: 'The model is unavailable' } }) +
    DONE_FRAME;
  return { status: 200, headers: { ...UI_MESSAGE_STREAM_HEADERS }, body };
}
