import { describe, expect, it } from 'vitest';
import { saysHandOff } from '../../../src/handoff/hand-off-words.ts';

describe('saysHandOff', () => {
  it('recognises Fin telling the customer a person will take over', () => {
    for (const text of [
      'Of course. I’m passing you to our support team; someone will reply in this thread.',
      'I have transferred this conversation to a human agent.',
      'Let me connect you with a specialist.',
      'A teammate will follow up with you shortly.',
      'Someone from our team will get back to you within a day.',
      "I'll hand this over to the *billing team*.",
    ]) {
      expect(saysHandOff(text), text).toBe(true);
    }
  });

  it('does not take an ordinary answer for a hand-off', () => {
    for (const text of [
      'Go to Settings and choose *Reset password*.',
      'Your plan includes 5 seats. Support is available by email.',
      'You can pass the coupon code at checkout.',
      'Our team plan costs $10 a month.',
      '',
    ]) {
      expect(saysHandOff(text), text).toBe(false);
    }
  });
});
