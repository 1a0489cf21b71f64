import type { RichTextBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { expectMessageWithinLimits, expectViewWithinLimits } from '../../helpers/block-kit-limits.ts';
import { richTextPlain } from '../../../src/format/rich-text.ts';
import { hitlModal } from '../../../src/hitl/modal.ts';
import type { HitlAttribute } from '../../../src/hitl/notification.ts';
import { hitlFormContext, hitlPost, type HitlView } from '../../../src/hitl/post.ts';
import type { HitlState } from '../../../src/store/hitl.ts';

const huge = (n: number, word = 'word') => `${`${word} `.repeat(Math.ceil(n / (word.length + 1)))}`.slice(0, n);

const attributes = (n: number, labelLength: number): HitlAttribute[] =>
  Array.from({ length: n }, (_, i) => ({
    identifier: `attr.${i}`,
    label: `${huge(labelLength, 'label')} ${i}`,
    kind: i % 2 === 0 ? 'list' : 'unsupported',
    dataType: i % 2 === 0 ? 'list' : huge(500, 'type'),
    options: i % 2 === 0 ? Array.from({ length: 200 }, (_, o) => ({ id: `opt-${o}`, label: huge(300, 'option') })) : [],
  }));

const base: HitlView = {
  requestId: 12,
  state: 'open',
  attributes: attributes(3, 20),
  thread: { askerId: 'U1', askerName: 'Ann', channelId: 'C1', channelType: 'channel', url: 'https://fake.slack.com/archives/C1/p1' },
  intercom: { id: '2154', url: 'https://app.intercom.com/a/inbox/ws/inbox/conversation/2154' },
  submittedBy: undefined,
  shownValues: undefined,
  note: undefined,
  unanswerable: undefined,
};

/** Everything from Intercom or from people as large as it can come. */
const enormous: HitlView = {
  ...base,
  attributes: attributes(60, 2_000),
  thread: { ...base.thread, askerId: undefined, askerName: huge(5_000, 'name') } as HitlView['thread'],
  intercom: { id: huge(50_000, '1234'), url: `https://app.intercom.com/a/inbox/ws/inbox/conversation/${'9'.repeat(50_000)}` },
  submittedBy: { id: 'U2', name: huge(5_000, 'agent') },
  shownValues: Array.from({ length: 98 }, (_, i) => ({ label: huge(2_000, 'label'), value: `${huge(3_000, 'value')} ${i}` })),
  note: huge(50_000, 'note'),
  unanswerable: huge(50_000, 'reason'),
};

const STATES: HitlState[] = ['open', 'submitting', 'submitted', 'expired', 'answered_elsewhere', 'unanswerable'];

describe('hitlPost within Slack limits', () => {
  it.each(STATES)('posts and updates a %s request with 60 attributes, 98 long values and a 50,000-character note', (state) => {
    for (const view of [
      { ...enormous, state },
      { ...enormous, state, unanswerable: undefined },
    ]) {
      const post = hitlPost(view);
      expectMessageWithinLimits(post);
      expectMessageWithinLimits(post, { update: true });
    }
  });

  it('lists what a form can hold, and says how many more there are', () => {
    const post = hitlPost({ ...base, attributes: attributes(150, 10) });
    expectMessageWithinLimits(post, { update: true });
    const details = post.blocks.find((b): b is RichTextBlock => b.type === 'rich_text');
    expect(richTextPlain(details as RichTextBlock)).toContain('…and 52 more.');
  });

  it('shows short values whole while cutting one huge value', () => {
    const post = hitlPost({
      ...base,
      state: 'submitted',
      submittedBy: { id: 'U2', name: 'Bob' },
      shownValues: [
        { label: 'Amount', value: '42' },
        { label: 'Note', value: huge(50_000, 'note') },
      ],
    });
    expectMessageWithinLimits(post, { update: true });
    const shown = post.blocks
      .filter((b): b is RichTextBlock => b.type === 'rich_text')
      .map(richTextPlain)
      .join('\n');
    expect(shown).toContain('Amount: 42');
    expect(shown).toMatch(/Note: (note )+\S*…/);
  });

  it('builds a form context within limits from a 5,000-character name and 50,000-character links', () => {
    const context = hitlFormContext(enormous);
    expectViewWithinLimits(hitlModal(12, enormous.attributes, context));
  });
});
