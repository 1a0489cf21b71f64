import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LiveMessage } from '../../../src/stream/live-message.ts';
import { NativeMessage, wholeWords } from '../../../src/stream/native-message.ts';
import { escapeMarkdown } from '../../../src/format/markdown-escape.ts';
import type { InterimResult } from '../../../src/stream/writer.ts';
import type { EditLane } from '../../../src/stream/update-scheduler.ts';
import { expectStill, waitFor } from '../../helpers/wait.ts';

/** With no interval, every step of a message runs in microtasks: one macrotask turn drains them all. */
const drained = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A lane that grants every request at once and counts them. */
function countingLane(): EditLane & { requests: number } {
  const lane = {
    requests: 0,
    request(run: () => void) {
      lane.requests += 1;
      queueMicrotask(run);
    },
    cancel() {},
    rateLimited() {},
  };
  return lane;
}

function native(first: string, results: InterimResult[] = [], lane?: EditLane) {
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
    lane,
  });
  return { message, appends, edits, stops: () => stops };
}

describe('native streaming of cumulative text', () => {
  it('appends only what is new, a whole word at a time', async () => {
    const s = native('Hello wor');
    s.message.offer(1, 'Hello world, how');
    await waitFor(() => s.appends.length === 1);
    s.message.offer(2, 'Hello world, how are you? ');
    await waitFor(() => s.appends.length === 2);
    expect(s.appends).toEqual(['world, ', 'how are you? ']);
    await s.message.close();
    expect(s.stops()).toBe(1);
  });

  it('hands over to edits when Fin revises text already streamed, stopping the stream first', async () => {
    const s = native('Hello there ');
    s.message.offer(1, 'Goodbye then ');
    await waitFor(() => s.edits.length === 1);
    expect(s.stops()).toBe(1);
    expect(s.edits).toEqual(['Goodbye then ']);
    expect(s.message.native).toBe(false);
    s.message.offer(2, 'Goodbye then, friend ');
    await waitFor(() => s.edits.length === 2);
    await s.message.close();
    expect(s.stops()).toBe(1);
  });

  it('hands over to edits when Slack refuses an append, and ignores stale chunks', async () => {
    const s = native('One ', [{ kind: 'failed', code: 'message_not_in_streaming_state' }]);
    expect(s.message.offer(0, 'One ')).toBe(false);
    s.message.offer(1, 'One two ');
    await waitFor(() => s.edits.length === 1);
    expect(s.edits).toEqual(['One two ']);
    await s.message.close();
  });

  it('stops appending once Slack says the message is gone', async () => {
    const s = native('One ', [{ kind: 'gone' }]);
    s.message.offer(1, 'One two ');
    await waitFor(() => s.message.gone);
    s.message.offer(2, 'One two three ');
    await expectStill(drained, () => expect(s.appends).toEqual(['two ']));
  });

  it('asks the shared budget for a slot only when there is something to append', async () => {
    const lane = countingLane();
    const s = native('Hello ', [], lane);
    // Chunks that only lengthen the word being written: nothing to send yet.
    for (const [i, text] of ['Hello w', 'Hello wo', 'Hello wor'].entries()) s.message.offer(i + 1, text);
    await expectStill(drained, () => expect(lane.requests).toBe(0));
    s.message.offer(4, 'Hello world ');
    await waitFor(() => s.appends.length === 1);
    expect(lane.requests).toBe(1);
    // Past the size cap the stream waits for the final answer, without taking slots.
    s.message.offer(5, `Hello world ${'word '.repeat(800)}`);
    s.message.offer(6, `Hello world ${'word '.repeat(801)}`);
    await expectStill(drained, () => expect(lane.requests).toBe(1));
    expect(s.appends).toEqual(['world ']);
  });

  it('keeps list and heading syntax from forming, without backslashes in ordinary sentences', () => {
    expect(escapeMarkdown('1. First\n2) Second\nTitle\n===\n- item\nPrice is 3.50 (approx).')).toBe(
      '1\\. First\n2\\) Second\nTitle\n\\=\\=\\=\n\\- item\nPrice is 3.50 \\(approx\\).',
    );
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
