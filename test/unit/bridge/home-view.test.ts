import { describe, expect, it } from 'vitest';
import { HOME_CONVERSATIONS, HOME_PROCEDURES, homeView } from '../../../src/bridge/home-view.ts';
import { expectHomeViewWithinLimits } from '../../helpers/block-kit-limits.ts';
import { blockTexts } from '../../helpers/shown.ts';

describe('the Home tab', () => {
  it('stays within a Home view’s limits however many procedures and conversations a person has, and however long their words', () => {
    const long = 'x'.repeat(5_000);
    const view = homeView({
      userId: 'U1',
      procedures: Array.from({ length: 80 }, (_, i) => ({ id: `p${i}${'9'.repeat(2_100)}`, name: `${long}${i}`, description: long })),
      conversations: Array.from({ length: 40 }, (_, i) => ({
        topic: long,
        standing: 'answered' as const,
        url: `https://acme.slack.com/archives/C1/p${i}`,
        channelId: 'C1',
        updatedAt: 1_700_000_000_000,
      })),
      helpText: long,
      escalationEmoji: ['raising_hand', 'sos'],
    });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expectHomeViewWithinLimits(view);
    const runs = JSON.stringify(view.blocks).match(/fin_home_run/g) ?? [];
    expect(runs).toHaveLength(HOME_PROCEDURES);
    expect(blockTexts(view.blocks).filter((t) => t.includes('Answered'))).toHaveLength(HOME_CONVERSATIONS);
    expect(blockTexts(view.blocks).join('\n')).toContain(':raising_hand: or :sos:');
  });

  it('shows people’s words as written: a topic cannot link, ping or format', () => {
    const view = homeView({
      userId: 'U1',
      procedures: [],
      conversations: [
        {
          topic: '<!channel> *urgent* <https://evil.example|bank>',
          standing: 'with_a_person',
          url: undefined,
          channelId: undefined,
          updatedAt: 0,
        },
      ],
      helpText: undefined,
      escalationEmoji: [],
    });
    const text = blockTexts(view.blocks).join('\n');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil.example|bank>');
    expect(text).toContain('in your DM with Fin');
    expect(text).toContain('With a person from the team');
  });
});
