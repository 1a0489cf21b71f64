import { describe, expect, it } from 'vitest';
import type { RichTextBlock } from '@slack/types';
import { expectMessageWithinLimits } from '../../helpers/block-kit-limits.ts';
import { richTextPlain } from '../../../src/format/rich-text.ts';
import { agentPost, customerMessageRelay, type EscalationView } from '../../../src/handoff/agent-post.ts';
import type { EscalationState } from '../../../src/store/escalations.ts';

const view: EscalationView = {
  escalationId: 7,
  state: 'open',
  reason: 'Escalation rule: VIP <customers> & refunds',
  asker: { id: 'U1', name: 'Ann <@U2>' },
  channel: { id: 'C1', type: 'channel' },
  lastMessage: 'Refund me now <!channel> *please*',
  threadUrl: 'https://example.slack.com/archives/C1/p1',
  intercom: { id: '2154', url: 'https://app.intercom.com/a/inbox/ws/inbox/conversation/2154' },
  handedBackBy: undefined,
  escalatedAt: Date.UTC(2026, 11, 10, 10, 30),
};

const allText = (content: ReturnType<typeof agentPost>) => JSON.stringify(content.blocks);

describe('agentPost', () => {
  it('shows what came from people or Fin exactly as written, in rich text, so nothing in it pings or formats', () => {
    const content = agentPost(view);
    const details = content.blocks.find((b): b is RichTextBlock => b.type === 'rich_text');
    expect(details).toBeDefined();
    const shown = richTextPlain(details as RichTextBlock);
    expect(shown).toContain('Reason: Escalation rule: VIP <customers> & refunds');
    expect(shown).toContain('> Refund me now <!channel> *please*');
    // Literal text elements only: no broadcast or user element comes from the words.
    const elements = JSON.stringify(details);
    expect(elements).not.toContain('"broadcast"');
    expect(elements).not.toContain('"user_id":"U2"');
    // Nothing untrusted reaches a mrkdwn object unescaped.
    const mrkdwn = JSON.stringify(content.blocks.filter((b) => b.type !== 'rich_text'));
    expect(mrkdwn).not.toMatch(/<!channel>|<@U2>/);
    expect(content.text).not.toMatch(/<!channel>|<@U2>/);
  });

  it('mentions the customer, names the channel and shows the time in each reader’s own time zone', () => {
    const details = agentPost(view).blocks.find((b): b is RichTextBlock => b.type === 'rich_text');
    const json = JSON.stringify(details);
    expect(json).toContain('{"type":"user","user_id":"U1"}');
    expect(json).toContain('{"type":"channel","channel_id":"C1"}');
    expect(json).toContain(`"type":"date","timestamp":${Date.UTC(2026, 11, 10, 10, 30) / 1000}`);
    expect(richTextPlain(details as RichTextBlock)).toContain('From: @U1 in #C1, 2026-12-10 10:30 UTC');
  });

  it('quotes a customer’s later message for the agents by name, its markers kept literal', () => {
    const relay = customerMessageRelay({ name: 'Ann <@U2>', words: 'I need this *now*\n_please_', fileCount: 2, unshown: 0 });
    expect(relay).toBe(
      ':speech_balloon: Ann &lt;@U2&gt; wrote in the thread (with 2 files, in the thread):\n> I need this \u2217now\u2217\n> \u02CDplease\u02CD',
    );
    expect(customerMessageRelay({ name: 'Ann', words: 'hello', fileCount: 0, unshown: 3 })).toBe(
      ':speech_balloon: Ann wrote in the thread:\n> hello\n_3 earlier messages are only in the thread._',
    );
  });

  it('links the thread and Intercom, and offers the hand-back button while people own the thread', () => {
    const content = agentPost(view);
    expect(allText(content)).toContain('<https://example.slack.com/archives/C1/p1|Open the Slack thread>');
    expect(allText(content)).toContain('Open in Intercom');
    expect(content.blocks.some((b) => b.type === 'actions')).toBe(true);
    expect(content.text).toContain('Escalation from');
  });

  it('shows each later state, and drops the button once handed back', () => {
    expect(allText(agentPost({ ...view, state: 'resolved' }))).toContain('resolved');
    expect(allText(agentPost({ ...view, state: 'complete' }))).toContain('complete');
    const handed = agentPost({ ...view, state: 'handed_back', handedBackBy: 'Bob' });
    expect(allText(handed)).toContain('Handed back to Fin by Bob');
    expect(handed.blocks.some((b) => b.type === 'actions')).toBe(false);
  });

  it('keeps a very long last message within Block Kit limits', () => {
    const content = agentPost({ ...view, lastMessage: 'x '.repeat(5_000) });
    for (const block of content.blocks) {
      if (block.type === 'section') expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3_000);
      if (block.type === 'rich_text') expect(richTextPlain(block).length).toBeLessThanOrEqual(3_000);
    }
  });
});

describe('agentPost within Slack limits', () => {
  const huge = (n: number, word: string) => `${word} `.repeat(Math.ceil(n / (word.length + 1))).slice(0, n);
  const STATES: EscalationState[] = ['open', 'resolved', 'complete', 'handed_back'];

  it.each(STATES)('posts and updates a %s escalation with a 50,000-character reason, last message, name and id', (state) => {
    const enormous: EscalationView = {
      ...view,
      state,
      reason: huge(50_000, '&reason*'),
      asker: { id: 'U1', name: huge(50_000, '<@name>') },
      lastMessage: huge(50_000, 'message'),
      threadUrl: `https://example.slack.com/archives/C1/p${'1'.repeat(50_000)}`,
      intercom: { id: '9'.repeat(50_000), url: undefined },
      handedBackBy: huge(50_000, '&agent'),
    };
    for (const channel of [view.channel, { id: 'D1', type: 'im' as const }]) {
      const content = agentPost({ ...enormous, channel });
      expectMessageWithinLimits(content);
      expectMessageWithinLimits(content, { update: true });
    }
  });

  it('leaves out a link too long to show whole, keeping the others', () => {
    const content = agentPost({
      ...view,
      threadUrl: `https://example.slack.com/archives/C1/p${'1'.repeat(5_000)}`,
      intercom: { id: '2154', url: undefined },
    });
    expectMessageWithinLimits(content);
    const links = JSON.stringify(content.blocks.filter((b) => b.type === 'context'));
    expect(links).toContain('Intercom conversation `2154`');
    expect(links).not.toContain('example.slack.com');
  });

  it('quotes the reason and the last message, each cut to a readable length', () => {
    const content = agentPost({ ...view, reason: huge(50_000, 'reason'), lastMessage: huge(50_000, 'message') });
    const shown = richTextPlain(content.blocks.find((b): b is RichTextBlock => b.type === 'rich_text') as RichTextBlock);
    expect(shown).toMatch(/Reason: (reason )+\S*…\n/);
    expect(shown).toMatch(/> (message )+\S*…$/);
    expect(shown.length).toBeLessThan(3_500);
  });
});
