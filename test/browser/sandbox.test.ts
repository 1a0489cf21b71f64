import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The sandbox in a real browser: `npm run sandbox` as a person runs it, driven headless through Debian's Chromium.
 * Screenshots go to test-results/sandbox/. Without Chromium these tests are skipped locally (and fail in CI, where
 * `.ci/run` installs it).
 */
const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results', 'sandbox');
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p !== undefined && p !== '' && existsSync(p));
if (CHROMIUM === undefined && process.env.CI) throw new Error('Chromium is required in CI: install Debian’s chromium (`.ci/run` does)');
if (CHROMIUM === undefined) console.warn('browser tests skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH)');

describe.skipIf(CHROMIUM === undefined)('the sandbox in a browser', () => {
  let sandbox: ChildProcess;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Its own process group, so stopping it stops npm and the node process under it.
    sandbox = spawn('npm', ['run', 'sandbox'], { cwd: ROOT, env: { ...process.env, SANDBOX_PORT: '0' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`the sandbox did not start: ${output}`)), 30_000);
      const onData = (d: Buffer) => {
        output += d.toString();
        const found = /fin-slack sandbox: (http:\/\/\S+)/.exec(output);
        if (found?.[1] !== undefined) {
          clearTimeout(timer);
          resolveUrl(found[1]);
        }
      };
      sandbox.stdout?.on('data', onData);
      sandbox.stderr?.on('data', onData);
      sandbox.once('exit', (code) => reject(new Error(`the sandbox exited (${code}): ${output}`)));
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (sandbox?.pid !== undefined && sandbox.exitCode === null) {
      const exited = new Promise((r) => sandbox.once('exit', r));
      process.kill(-sandbox.pid, 'SIGTERM');
      await exited;
    }
  });

  async function open(user: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}/?user=${user}`);
    await page.locator('#channels button').first().waitFor();
    return page;
  }

  async function ask(page: Page, channel: string, text: string): Promise<void> {
    await page.click(`[data-channel-id="${channel}"]`);
    await page.fill('#composer-input', text);
    await page.press('#composer-input', 'Enter');
    await page.locator('#thread:not([hidden])').waitFor();
  }

  /** Everything the app's messages in the open thread showed, in order (a streaming edit is one snapshot). */
  async function recordThread(page: Page): Promise<void> {
    // Runs in the page (a string, so the test's own types need no DOM).
    await page.evaluate(`(() => {
      const seen = (window.seen = []);
      const record = () => {
        for (const body of document.querySelectorAll('#thread-messages .message.from-app .body')) {
          if (seen.at(-1) !== body.innerHTML) seen.push(body.innerHTML);
        }
      };
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
  }

  it('answers a question in a DM: placeholder, streamed text, then the formatted answer', async () => {
    const page = await open('UALICE');
    await page.click('[data-channel-id="DALICE"]');
    await recordThread(page);
    await ask(page, 'DALICE', 'How do I reset my password?');
    const answer = page.locator('#thread-messages .message.from-app .body').last();
    await answer.locator('b', { hasText: 'Forgot password?' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, '1-answer.png') });

    const seen = (await page.evaluate('window.seen')) as string[];
    expect(seen.some((html) => html.includes('Fin is thinking'))).toBe(true);
    expect(seen.some((html) => html.includes('✍️') && !html.includes('<b>'))).toBe(true);
    const final = await answer.innerHTML();
    expect(final).toContain('<a href="https://app.example.com/login"');
    expect(final).toContain('<i>one hour</i>');
    expect(final).toContain('&amp; then');
    expect(final).not.toContain('✍️');
    await page.close();
  });

  it('hands a conversation to people: the escalation shows in the agents’ channel with its button', async () => {
    const customer = await open('UCARLOS');
    await ask(customer, 'CSUPPORT', '@Fin I need a human, please');
    await customer.locator('#thread-messages', { hasText: 'passed this conversation to our support team' }).waitFor({ timeout: 20_000 });
    await customer.screenshot({ path: join(SHOTS, '2-escalated-customer.png') });

    const agent = await open('UDANA');
    await agent.click('[data-channel-id="CAGENTS"]');
    const post = agent.locator('#messages .message.from-app', { hasText: 'Fin handed a conversation to the team' }).last();
    await post.waitFor({ timeout: 10_000 });
    await expect(post.innerText()).resolves.toContain('The customer asked to talk to a person');
    expect(await post.locator('.bk-button').count()).toBeGreaterThan(0);
    await expect(post.locator('a', { hasText: 'Open the Slack thread' }).count()).resolves.toBe(1);
    await agent.screenshot({ path: join(SHOTS, '3-escalation-agents.png') });
    await Promise.all([customer.close(), agent.close()]);
  });

  it('runs a procedure’s human step: the agent fills the form (a wrong value first) and Fin tells the customer', async () => {
    const customer = await open('UALICE');
    await ask(customer, 'CSUPPORT', '@Fin I want a refund for my order');
    await customer.locator('#thread-messages', { hasText: 'refund request' }).waitFor({ timeout: 20_000 });

    const agent = await open('UDANA');
    await agent.click('[data-channel-id="CAGENTS"]');
    const post = agent.locator('#messages .message.from-app', { hasText: 'procedure needs' }).last();
    await post.waitFor({ timeout: 10_000 });
    await post.locator('.bk-button').first().click();
    const modal = agent.locator('#modal:not([hidden])');
    await modal.waitFor({ timeout: 10_000 });
    await modal.locator('[data-block-id="attr_0"] input[value="true"]').check();
    await modal.locator('[data-block-id="attr_1"] select').selectOption('damaged');
    await modal.locator('[data-block-id="attr_2"] input').fill('twelve');
    await modal.locator('[data-block-id="attr_3"] input').fill('2');
    await modal.locator('[data-block-id="attr_4"] input, [data-block-id="attr_4"] textarea').fill('Sorry about the damage!');
    await modal.locator('[data-block-id="attr_5"] input').fill('2026-12-24');
    await modal.locator('[data-block-id="attr_6"] input').fill('2026-12-24T10:30');
    await modal.locator('#modal-submit').click();
    const error = modal.locator('[data-error-for="attr_2"]');
    await expect.poll(() => error.innerText(), { timeout: 10_000 }).not.toBe('');
    await agent.screenshot({ path: join(SHOTS, '4-form-error.png') });

    await modal.locator('[data-block-id="attr_2"] input').fill('12.50');
    await modal.locator('#modal-submit').click();
    await expect.poll(async () => (await agent.locator('#modal').getAttribute('hidden')) !== null || (await agent.locator('#modal-title').innerText()) !== 'Fin needs input', { timeout: 10_000 }).toBe(true);
    await agent.screenshot({ path: join(SHOTS, '5-form-sent.png') });

    const outcome = customer.locator('#thread-messages .message.from-app', { hasText: 'your refund was approved' });
    await outcome.waitFor({ timeout: 20_000 });
    const html = await outcome.innerHTML();
    expect(html).toContain('Arrived damaged');
    expect(html).toContain('12.5');
    await customer.screenshot({ path: join(SHOTS, '6-refund-approved.png') });
    await Promise.all([customer.close(), agent.close()]);
  });

  it('shows the error path when Fin fails: the placeholder turns into a clear message', async () => {
    const page = await open('UCARLOS');
    await page.selectOption('#fin-mode', 'failing');
    try {
      await ask(page, 'DCARLOS', 'Where is my order?');
      const reply = page.locator('#thread-messages .message.from-app .body').last();
      await expect.poll(() => reply.innerText(), { timeout: 20_000 }).toContain('Fin ran into a problem');
      await page.screenshot({ path: join(SHOTS, '7-fin-failing.png') });
    } finally {
      await page.selectOption('#fin-mode', 'normal');
      await page.close();
    }
  });
});
