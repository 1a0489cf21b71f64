import { expect } from 'vitest';
import { type Breach, describeBreaches, messageBreaches, viewBreaches } from '../../fakes/block-kit-limits.ts';
import { SLACK_LIMITS } from '../../src/slack/limits.ts';

/**
 * Slack's limits as the tests check them: the same walker the fake Slack refuses calls with
 * (`fakes/block-kit-limits.ts`), so a builder's unit test and the fake cannot disagree about what Slack takes.
 */
export { type Breach, blockText, messageBreaches, viewBreaches } from '../../fakes/block-kit-limits.ts';

/**
 * Fails, naming every breach, unless `message` (`{ text, blocks }`) is one Slack takes: posted (`chat.postMessage`)
 * or, with `update`, as the edit of a message (`chat.update`, whose text Slack cuts off much sooner).
 */
export function expectMessageWithinLimits(message: { text?: unknown; blocks?: unknown }, options: { update?: boolean } = {}): void {
  const limit = options.update === true ? SLACK_LIMITS.message.updateText : SLACK_LIMITS.message.text;
  expectNone(messageBreaches(message, limit));
}

/** Fails, naming every breach, unless `view` is a Home tab Slack publishes (`views.publish`). */
export function expectHomeViewWithinLimits(view: unknown): void {
  expectNone(viewBreaches(view, 'home'));
}

/** Fails, naming every breach, unless `view` is a modal Slack opens (`views.open`, `views.update`). */
export function expectViewWithinLimits(view: unknown): void {
  expectNone(viewBreaches(view));
}

function expectNone(breaches: readonly Breach[]): void {
  expect(describeBreaches(breaches)).toEqual([]);
}
