import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../../sandbox/sandbox.ts';

/**
 * The sandbox in a real browser: `npm run sandbox` as a person runs it, driven headless through Debian's Chromium.
 * Screenshots go to test-results/sandbox/. Without Chromium these tests are skipped locally (and fail in CI, where
 * `.ci/run` installs it).
 */
const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-results', 'sandbox');
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p) => p !== undefined && p !== '' && existsSync(p),
);
if (CHROMIUM === undefined && process.env.CI) throw new Error('Chromium is required in CI: install Debian’s chromium (`.ci/run` does)');
if (CHROMIUM === undefined) console.warn('browser tests skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH)');

describe.skipIf(CHROMIUM === undefined)('the sandbox in a browser', () => {
  let sandbox: ChildProcess;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Its own process group, so stopping it stops npm and the node process under it.
    sandbox = spawn('npm', ['run', 'sandbox'], {
      cwd: ROOT,
      env: { ...process.env, SANDBOX_PORT: '0' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
    browser = await chromium.launch({ ...(CHROMIUM !== undefined ? { executablePath: CHROMIUM } : {}), args: ['--no-sandbox'] });
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
    // Fin's own hand-off reply gets the app's mark (a reaction), not a second notice.
    await customer
      .locator('#thread-messages .message.from-app', { hasText: 'passing you to our support team' })
      .locator('.reaction[data-reaction="raising_hand"]', { hasText: '🙋' })
      .waitFor({ timeout: 20_000 });
    await customer.screenshot({ path: join(SHOTS, '2-escalated-customer.png') });

    const agent = await open('UDANA');
    await agent.click('[data-channel-id="CAGENTS"]');
    const post = agent.locator('#messages .message.from-app', { hasText: 'Fin handed a conversation to the team' }).last();
    await post.waitFor({ timeout: 10_000 });
    await expect(post.innerText()).resolves.toContain('The customer asked to talk to a person');
    expect(await post.locator('.bk-button').count()).toBeGreaterThan(0);
    await expect(post.locator('a', { hasText: 'Open the Slack thread' }).count()).resolves.toBe(1);
    // The customer is a mention, the time a date in the reader's own time zone (never an ISO string).
    await expect(post.locator('.mention', { hasText: '@' }).first().innerText()).resolves.toMatch(/^@carlos/i);
    const when = await post.locator('time.date').first().innerText();
    expect(when).toMatch(/^(today|yesterday|[a-z]+ \d+)/i);
    expect(await post.innerText()).not.toMatch(/\d{4}-\d\d-\d\dT/);
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
    // The form says whose conversation it is, and links the thread.
    const context = await modal.innerText();
    expect(context).toContain('Conversation: with @Alice Martin in #support');
    await expect(modal.locator('a', { hasText: 'Open the Slack thread' }).count()).resolves.toBe(1);
    await agent.screenshot({ path: join(SHOTS, '4a-form-context.png') });
    await modal.locator('[data-block-id="attr_0"] input[value="true"]').check();
    await modal.locator('[data-block-id="attr_1"] select').selectOption('damaged');
    await modal.locator('[data-block-id="attr_2"] input').fill('twelve');
    await modal.locator('[data-block-id="attr_3"] input').fill('2');
    await modal.locator('[data-block-id="attr_4"] input, [data-block-id="attr_4"] textarea').fill('Sorry about the broken *item* _thanks_');
    await modal.locator('[data-block-id="attr_5"] input').fill('2026-12-24');
    await modal.locator('[data-block-id="attr_6"] input').fill('2026-12-24T10:30');
    await modal.locator('#modal-submit').click();
    const error = modal.locator('[data-error-for="attr_2"]');
    await expect.poll(() => error.innerText(), { timeout: 10_000 }).not.toBe('');
    await agent.screenshot({ path: join(SHOTS, '4-form-error.png') });

    await modal.locator('[data-block-id="attr_2"] input').fill('12.50');
    await modal.locator('#modal-submit').click();
    await expect
      .poll(
        async () =>
          (await agent.locator('#modal').getAttribute('hidden')) !== null ||
          (await agent.locator('#modal-title').innerText()) !== 'Fin needs input',
        { timeout: 10_000 },
      )
      .toBe(true);
    await agent.screenshot({ path: join(SHOTS, '5-form-sent.png') });
    // The agents' post lists the values as written: no formatting from the note, no doubled "?:", a moment as a date.
    const submitted = post.locator('.bk-rich-text', { hasText: 'Submitted by' });
    await submitted.waitFor({ timeout: 10_000 });
    const values = await submitted.innerText();
    expect(values).toContain('Approve the refund? Yes');
    expect(values).toContain('Sorry about the broken *item* _thanks_');
    expect(await submitted.locator('b, i, s', { hasText: /item|thanks/ }).count()).toBe(0);
    expect(await submitted.locator('time.date').count()).toBe(1);
    await agent.screenshot({ path: join(SHOTS, '5a-values-submitted.png') });

    const outcome = customer.locator('#thread-messages .message.from-app', { hasText: 'your refund was approved' });
    await outcome.waitFor({ timeout: 20_000 });
    const html = await outcome.innerHTML();
    expect(html).toContain('Arrived damaged');
    expect(html).toContain('12.5');
    // Fin repeats the agent's note to the customer: its asterisks and underscores stay characters, not formatting.
    expect(await outcome.innerText()).toMatch(/Sorry about the broken .item. .thanks./);
    expect(html).not.toContain('<b>item</b>');
    expect(html).not.toContain('<i>thanks</i>');
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

  /** Closes a modal an earlier test left open for this person (the workspace outlives each test's pages). */
  async function closeModal(page: Page): Promise<void> {
    await page.waitForTimeout(300);
    if (await page.locator('#modal:not([hidden])').count()) {
      await page.click('#modal-close');
      await page.locator('#modal').waitFor({ state: 'hidden' });
    }
  }

  /** Sends a message in the channel (not in a thread), as typed in its composer. */
  async function type(page: Page, channel: string, text: string): Promise<void> {
    await page.click(`[data-channel-id="${channel}"]`);
    await page.fill('#composer-input', text);
    await page.press('#composer-input', 'Enter');
  }

  it('asks before handing a thread back to Fin: Cancel sends nothing, "Hand back" does', async () => {
    const customer = await open('UCARLOS');
    await ask(customer, 'CSUPPORT', '@Fin I need a human about my invoice');
    await customer.locator('#thread-messages .reaction[data-reaction="raising_hand"]').waitFor({ timeout: 20_000 });

    const agent = await open('UDANA');
    await closeModal(agent);
    const presses: string[] = [];
    agent.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/press') presses.push(r.postData() ?? '');
    });
    await agent.click('[data-channel-id="CAGENTS"]');
    const post = agent.locator('#messages .message.from-app', { hasText: 'about my invoice' }).last();
    await post.waitFor({ timeout: 10_000 });
    const button = post.locator('.bk-button', { hasText: 'Hand back to Fin' });
    const dialog = agent.locator('#confirm:not([hidden])');

    await button.click();
    await dialog.waitFor();
    await expect(dialog.locator('#confirm-title').innerText()).resolves.toBe('Hand back to Fin?');
    await expect(dialog.locator('#confirm-text').innerText()).resolves.toBe("Fin will answer the customer's next message in the thread.");
    await expect(dialog.locator('#confirm-ok').innerText()).resolves.toBe('Hand back');
    await agent.screenshot({ path: join(SHOTS, '8-confirm-hand-back.png') });
    await dialog.locator('#confirm-deny', { hasText: 'Cancel' }).click();
    await agent.locator('#confirm').waitFor({ state: 'hidden' });
    await agent.waitForTimeout(500);
    expect(presses).toEqual([]);
    expect(await button.count()).toBe(1);

    await button.click();
    await dialog.locator('#confirm-ok').click();
    await post.locator('.body', { hasText: 'Handed back to Fin by' }).waitFor({ timeout: 10_000 });
    expect(presses).toHaveLength(1);
    expect(await post.innerText()).toContain('↩️ Handed back to Fin by');
    expect(await button.count()).toBe(0);
    await agent.screenshot({ path: join(SHOTS, '9-handed-back.png') });
    await Promise.all([customer.close(), agent.close()]);
  }, 40_000);

  it('shows emoji shortcodes as emoji, except in code; an unknown name stays as typed', async () => {
    const page = await open('UALICE');
    await type(page, 'CSUPPORT', 'We did it :tada: :wave::skin-tone-3: `:tada:` :no_such_emoji:');
    const body = page.locator('#messages .message', { hasText: 'We did it' }).last().locator('.body');
    await body.waitFor();
    const html = await body.innerHTML();
    expect(html).toContain('We did it 🎉 👋🏼 <code>:tada:</code> :no_such_emoji:');
    await page.screenshot({ path: join(SHOTS, '10-emoji.png') });
    await page.close();
  });

  it('answers an unknown slash command as Slack does, privately', async () => {
    const page = await open('UALICE');
    await type(page, 'CSUPPORT', '/foo bar');
    const answer = page.locator('#messages .message.ephemeral').last();
    await expect.poll(() => answer.innerText(), { timeout: 10_000 }).toContain('/foo is not a valid command.');
    expect(await answer.innerText()).toContain('Only visible to you');
    expect(await answer.innerText()).toContain('In Slack, all messages that start with the “/” character are interpreted as commands.');
    await page.screenshot({ path: join(SHOTS, '11-unknown-command.png') });
    // Nobody else sees it, and nothing was posted.
    const other = await open('UCARLOS');
    await other.click('[data-channel-id="CSUPPORT"]');
    await other.waitForTimeout(300);
    expect(await other.locator('#messages').innerText()).not.toContain('/foo');
    await Promise.all([page.close(), other.close()]);
  });

  it('answers /fin-procedure naming no procedure the person can run privately, with the ones they can', async () => {
    const page = await open('UALICE');
    await type(page, 'CSUPPORT', '/fin-procedure cancel my plan');
    const answer = page.locator('#messages .message.ephemeral').last();
    await expect.poll(() => answer.innerText(), { timeout: 10_000 }).toContain('No procedure you can run is called “cancel my plan”');
    expect(await answer.innerText()).toContain('Procedures you can run: “Refund an order”');
    await expect(page.locator('#procedure-help').innerText()).resolves.toContain('/fin-procedure');
    await page.screenshot({ path: join(SHOTS, '12-unknown-procedure.png') });
    await page.close();
  });

  it('opens the procedure picker for /fin-procedure alone, and runs the procedure chosen in a new thread', async () => {
    const page = await open('UALICE');
    await type(page, 'CSUPPORT', '/fin-procedure');
    const modal = page.locator('#modal:not([hidden])');
    await modal.waitFor({ timeout: 10_000 });
    await expect
      .poll(() => modal.locator('[data-block-id="procedure"] select option').allInnerTexts(), { timeout: 10_000 })
      .toContain('Refund an order');
    await page.screenshot({ path: join(SHOTS, '30-procedure-picker.png') });
    await modal.locator('[data-block-id="procedure"] select').selectOption({ label: 'Refund an order' });
    await modal.locator('[data-block-id="message"] textarea, [data-block-id="message"] input').fill('order 987 arrived broken');
    await modal.locator('#modal-submit').click();
    await page.locator('#modal').waitFor({ state: 'hidden', timeout: 10_000 });
    const root = page.locator('#messages .message.from-app', { hasText: 'order 987 arrived broken' }).last();
    await root.waitFor({ timeout: 10_000 });
    await root.locator('[data-open-thread]').click();
    await page.locator('#thread-messages', { hasText: 'refund request' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, '31-procedure-picked.png') });
    await page.close();
  });

  it('collapses a long message behind “Show more”, and opens it again', async () => {
    const page = await open('UCARLOS');
    const long = Array.from({ length: 40 }, (_, i) => `Line ${i + 1} of a long message`).join('\n');
    await type(page, 'DCARLOS', long);
    const message = page.locator('#messages .message', { hasText: 'Line 1 of a long message' }).last();
    await message.waitFor();
    const toggle = message.locator('.show-more');
    await expect(toggle.innerText()).resolves.toBe('Show more');
    const collapsed = await message
      .locator('.body')
      .evaluate((b) => ({ cls: b.className, h: b.getBoundingClientRect().height, full: b.scrollHeight }));
    expect(collapsed.cls).toContain('collapsed');
    expect(collapsed.h).toBeLessThan(collapsed.full / 2);
    await page.screenshot({ path: join(SHOTS, '13-long-collapsed.png') });
    const scrolled = () => page.locator('#messages').evaluate((l) => l.scrollTop);
    const before = await scrolled();
    await toggle.click();
    await expect.poll(() => message.locator('.show-more').innerText()).toBe('Show less');
    // Opening it moves nothing: the reader goes on reading from where they were.
    expect(await scrolled()).toBe(before);
    const opened = await message
      .locator('.body')
      .evaluate((b) => ({ cls: b.className, h: b.getBoundingClientRect().height, full: b.scrollHeight }));
    expect(opened.cls).not.toContain('collapsed');
    expect(opened.h).toBe(opened.full);
    await page.screenshot({ path: join(SHOTS, '14-long-expanded.png') });
    await page.close();
  });

  it('follows new messages at the bottom of a channel, and leaves a reader who scrolled up where they are', async () => {
    const reader = await open('UDANA');
    await closeModal(reader);
    const writer = await open('UCARLOS');
    await reader.click('[data-channel-id="CSUPPORT"]');
    const list = reader.locator('#messages');
    const gap = () => list.evaluate((l) => l.scrollHeight - l.scrollTop - l.clientHeight);
    // Enough earlier messages to scroll, sent the way the page sends them (quicker than typing each).
    await writer.evaluate(`(async () => {
      for (let i = 0; i < 12; i++) {
        await fetch('/api/say', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'UCARLOS', channel: 'CSUPPORT', text: 'Filler message ' + i + '\\nsecond line\\nthird line' }) });
      }
    })()`);
    await reader.locator('#messages .message', { hasText: 'Filler message 11' }).waitFor();
    await expect.poll(gap).toBeLessThan(2);
    expect(await list.evaluate((l) => l.scrollHeight > l.clientHeight)).toBe(true);

    await list.evaluate((l) => {
      l.scrollTop = 0;
    });
    await type(writer, 'CSUPPORT', 'One more while the reader reads older ones');
    await reader.locator('#messages .message', { hasText: 'One more while' }).waitFor();
    await reader.waitForTimeout(300);
    expect(await list.evaluate((l) => l.scrollTop)).toBe(0);

    await list.evaluate((l) => {
      l.scrollTop = l.scrollHeight;
    });
    await type(writer, 'CSUPPORT', 'And the newest one');
    await reader.locator('#messages .message', { hasText: 'And the newest one' }).waitFor();
    await expect.poll(gap).toBeLessThan(2);
    await reader.screenshot({ path: join(SHOTS, '15-follows-new-messages.png') });
    await Promise.all([reader.close(), writer.close()]);
  }, 40_000);

  it('asks for a rating once the question is solved: a rating, a change of mind, then a comment that makes it final', async () => {
    const page = await open('UALICE');
    await ask(page, 'DALICE', 'How do I reset my password?');
    const thread = page.locator('#thread-messages');
    await thread.locator('.message.from-app b', { hasText: 'Forgot password?' }).waitFor({ timeout: 20_000 });
    await page.fill('#thread-input', 'Thanks, that solved it!');
    await page.press('#thread-input', 'Enter');

    // Fin resolves the conversation, then asks for a rating: its five options, only for the person who asked.
    const asked = thread.locator('.message.from-app', { hasText: 'How would you rate this conversation?' });
    await asked.waitFor({ timeout: 20_000 });
    // The prompt is one message, edited as the rating changes: followed by its timestamp, not its words.
    const prompt = thread.locator(`.message[data-ts="${await asked.getAttribute('data-ts')}"]`);
    expect(await prompt.locator('.bk-button').allInnerTexts()).toEqual(['😡 Terrible', '🙁 Bad', '😐 OK', '😃 Great', '🤩 Amazing']);
    expect(await prompt.innerText()).toContain('💬 How would you rate this conversation?');
    expect(await prompt.locator('.bk-context').innerText()).toBe('For @Alice Martin: only you can rate it.');
    // Fin's answer before it carries the app's marks: resolved (✅), then complete (🏁).
    const resolved = thread.locator('.message.from-app', { hasText: 'glad that solved it' });
    await resolved.locator('.reaction[data-reaction="checkered_flag"]').waitFor({ timeout: 10_000 });
    expect(await resolved.locator('.reaction').evaluateAll((r) => r.map((e) => e.getAttribute('data-reaction')))).toEqual([
      'white_check_mark',
      'checkered_flag',
    ]);
    // A click on the app's ✅ counts the reader in; a second click takes their reaction away again, as in Slack.
    const check = resolved.locator('.reaction[data-reaction="white_check_mark"]');
    await check.click();
    await resolved.locator('.reaction.mine[data-reaction="white_check_mark"]').waitFor({ timeout: 10_000 });
    expect(await check.getAttribute('title')).toBe('Fin and Alice Martin (you) reacted with :white_check_mark:');
    expect(await check.locator('.reaction-count').innerText()).toBe('2');
    await check.click();
    await resolved.locator('.reaction:not(.mine)[data-reaction="white_check_mark"]').waitFor({ timeout: 10_000 });
    expect(await check.locator('.reaction-count').innerText()).toBe('1');
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(SHOTS, '17-rating-asked.png') });

    await prompt.locator('.bk-button', { hasText: 'Great' }).click();
    await prompt.locator('.body b', { hasText: '😃 Great' }).waitFor({ timeout: 10_000 });
    expect(await prompt.locator('.body .bk-section').innerText()).toBe('💬 You rated this conversation 😃 Great. Thank you!');
    expect(await prompt.locator('.bk-button').allInnerTexts()).toEqual(['Add a comment']);
    const menu = prompt.locator('select.bk-select');
    expect(await menu.evaluate((s) => (s as unknown as { selectedOptions: { text: string }[] }).selectedOptions[0]?.text)).toBe(
      'Change rating',
    );
    expect(await menu.locator('option:not([value=""])').allInnerTexts()).toEqual([
      '😡 Terrible',
      '🙁 Bad',
      '😐 OK',
      '😃 Great',
      '🤩 Amazing',
    ]);
    await page.screenshot({ path: join(SHOTS, '18-rated.png') });

    // A change of mind, from the menu.
    await menu.selectOption({ label: '🤩 Amazing' });
    await prompt.locator('.body b', { hasText: '🤩 Amazing' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, '19-rating-changed.png') });

    await prompt.locator('.bk-button', { hasText: 'Add a comment' }).click();
    const modal = page.locator('#modal:not([hidden])');
    await modal.waitFor({ timeout: 10_000 });
    await expect(modal.locator('#modal-title').innerText()).resolves.toBe('Add a comment');
    expect(await modal.locator('#modal-body').innerText()).toContain('Your rating: 🤩 Amazing');
    const comment = modal.locator('[data-block-id="csat_comment"] textarea');
    expect(await comment.getAttribute('placeholder')).toBe('What went well, or what could be better?');
    // Nothing written: the app's own error, in the form.
    await modal.locator('#modal-submit', { hasText: 'Send' }).click();
    const error = modal.locator('[data-error-for="csat_comment"]');
    await expect.poll(() => error.innerText(), { timeout: 10_000 }).toBe('Please write a comment, or cancel.');
    await comment.fill('Quick and clear.\nThe reset link worked the first time.');
    // Writing takes the error away, as in Slack.
    await expect.poll(() => error.isVisible()).toBe(false);
    await page.screenshot({ path: join(SHOTS, '20-rating-comment.png') });
    await modal.locator('#modal-submit').click();
    await expect.poll(() => page.locator('#modal-title').innerText(), { timeout: 10_000 }).toBe('Thank you');
    expect(await page.locator('#modal-body').innerText()).toBe('Your comment was sent with your rating. Thank you!');
    await page.screenshot({ path: join(SHOTS, '21-rating-comment-sent.png') });
    await page.click('#modal-close');
    await page.locator('#modal').waitFor({ state: 'hidden' });

    // The comment makes the rating final: the prompt says so and offers nothing more.
    await prompt.locator('.bk-context', { hasText: 'Your rating is final now' }).waitFor({ timeout: 10_000 });
    expect(await prompt.locator('.body .bk-section').innerText()).toBe(
      '💬 You rated this conversation 🤩 Amazing and left a comment. Thank you!',
    );
    expect(await prompt.locator('.bk-button, select').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, '22-rating-final.png') });
    await page.close();
  }, 60_000);

  /** The agents' post for a conversation, once the hand-off reached #agents. */
  async function agentsPost(text: string): Promise<{ agent: Page; post: ReturnType<Page['locator']> }> {
    const agent = await open('UDANA');
    // A form an earlier test left open for the agent (the page has rendered the workspace once open() returns).
    if (await agent.locator('#modal:not([hidden])').count()) {
      await agent.click('#modal-close');
      await agent.locator('#modal').waitFor({ state: 'hidden' });
    }
    await agent.click('[data-channel-id="CAGENTS"]');
    const post = agent
      .locator('#messages .message.from-app', { hasText: 'Fin handed a conversation to the team' })
      .filter({ hasText: text });
    await post.waitFor({ timeout: 20_000 });
    return { agent, post };
  }

  it('passes the thread to a person when the customer reacts with :raising_hand: to a message', async () => {
    const customer = await open('UALICE');
    await ask(customer, 'CSUPPORT', '@Fin Where is my order #4417?');
    const answer = customer.locator('#thread-messages .message.from-app', { hasText: 'Orders ship within' });
    await answer.locator('b', { hasText: '2 business days' }).waitFor({ timeout: 20_000 });

    await answer.hover();
    await answer.locator('.msg-actions [data-react-to]').click();
    const picker = customer.locator('#popover:not([hidden]) .picker');
    await picker.waitFor();
    expect(await picker.locator('[data-pick]').evaluateAll((b) => b.map((e) => e.getAttribute('data-pick')))).toContain('raising_hand');
    await picker.locator('[data-pick="raising_hand"]').hover();
    await expect(picker.locator('.picker-preview').innerText()).resolves.toContain(':raising_hand:');
    await customer.screenshot({ path: join(SHOTS, '23-reaction-picker.png') });
    await picker.locator('[data-pick="raising_hand"]').click();
    await customer.locator('#popover').waitFor({ state: 'hidden' });

    // The reaction shows as the customer's own; the app hands the thread over and says so in it.
    const mine = answer.locator('.reaction.mine[data-reaction="raising_hand"]');
    await mine.waitFor({ timeout: 10_000 });
    expect(await mine.getAttribute('title')).toBe('Alice Martin (you) reacted with :raising_hand:');
    expect(await mine.locator('.reaction-count').innerText()).toBe('1');
    const notice = customer.locator('#thread-messages .message.from-app', { hasText: 'passed this conversation to our support team' });
    await notice.waitFor({ timeout: 20_000 });
    expect(await notice.locator('.body').innerText()).toBe(
      '🙋 I’ve passed this conversation to our support team. A person will follow up with you.',
    );
    await customer.mouse.move(0, 0);
    await customer.screenshot({ path: join(SHOTS, '24-reaction-escalated.png') });

    const { agent, post } = await agentsPost('Where is my order #4417?');
    expect(await post.innerText()).toContain('Escalation requested by user');
    await expect(post.locator('.mention').first().innerText()).resolves.toMatch(/^@alice/i);
    await agent.screenshot({ path: join(SHOTS, '25-reaction-agents.png') });
    await Promise.all([customer.close(), agent.close()]);
  }, 60_000);

  it('passes the thread to a person from a message’s “More actions” menu: the “Talk to a person” shortcut', async () => {
    const customer = await open('UCARLOS');
    await ask(customer, 'DCARLOS', 'What are your plans?');
    const thread = customer.locator('#thread-messages');
    // Fin's whole answer, formatted (while it streams it is plain text).
    await thread.locator('.message.from-app b', { hasText: 'upgrade at any time' }).waitFor({ timeout: 20_000 });

    // The shortcut works on any message of the thread: here the customer's own question.
    const question = thread.locator('.message:not(.from-app)', { hasText: 'What are your plans?' });
    await question.hover();
    await question.locator('.msg-actions [data-more-actions]').click();
    const menu = customer.locator('#popover:not([hidden]) .menu');
    await menu.waitFor();
    // The app's shortcuts (those its manifest declares), each with the app's name, as Slack lists message shortcuts.
    expect(await menu.locator('.menu-item .menu-label').allInnerTexts()).toContain('Talk to a person');
    expect(new Set(await menu.locator('.menu-item .menu-app').allInnerTexts())).toEqual(new Set(['Fin']));
    await menu.locator('.menu-item', { hasText: 'Talk to a person' }).hover();
    await customer.screenshot({ path: join(SHOTS, '26-shortcut-menu.png') });
    await menu.locator('.menu-item', { hasText: 'Talk to a person' }).click();
    await customer.locator('#popover').waitFor({ state: 'hidden' });

    const notice = thread.locator('.message.from-app', { hasText: 'passed this conversation to our support team' });
    await notice.waitFor({ timeout: 20_000 });
    await customer.mouse.move(0, 0);
    await customer.screenshot({ path: join(SHOTS, '27-shortcut-escalated.png') });

    // Asked again, the app answers privately that the team has it already.
    await question.hover();
    await question.locator('.msg-actions [data-more-actions]').click();
    await customer.locator('#popover:not([hidden]) .menu-item', { hasText: 'Talk to a person' }).click();
    const already = thread.locator('.message.ephemeral', { hasText: 'already with our support team' });
    await already.waitFor({ timeout: 10_000 });
    expect(await already.innerText()).toContain('Only visible to you');
    await customer.mouse.move(0, 0);
    await customer.screenshot({ path: join(SHOTS, '28-shortcut-already.png') });

    const { agent, post } = await agentsPost('What are your plans?');
    expect(await post.innerText()).toContain('Escalation requested by user');
    await expect(post.locator('.mention').first().innerText()).resolves.toMatch(/^@carlos/i);
    await agent.screenshot({ path: join(SHOTS, '29-shortcut-agents.png') });
    await Promise.all([customer.close(), agent.close()]);
  }, 60_000);

  it('serves a favicon', async () => {
    const res = await fetch(`${url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(await res.text()).toMatch(/^<svg /);
  });

  it('suggests prompts when the DM with Fin opens: a prompt asks Fin in a new thread, a procedure’s name runs it', async () => {
    const page = await open('UCARLOS');
    await page.click('[data-channel-id="DCARLOS"]');
    // Opening the DM is Slack's app_home_opened (tab messages): the app's prompts, then the person's procedures.
    const prompts = page.locator('#prompts:not([hidden])');
    await prompts.locator('.prompt', { hasText: 'Refund an order' }).waitFor({ timeout: 10_000 });
    expect(await prompts.locator('.prompts-title').innerText()).toBe('Try asking Fin');
    expect(await prompts.locator('.prompt').allInnerTexts()).toEqual(['Reset my password', 'What are your plans?', 'Refund an order']);
    await page.screenshot({ path: join(SHOTS, '32-suggested-prompts.png') });

    await prompts.locator('.prompt', { hasText: 'What are your plans?' }).click();
    const thread = page.locator('#thread:not([hidden]) #thread-messages');
    // The prompt's message is the person's own, and starts a thread Fin answers.
    await thread.locator('.message:not(.from-app)', { hasText: 'What are your plans?' }).first().waitFor({ timeout: 10_000 });
    await thread.locator('.message.from-app b', { hasText: 'upgrade at any time' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, '33-prompt-answered.png') });

    // A prompt whose message is a procedure's name runs that procedure.
    await prompts.locator('.prompt', { hasText: 'Refund an order' }).click();
    await thread.locator('.message:not(.from-app)', { hasText: 'Refund an order' }).first().waitFor({ timeout: 10_000 });
    await thread.locator('.message.from-app', { hasText: 'refund request' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, '34-prompt-procedure.png') });
    await page.close();
  });

  it('shows the Home tab: the admins’ words, the person’s procedures and conversations; Run starts the procedure in the DM', async () => {
    const page = await open('UALICE');
    await ask(page, 'DALICE', 'Where is my order?');
    await page.locator('#thread-messages .message.from-app', { hasText: 'your orders page' }).waitFor({ timeout: 20_000 });
    await page.click('[data-app-tab="home"]');
    const home = page.locator('#home:not([hidden]) [data-testid="home-view"]');
    await home.locator('.bk-header', { hasText: 'What Fin can do for you' }).waitFor({ timeout: 10_000 });
    await expect(home.locator('b', { hasText: 'Acme' }).count()).resolves.toBe(1);
    const procedure = home.locator('.bk-section', { hasText: 'Refund an order' });
    await expect(procedure.locator('.bk-button').innerText()).resolves.toBe('Run');
    // The conversation, where it stands, and a link that opens its thread here.
    const conversation = home.locator('.bk-context', { hasText: 'Where is my order?' }).first();
    await expect(conversation.innerText()).resolves.toMatch(/Answered · in your DM with Fin/);
    expect(await page.locator('#composer').isHidden()).toBe(true);
    await page.screenshot({ path: join(SHOTS, '35-home-tab.png') });

    const before = await page.locator('#messages .message.from-app').count();
    await procedure.locator('.bk-button').click();
    // The Run button is a block action from a view (no channel or message): the app starts a DM thread running it.
    await page.click('[data-app-tab="messages"]');
    const root = page.locator('#messages .message.from-app', { hasText: 'Refund an order' }).last();
    await expect.poll(() => page.locator('#messages .message.from-app').count(), { timeout: 10_000 }).toBeGreaterThan(before);
    await root.locator('[data-open-thread]').click();
    await page.locator('#thread-messages', { hasText: 'refund request' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, '36-home-run.png') });

    // Back in the Home tab, the conversation's link opens its thread in the DM.
    await page.click('[data-app-tab="home"]');
    await expect.poll(() => home.locator('.bk-context').count(), { timeout: 10_000 }).toBeGreaterThan(1);
    await page.screenshot({ path: join(SHOTS, '36a-home-after-run.png') });
    await home.locator('.bk-context a', { hasText: 'Where is my order?' }).first().click();
    await page.locator('#messages:not([hidden])').waitFor();
    await page.locator('#thread-messages .message', { hasText: 'Where is my order?' }).first().waitFor({ timeout: 5_000 });
    await page.close();
  });

  it('shows Slack’s thinking indicator under the thread while Fin works, and takes it away when text arrives', async () => {
    const page = await open('UCARLOS');
    await page.selectOption('#fin-mode', 'slow');
    try {
      await ask(page, 'DCARLOS', 'How do I reset my password?');
      const thinking = page.locator('#thinking:not([hidden])');
      await thinking.waitFor({ timeout: 10_000 });
      await expect(thinking.locator('.thinking-text').innerText()).resolves.toBe('Fin is thinking…');
      await expect(thinking.locator('.thinking-loading').innerText()).resolves.toMatch(/…$/);
      await page.locator('#messages [data-testid="thread-thinking"]').waitFor();
      await page.screenshot({ path: join(SHOTS, '37-thinking.png') });
      // Slack drops it once Fin's text arrives.
      await page.locator('#thinking').waitFor({ state: 'hidden', timeout: 20_000 });
      await expect(page.locator('#thread-messages .message.from-app .body').last().innerText()).resolves.not.toContain('Fin is thinking');
      expect(await page.locator('#messages [data-testid="thread-thinking"]').count()).toBe(0);
    } finally {
      await page.selectOption('#fin-mode', 'normal');
      await page.close();
    }
  });

  /** Chooses one of the app's shortcuts in a message's "More actions" menu. */
  async function useShortcut(page: Page, message: Locator, name: string): Promise<void> {
    await message.hover();
    await message.locator('.msg-actions [data-more-actions]').click();
    await page.locator('#popover:not([hidden]) .menu-item', { hasText: name }).click();
    await page.locator('#popover').waitFor({ state: 'hidden' });
  }

  /** Opens a person's page with no form an earlier test left open for them (the page has rendered once open() returns). */
  async function openWithoutForm(user: string): Promise<Page> {
    const page = await open(user);
    if (await page.locator('#modal:not([hidden])').count()) {
      await page.click('#modal-close');
      await page.locator('#modal').waitFor({ state: 'hidden' });
    }
    return page;
  }

  it('asks Fin about a channel message from its “More actions” menu: a form for the question, Fin answers in the message’s thread', async () => {
    // Carlos writes in #support without mentioning Fin: a message in no thread, which Fin leaves alone.
    const carlos = await open('UCARLOS');
    await type(carlos, 'CSUPPORT', 'We were charged $99 this month, I thought we were on the cheapest plan');
    const alice = await openWithoutForm('UALICE');
    await alice.click('[data-channel-id="CSUPPORT"]');
    const message = alice.locator('#messages .message', { hasText: 'I thought we were on the cheapest plan' }).last();
    await message.waitFor({ timeout: 10_000 });
    const replies = message.locator('[data-open-thread]');
    expect(await replies.innerText()).toBe('Reply in thread');
    // Alice reads it with its thread open (empty yet), so the question and Fin's answer show there as they come.
    await replies.click();
    await alice.locator('#thread:not([hidden])').waitFor();
    await recordThread(alice);

    await useShortcut(alice, message, 'Ask Fin about this');
    const modal = alice.locator('#modal:not([hidden])');
    await modal.waitFor({ timeout: 10_000 });
    expect(await modal.locator('#modal-title').innerText()).toBe('Ask Fin about this');
    const block = modal.locator('[data-block-id="question"]');
    expect(await block.locator('label').first().innerText()).toBe('Your question');
    const question = block.locator('textarea');
    expect(await question.getAttribute('placeholder')).toBe('What would you like to know about this message?');
    expect(await block.locator('.bk-hint').innerText()).toContain('answers in its thread');
    expect(await modal.locator('#modal-submit').innerText()).toBe('Ask');
    expect(await modal.locator('#modal-close').innerText()).toBe('Cancel');
    // Nothing written: the app's own error, in the form.
    await modal.locator('#modal-submit').click();
    await expect.poll(() => block.locator('.bk-error').innerText(), { timeout: 10_000 }).toBe('Please write your question.');
    await question.fill('Which plan costs $99 a month?');
    await expect.poll(() => block.locator('.bk-error').isVisible()).toBe(false);
    await alice.screenshot({ path: join(SHOTS, '38-ask-about-form.png') });
    await modal.locator('#modal-submit').click();
    await alice.locator('#modal').waitFor({ state: 'hidden', timeout: 10_000 });

    // In the message's thread: who asked Fin about which message, and what; then Fin's answer, streamed.
    const thread = alice.locator('#thread-messages');
    const asked = thread.locator('.message.from-app', { hasText: 'asked Fin about' });
    await asked.waitFor({ timeout: 10_000 });
    expect(await asked.locator('.body').innerText()).toContain('@Alice Martin asked Fin about this message:');
    expect(await asked.locator('blockquote').innerText()).toBe('Which plan costs $99 a month?');
    const answer = thread.locator('.message.from-app').last();
    await answer.locator('b', { hasText: 'upgrade at any time' }).waitFor({ timeout: 20_000 });
    expect(await answer.innerText()).toContain('Team | up to 20 | $99');
    const seen = (await alice.evaluate('window.seen')) as string[];
    expect(seen.some((html) => html.includes('Fin is thinking'))).toBe(true);
    expect(seen.some((html) => html.includes('✍️') && !html.includes('<b>'))).toBe(true);
    // The thread is the message's own: the channel shows it under the message, and nothing new in the channel itself.
    expect(await thread.locator('.message').first().innerText()).toContain('I thought we were on the cheapest plan');
    await expect.poll(() => replies.innerText()).toBe('2 replies');
    expect(await alice.locator('#messages .message.from-app', { hasText: 'asked Fin about' }).count()).toBe(0);
    await alice.mouse.move(0, 0);
    await alice.screenshot({ path: join(SHOTS, '39-ask-about-answered.png') });
    await Promise.all([carlos.close(), alice.close()]);
  }, 60_000);

  it('asks Fin about a reply inside a thread: the question and the answer go in that thread, and the question links the reply', async () => {
    const alice = await open('UALICE');
    await type(alice, 'CSUPPORT', 'Is anyone else locked out this morning?');
    const carlos = await openWithoutForm('UCARLOS');
    await carlos.click('[data-channel-id="CSUPPORT"]');
    await carlos.locator('#messages .message', { hasText: 'locked out this morning' }).last().locator('[data-open-thread]').click();
    await carlos.fill('#thread-input', 'Same here, and the reset email never arrived');
    await carlos.press('#thread-input', 'Enter');
    const thread = carlos.locator('#thread-messages');
    const reply = thread.locator('.message', { hasText: 'the reset email never arrived' });
    await reply.waitFor({ timeout: 10_000 });

    await useShortcut(carlos, reply, 'Ask Fin about this');
    const modal = carlos.locator('#modal:not([hidden])');
    await modal.waitFor({ timeout: 10_000 });
    await modal.locator('[data-block-id="question"] textarea').fill('How do I reset my password?');
    await modal.locator('#modal-submit').click();
    await carlos.locator('#modal').waitFor({ state: 'hidden', timeout: 10_000 });

    // One thread: Alice's message, Carlos's reply, the question about the reply, and Fin's answer, in that order.
    const answer = thread.locator('.message.from-app').last();
    await answer.locator('b', { hasText: 'Forgot password?' }).waitFor({ timeout: 20_000 });
    const texts = await thread.locator('.message .body').allInnerTexts();
    expect(texts).toHaveLength(4);
    expect(texts[0]).toContain('locked out this morning');
    expect(texts[1]).toContain('the reset email never arrived');
    expect(texts[2]).toContain('@Carlos Diaz asked Fin about this message:');
    expect(texts[3]).toContain('You can reset your password in a few steps.');
    await carlos.mouse.move(0, 0);
    await carlos.screenshot({ path: join(SHOTS, '40-ask-about-in-thread.png') });

    // "this message" is the reply's permalink (naming its thread, as Slack's do): it opens here, the reply highlighted.
    const link = thread.locator('.message.from-app a', { hasText: 'this message' });
    expect(await link.getAttribute('href')).toMatch(/\/archives\/CSUPPORT\/p\d+\?thread_ts=\d+\.\d+&cid=CSUPPORT$/);
    await link.click();
    const linked = thread.locator('.message.linked');
    await linked.waitFor({ timeout: 5_000 });
    expect(await linked.innerText()).toContain('the reset email never arrived');
    expect(await thread.locator('.message').count()).toBe(4);
    expect(carlos.context().pages()).toHaveLength(1);
    await carlos.mouse.move(0, 0);
    await carlos.screenshot({ path: join(SHOTS, '41-ask-about-linked.png') });
    await Promise.all([alice.close(), carlos.close()]);
  }, 60_000);

  /** The private message (a response_url's) that shows `words` to the reader, once it does; its locator follows its id. */
  async function privateMessage(page: Page, words: string): Promise<Locator> {
    const found = page.locator('#messages .message.ephemeral[data-private-id]', { hasText: words }).last();
    await found.waitFor({ timeout: 20_000 });
    return page.locator(`#messages .message.ephemeral[data-private-id="${await found.getAttribute('data-private-id')}"]`);
  }

  it('answers /fin privately (another person sees nothing), and “Share in channel” makes a thread that goes on with Fin', async () => {
    const alice = await openWithoutForm('UALICE');
    await alice.click('[data-channel-id="CSUPPORT"]');
    // The page's help says how to ask privately.
    expect(await alice.locator('.sidebar .help').innerText()).toContain('/fin How do I reset my password?');
    const channelMessages = alice.locator('#messages .message[data-ts]');
    const before = await channelMessages.count();

    await type(alice, 'CSUPPORT', '/fin How do I reset my password?');
    // At once, only for Alice: the question as being asked (the app's acknowledgement of the command).
    const asking = await privateMessage(alice, 'Fin privately');
    expect(await asking.innerText()).toContain('Only visible to you');
    expect(await asking.locator('blockquote').innerText()).toBe('How do I reset my password?');
    await alice.screenshot({ path: join(SHOTS, '42-fin-asking.png') });

    // Then Fin's answer: the question, the answer formatted, the note and the two buttons.
    const mine = await privateMessage(alice, 'You asked Fin: “How do I reset my password?”');
    const share = mine.locator('.bk-button', { hasText: 'Share in channel' });
    await share.waitFor({ timeout: 20_000 });
    expect(await mine.innerText()).toContain('Only visible to you');
    expect(await mine.locator('.bk-context').first().innerText()).toBe('You asked Fin: “How do I reset my password?”');
    expect(await mine.locator('.bk-section b', { hasText: 'Forgot password?' }).count()).toBe(1);
    expect(await mine.locator('.bk-section a[href="https://app.example.com/login"]').innerText()).toBe('sign-in page');
    expect(await mine.locator('.bk-section i', { hasText: 'one hour' }).count()).toBe(1);
    const note = await mine.locator('.bk-context').last().innerText();
    expect(note).toMatch(/^🔒 Only you can see this\./);
    expect(note).toContain('Share in channel posts your question and this answer as a thread in #support');
    expect(await mine.locator('.bk-button').allInnerTexts()).toEqual(['Share in channel', 'Dismiss']);
    expect(await share.getAttribute('class')).toContain('bk-primary');
    // Nothing was posted in the channel.
    expect(await channelMessages.count()).toBe(before);
    await alice.mouse.move(0, 0);
    await alice.screenshot({ path: join(SHOTS, '43-fin-answered-privately.png') });

    // Another person, on the same page, does not see it; Alice sees it again when she is herself again.
    await alice.selectOption('#user', 'UCARLOS');
    await expect.poll(() => alice.locator('#messages .message.ephemeral[data-private-id]').count()).toBe(0);
    expect(await alice.locator('#channel-title').innerText()).toBe('#support');
    expect(await alice.locator('#messages').innerText()).not.toContain('You asked Fin');
    await alice.screenshot({ path: join(SHOTS, '44-fin-not-for-others.png') });
    await alice.selectOption('#user', 'UALICE');
    await share.waitFor();

    // Shared: the question and Fin's answer become a thread everyone sees, and the private answer goes away.
    await share.click();
    await mine.waitFor({ state: 'detached', timeout: 10_000 });
    const root = alice.locator('#messages .message.from-app', { hasText: 'asked Fin:' }).last();
    await root.waitFor({ timeout: 10_000 });
    expect(await root.locator('.body').innerText()).toContain('@Alice Martin asked Fin:');
    expect(await root.locator('blockquote').innerText()).toBe('How do I reset my password?');
    await expect.poll(() => root.locator('[data-open-thread]').innerText(), { timeout: 10_000 }).toBe('1 reply');
    expect(await alice.locator('#messages .message.ephemeral[data-private-id]', { hasText: 'You asked Fin:' }).count()).toBe(0);
    await root.locator('[data-open-thread]').click();
    await alice.locator('#thread-messages .message.from-app b', { hasText: 'Forgot password?' }).waitFor({ timeout: 10_000 });
    await alice.mouse.move(0, 0);
    await alice.screenshot({ path: join(SHOTS, '45-fin-shared.png') });

    // Anyone goes on in the thread, without mentioning Fin: Fin answers there.
    const carlos = await openWithoutForm('UCARLOS');
    await carlos.click('[data-channel-id="CSUPPORT"]');
    const shared = carlos.locator('#messages .message.from-app', { hasText: '@Alice Martin asked Fin:' }).last();
    await shared.locator('[data-open-thread]').click();
    await carlos.locator('#thread-messages .message.from-app b', { hasText: 'Forgot password?' }).waitFor({ timeout: 10_000 });
    await carlos.fill('#thread-input', 'Where is my order, by the way?');
    await carlos.press('#thread-input', 'Enter');
    const next = carlos.locator('#thread-messages .message.from-app').last();
    await next.locator('b', { hasText: '2 business days' }).waitFor({ timeout: 20_000 });
    const texts = await carlos.locator('#thread-messages .message .body').allInnerTexts();
    expect(texts).toHaveLength(4);
    expect(texts[0]).toContain('@Alice Martin asked Fin:');
    expect(texts[1]).toContain('You can reset your password in a few steps.');
    expect(texts[2]).toBe('Where is my order, by the way?');
    expect(texts[3]).toContain('Orders ship within 2 business days.');
    await carlos.mouse.move(0, 0);
    await carlos.screenshot({ path: join(SHOTS, '46-fin-shared-continued.png') });
    await Promise.all([alice.close(), carlos.close()]);
  }, 60_000);

  it('takes a private answer away when its asker presses “Dismiss”, posting nothing', async () => {
    const page = await openWithoutForm('UCARLOS');
    await page.click('[data-channel-id="DCARLOS"]');
    const dm = page.locator('#messages .message[data-ts]');
    const before = await dm.count();
    await type(page, 'DCARLOS', '/fin What are your plans?');
    const mine = await privateMessage(page, 'You asked Fin: “What are your plans?”');
    const dismiss = mine.locator('.bk-button', { hasText: 'Dismiss' });
    await dismiss.waitFor({ timeout: 20_000 });
    expect(await mine.locator('.bk-section b', { hasText: 'upgrade at any time' }).count()).toBe(1);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(SHOTS, '47-fin-before-dismiss.png') });

    await dismiss.click();
    await mine.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await page.locator('#messages .message.ephemeral[data-private-id]', { hasText: 'You asked Fin:' }).count()).toBe(0);
    expect(await dm.count()).toBe(before);
    await page.screenshot({ path: join(SHOTS, '48-fin-dismissed.png') });
    await page.close();
  }, 40_000);
});

