import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiveMessage } from '../../../src/bridge/live-message.ts';
import { NativeMessage, wholeWords } from '../../../src/bridge/native-message.ts';
import { escapeMarkdown } from '../../../src/format/markdown-escape.ts';
import type { InterimResult } from '../../../src/slack/poster.ts';

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function native(first: string, results: InterimResult[] = []) {
  const appends: string[] = [];
  const edits: string[] = [];
  let stops = 0;
  const message = new NativeMessage({
    started: { index: 0, text: first, markdown: escapeMarkdown(wholeWords(first)) },
    append: async (delta) => {
      appends.push(delta);
      return results.shift() ?? { kind: 'ok' };
    },
    stop: async () => {
      stops += 1;
    },
    fallback: (shown) =>
      new LiveMessage({
        edit: async (text) => {
          edits.push(text);
          return { kind: 'ok' };
        },
        render: (text) => text,
        intervalMs: 0,
        shown,
      }),
    intervalMs: 0,
  });
  return { message, appends, edits, stops: () => stops };
}

describe('native streaming of cumulative text', () => {
  it('appends only what is new, a whole word at a time', async () => {
    const s = native('Hello wor');
    s.message.offer(1, 'Hello world, how');
    await until(() => s.appends.length === 1);
    s.message.offer(2, 'Hello world, how are you? ');
    await until(() => s.appends.length === 2);
    expect(s.appends).toEqual(['world, ', 'how are you? ']);
    await s.message.close();
    expect(s.stops()).toBe(1);
  });

  it('hands over to edits when Fin revises text already streamed, stopping the stream first', async () => {
    const s = native('Hello there ');
    s.message.offer(1, 'Goodbye then ');
    await until(() => s.edits.length === 1);
    expect(s.stops()).toBe(1);
    expect(s.edits).toEqual(['Goodbye then ']);
    expect(s.message.native).toBe(false);
    s.message.offer(2, 'Goodbye then, friend ');
    await until(() => s.edits.length === 2);
    await s.message.close();
    expect(s.stops()).toBe(1);
  });

  it('hands over to edits when Slack refuses an append, and ignores stale chunks', async () => {
    const s = native('One ', [{ kind: 'failed', code: 'message_not_in_streaming_state' }]);
    expect(s.message.offer(0, 'One ')).toBe(false);
    s.message.offer(1, 'One two ');
    await until(() => s.edits.length === 1);
    expect(s.edits).toEqual(['One two ']);
    await s.message.close();
  });

  it('escapes per character: a text cut at a word’s end escapes to a prefix of the whole', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii' }), fc.string({ unit: 'grapheme-ascii' }), (a, b) => {
        const whole = `${a} ${b}`;
        const cut = wholeWords(`${a} `);
        fc.pre(!/@(channel|here|everyone)/i.test(whole));
        return escapeMarkdown(whole).startsWith(escapeMarkdown(cut));
      }),
    );
  });
});
