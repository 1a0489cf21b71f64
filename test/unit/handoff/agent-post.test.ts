import { describe, expect, it } from 'vitest';
import { agentPost, type EscalationView } from '../../../src/handoff/agent-post.ts';

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
};

const allText = (content: ReturnType<typeof agentPost>) => JSON.stringify(content.blocks);

describe('agentPost', () => {
  it('escapes everything that came from people or Fin, so the post pings nobody', () => {
    const text = allText(agentPost(view));
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<@U2>');
    expect(text).toContain('VIP &lt;customers&gt; &amp; refunds');
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
    }
  });
});
