import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveMessage } from '../../../src/stream/live-message.ts';
import type { InterimResult } from '../../../src/stream/writer.ts';

describe('LiveMessage', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(results: InterimResult[] = []) {
    const edits: string[] = [];
    const pending: ((r: InterimResult) => void)[] = [];
    const live = new LiveMessage({
      intervalMs: 1000,
      now: () => Date.now(),
      render: (t) => t,
      edit: (text) => {
        edits.push(text);
        const scripted = results.shift();
        if (scripted) return Promise.resolve(scripted);
        return new Promise((resolve) => pending.push(resolve));
      },
    });
    const finishEdit = async () => {
      pending.shift()?.({ kind: 'ok' });
      await vi.advanceTimersByTimeAsync(0);
    };
    return { live, edits, finishEdit };
  }

  it('edits at once for the first text, then at most once per interval with the newest text', async () => {
    const { live, edits, finishEdit } = setup();
    live.offer(0, 'a');
    expect(edits).toEqual(['a']);
    live.offer(1, 'a b');
    live.offer(2, 'a b c');
    await finishEdit();
    expect(edits).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(999);
    expect(edits).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1);
    expect(edits).toEqual(['a', 'a b c']);
  });

  it('never has two edits in flight', async () => {
    const { live, edits, finishEdit } = setup();
    live.offer(0, 'a');
    live.offer(1, 'ab');
    await vi.advanceTimersByTimeAsync(5000);
    expect(edits).toHaveLength(1);
    await finishEdit();
    expect(edits).toEqual(['a', 'ab']);
  });

  it('ignores chunks not newer than the newest seen', async () => {
    const { live } = setup();
    expect(live.offer(3, 'abcd')).toBe(true);
    expect(live.offer(2, 'abc')).toBe(false);
    expect(live.offer(3, 'abcd')).toBe(false);
    expect(live.latestText).toBe('abcd');
  });

  it('pauses for Retry-After after a 429, then shows the newest text', async () => {
    const { live, edits } = setup([{ kind: 'rate_limited', retryAfterMs: 5000 }]);
    live.offer(0, 'a');
    await vi.advanceTimersByTimeAsync(0);
    live.offer(1, 'ab');
    await vi.advanceTimersByTimeAsync(4999);
    expect(edits).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1);
    expect(edits).toEqual(['a', 'ab']);
  });

  it('stops for good when the message is gone', async () => {
    const { live, edits } = setup([{ kind: 'gone' }]);
    live.offer(0, 'a');
    await vi.advanceTimersByTimeAsync(0);
    expect(live.offer(1, 'ab')).toBe(false);
    await vi.advanceTimersByTimeAsync(5000);
    expect(edits).toEqual(['a']);
    expect(live.gone).toBe(true);
  });

  it('close() waits for the edit in flight and cancels the scheduled one', async () => {
    const { live, edits, finishEdit } = setup();
    live.offer(0, 'a');
    live.offer(1, 'ab');
    let closed = false;
    const closing = live.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    await finishEdit();
    await closing;
    await vi.advanceTimersByTimeAsync(5000);
    expect(edits).toEqual(['a']);
  });
});
