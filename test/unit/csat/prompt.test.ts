import { describe, expect, it } from 'vitest';
import { commentModal, csatPrompt } from '../../../src/csat/prompt.ts';
import type { CsatState, CsatSurvey } from '../../../src/store/csat.ts';
import { expectMessageWithinLimits, expectViewWithinLimits } from '../../helpers/block-kit-limits.ts';
import { blockTexts } from '../../helpers/shown.ts';

const OPTIONS = [
  { key: 'amazing', emoji: '🤩', label: 'Génial' },
  { key: 'good', emoji: '😃', label: 'Bien' },
  { key: 'bad', emoji: '🙁', label: 'Pas terrible' },
];

function survey(state: CsatState, extra: Partial<CsatSurvey> = {}): CsatSurvey {
  return {
    id: 7,
    conversationId: 'c1',
    userId: 'U1',
    options: OPTIONS,
    channelId: 'C1',
    threadTs: '1.1',
    promptTs: '1.2',
    postingSince: null,
    rating: state === 'open' ? null : 'good',
    state,
    closedReason: null,
    pendingComment: null,
    ...extra,
  };
}

type Element = { action_id?: string; value?: string; text?: { text: string }; options?: { value: string }[] };
const elements = (blocks: unknown): Element[] =>
  (blocks as { type: string; elements?: Element[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);

describe('the rating prompt', () => {
  it('offers Fin’s options as buttons, in Fin’s order, carrying the survey and the key', () => {
    const prompt = csatPrompt(survey('open'));
    expect(elements(prompt.blocks).map((e) => [e.action_id, e.value, e.text?.text])).toEqual([
      ['fin_csat_rate_amazing', '7:amazing', '🤩 Génial'],
      ['fin_csat_rate_good', '7:good', '😃 Bien'],
      ['fin_csat_rate_bad', '7:bad', '🙁 Pas terrible'],
    ]);
    expect(blockTexts(prompt.blocks).join('\n')).toContain('<@U1>');
    expectMessageWithinLimits(prompt);
  });

  it('shows the choice once rated, with a comment button and a menu to change it; after a comment, only that it is final', () => {
    const rated = csatPrompt(survey('rated'));
    expect(blockTexts(rated.blocks).join('\n')).toContain('😃 Bien');
    expect(elements(rated.blocks).map((e) => e.action_id)).toEqual(['fin_csat_comment', 'fin_csat_change']);
    expect(elements(rated.blocks)[1]?.options?.map((o) => o.value)).toEqual(['7:amazing', '7:good', '7:bad']);
    const commented = csatPrompt(survey('commented'));
    expect(elements(commented.blocks)).toEqual([]);
    expect(blockTexts(commented.blocks).join('\n')).toMatch(/can no longer be changed/);
    const closed = csatPrompt(survey('closed', { closedReason: 'window_closed', rating: null }));
    expect(elements(closed.blocks)).toEqual([]);
    expect(closed.text).toMatch(/time to rate/);
  });

  it('keeps Fin’s words within Slack’s limits and shows them as written, never as formatting or pings', () => {
    const long = [{ key: 'good', emoji: '😃', label: `*Très* <!channel> ${'bien '.repeat(40)}` }];
    const open = csatPrompt(survey('open', { options: long }));
    const [button] = elements(open.blocks);
    expect(button?.text?.text.length).toBeLessThanOrEqual(75);
    expectMessageWithinLimits(open);
    const rated = csatPrompt(survey('rated', { options: long }));
    // Slack reads the notification text and mrkdwn sections as markup (plain_text options show as typed).
    const mrkdwn = (rated.blocks as { type: string; text?: { text: string } }[]).flatMap((b) =>
      b.type === 'section' && b.text ? [b.text.text] : [],
    );
    const shown = [rated.text, ...mrkdwn].join('\n');
    expect(shown).not.toContain('<!channel>');
    expect(shown).not.toContain('*Très*');
    expectMessageWithinLimits(rated, { update: true });
  });

  it('asks for a comment in a form Slack opens, naming the rating it goes with', () => {
    const view = commentModal(survey('rated'));
    expectViewWithinLimits(view);
    expect(JSON.parse(view.private_metadata ?? '{}')).toEqual({ surveyId: 7, rating: 'good' });
    expect(JSON.stringify(view.blocks)).toContain('😃 Bien');
  });
});
