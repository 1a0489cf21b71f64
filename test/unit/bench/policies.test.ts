import type { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { editPacing } from '../../../bench/streaming/policies.ts';
import type { InterimResult } from '../../../src/stream/writer.ts';

/** The naive edit policies the streaming benchmark gives `startApp`, apart from the app. */
describe('the benchmark’s naive edit policies', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const updates: unknown[] = [];
  const client = { chat: { update: async (args: unknown) => void updates.push(args) } } as unknown as WebClient;

  function message(policy: 'every-chunk' | 'interval-500ms') {
    const pacing = editPacing(policy)?.({ client });
    if (pacing === undefined) throw new Error(`no pacing for ${policy}`);
    const edits: string[] = [];
    const pending: ((r: InterimResult) => void)[] = [];
    const shown: string[] = [];
    const live = pacing.liveMessage({
      now: () => Date.now(),
      render: (t) => t,
      edit: (text) => {
        edits.push(text);
        return new Promise((resolve) => pending.push(resolve));
      },
      onShown: (text) => shown.push(text),
    });
    const finish = async (result: InterimResult = { kind: 'ok' }) => {
      pending.shift()?.(result);
      await vi.advanceTimersByTimeAsync(0);
    };
    return { pacing, live, edits, shown, finish };
  }

  it('the app’s own budget is no pacing given: startApp keeps its default', () => {
    expect(editPacing('budget')).toBeUndefined();
  });

  it('send every update through the main client at once, and post without waiting', async () => {
    const { pacing } = message('every-chunk');
    await pacing.writes.beforePost('C1');
    await pacing.writes.interim({ channel: 'C1', ts: '1.1', text: 'a' });
    await pacing.writes.final({ channel: 'C1', ts: '1.1', text: 'ab' });
    expect(updates.splice(0)).toEqual([
      { channel: 'C1', ts: '1.1', text: 'a' },
      { channel: 'C1', ts: '1.1', text: 'ab' },
    ]);
  });

  it('every chunk: an edit per chunk as it comes, without waiting for the one before; close() waits for all', async () => {
    const { live, edits, shown, finish } = message('every-chunk');
    live.offer(0, 'a');
    live.offer(1, 'ab');
    expect(live.offer(1, 'ab')).toBe(false);
    live.offer(2, 'abc');
    expect(edits).toEqual(['a', 'ab', 'abc']);
    let closed = false;
    const closing = live.close().then(() => {
      closed = true;
    });
    expect(live.offer(3, 'abcd')).toBe(false);
    await finish();
    await finish();
    expect(closed).toBe(false);
    await finish();
    await closing;
    expect(shown).toEqual(['a', 'ab', 'abc']);
  });

  it('every chunk: stops when the message is gone', async () => {
    const { live, edits, finish } = message('every-chunk');
    live.offer(0, 'a');
    await finish({ kind: 'gone' });
    expect(live.gone).toBe(true);
    expect(live.offer(1, 'ab')).toBe(false);
    expect(edits).toEqual(['a']);
  });

  it('every 500 ms: one edit in flight, the newest text at most every 500 ms, no budget to wait for', async () => {
    const { live, edits, finish } = message('interval-500ms');
    live.offer(0, 'a');
    expect(edits).toEqual(['a']);
    live.offer(1, 'ab');
    live.offer(2, 'abc');
    await finish();
    await vi.advanceTimersByTimeAsync(499);
    expect(edits).toEqual(['a']);
    await vi.advanceTimersByTimeAsync(1);
    expect(edits).toEqual(['a', 'abc']);
    await finish();
    await live.close();
  });
});