/** Rich text blocks, which the app does not post yet: put straight into the Slack emulator of a sandbox in this process. */
describe.skipIf(CHROMIUM === undefined)('rich text in the sandbox page', () => {
  let sandbox: Sandbox;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sandbox = await Sandbox.start({ port: 0, logLevel: 'silent' });
    browser = await chromium.launch({ ...(CHROMIUM !== undefined ? { executablePath: CHROMIUM } : {}), args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  it('renders sections, styles, mentions, emoji, dates, lists, quotes and code, and never reads text as mrkdwn', async () => {
    const now = Math.floor(Date.now() / 1000);
    const text = (t: string, style?: Record<string, boolean>) => ({ type: 'text', text: t, ...(style ? { style } : {}) });
    const message = sandbox.slack.appMessage({ channel: 'CSUPPORT', text: 'A rich text message' });
    message.blocks = [
      {
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              text('Hi '),
              { type: 'user', user_id: 'UALICE' },
              text(', this is '),
              text('bold', { bold: true }),
              text(', '),
              text('italic', { italic: true }),
              text(', '),
              text('struck', { strike: true }),
              text(', '),
              text('code', { code: true }),
              text(' and *literal* _text_ :tada: <!here>\nin '),
              { type: 'channel', channel_id: 'CSUPPORT' },
              text(' '),
              { type: 'emoji', name: 'tada' },
              text(' '),
              { type: 'link', url: 'https://example.com/help', text: 'the help centre' },
              text(' '),
              { type: 'color', value: '#2eb67d' },
            ],
          },
          {
            type: 'rich_text_section',
            elements: [
              text('Due '),
              { type: 'date', timestamp: now + 86_400, format: '{date_short_pretty} at {time}', fallback: 'tomorrow' },
            ],
          },
          {
            type: 'rich_text_list',
            style: 'bullet',
            elements: [
              { type: 'rich_text_section', elements: [text('first')] },
              { type: 'rich_text_section', elements: [text('second')] },
            ],
          },
          { type: 'rich_text_list', style: 'bullet', indent: 1, elements: [{ type: 'rich_text_section', elements: [text('nested')] }] },
          {
            type: 'rich_text_list',
            style: 'ordered',
            elements: [
              { type: 'rich_text_section', elements: [text('one')] },
              { type: 'rich_text_section', elements: [text('two')] },
            ],
          },
          { type: 'rich_text_quote', elements: [text('A quote')] },
          { type: 'rich_text_preformatted', elements: [text('const x = *y*; // :tada:')] },
        ],
      },
    ];
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${sandbox.url}/?user=UALICE`);
    await page.click('[data-channel-id="CSUPPORT"]');
    const body = page.locator('#messages .message.from-app .body').last();
    await body.locator('.bk-rich-text').waitFor();
    const html = await body.innerHTML();
    expect(html).toContain('<span class="mention">@Alice Martin</span>');
    expect(html).toContain(
      '<b>bold</b>, <i>italic</i>, <s>struck</s>, <code>code</code> and *literal* _text_ :tada: &lt;!here&gt;\nin <span class="mention">#support</span>',
    );
    expect(html).toContain('>🎉</span>');
    expect(await body.locator('time.date').innerText()).toMatch(/^tomorrow at \d{1,2}:\d{2} [AP]M$/);
    expect(await body.locator('ul.rt-list').count()).toBe(2);
    expect(await body.locator('ol.rt-list li').count()).toBe(2);
    expect(await body.locator('pre.fence').innerText()).toBe('const x = *y*; // :tada:');
    await page.screenshot({ path: join(SHOTS, '16-rich-text.png') });
    await page.close();
  });
});
